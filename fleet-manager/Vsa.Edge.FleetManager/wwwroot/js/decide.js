// A decision is shown as "Décision enregistrée" at once and sent when its undo window ends (Fleet:Console:UndoSeconds):
// "Annuler" (or u) withdraws it before anything leaves the browser; once sent it is final. One alert goes to
// POST /api/alerts/{id}/decision, an incident's alerts to POST /api/alerts/decisions (one decision per alert, one
// transaction). Deciding again sends the previous decision at once (only the latest can be undone).
import { t } from "./i18n.js";
import { postJson, SignedOut } from "./api.js";
import { settings } from "./settings.js";

const $ = (id) => document.getElementById(id);

export function createDecider({ onSent, onUndone, onFailed, onSignedOut, onChange }) {
  let waiting = null; // { alerts, body, timer, deadline }
  const inFlight = new Set(); // alert ids sent by this page and not yet answered: their echo is ours
  const mineRecently = new Set(); // alert ids this page decided: their echo never moves anything
  let ticker = null;
  let hideTimer = null;

  function bar(state, text) {
    clearTimeout(hideTimer);
    $("undo-bar").classList.remove("hidden");
    $("undo-bar").dataset.state = state;
    $("undo-text").textContent = text;
    $("undo-button").classList.toggle("hidden", state !== "waiting");
    if (state === "sent" || state === "undone") hideTimer = setTimeout(() => $("undo-bar").classList.add("hidden"), 4000);
  }

  function label(body, n) {
    const what = body.decision === "confirmed" ? t("decision.confirmed") : t("decision.dismissed");
    return n > 1 ? t("undo.incident", { decision: what, n }) : what;
  }

  function showCountdown() {
    if (!waiting) return;
    const left = Math.max(0, Math.ceil((waiting.deadline - Date.now()) / 1000));
    bar("waiting", t("undo.waiting", { what: label(waiting.body, waiting.alerts.length), s: left }));
  }

  async function send(entry) {
    const ids = entry.alerts.map((a) => a.alertId);
    for (const id of ids) { inFlight.add(id); mineRecently.add(id); }
    bar("sending", t("undo.sending", { what: label(entry.body, ids.length) }));
    try {
      const views = ids.length === 1
        ? [await postJson(`api/alerts/${encodeURIComponent(ids[0])}/decision`, entry.body)]
        : await postJson("api/alerts/decisions", { alertIds: ids, ...entry.body });
      bar("sent", t("undo.sent", { what: label(entry.body, ids.length) }));
      onSent(views);
    } catch (err) {
      for (const id of ids) mineRecently.delete(id);
      if (err instanceof SignedOut) { onSignedOut(); return; }
      bar("failed", t("decision.failed", { error: err.message }));
      onFailed(entry.alerts, err);
    } finally {
      for (const id of ids) inFlight.delete(id);
      onChange();
    }
  }

  function flush() {
    if (!waiting) return null;
    const entry = waiting;
    waiting = null;
    clearTimeout(entry.timer);
    clearInterval(ticker);
    return send(entry);
  }

  // Sends what waits if the page goes away: a decision shown as recorded is never silently lost.
  window.addEventListener("pagehide", () => {
    if (!waiting) return;
    const ids = waiting.alerts.map((a) => a.alertId);
    const url = ids.length === 1 ? `api/alerts/${encodeURIComponent(ids[0])}/decision` : "api/alerts/decisions";
    const body = ids.length === 1 ? waiting.body : { alertIds: ids, ...waiting.body };
    fetch(url, { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    waiting = null;
  });

  return {
    schedule(alerts, body) {
      flush();
      const delay = settings.undoSeconds * 1000;
      const entry = { alerts, body, deadline: Date.now() + delay };
      if (delay <= 0) { send(entry); onChange(); return; }
      entry.timer = setTimeout(() => { if (waiting === entry) flush(); }, delay);
      waiting = entry;
      clearInterval(ticker);
      ticker = setInterval(showCountdown, 1000);
      showCountdown();
      onChange();
    },
    undo() {
      if (!waiting) return false;
      const entry = waiting;
      waiting = null;
      clearTimeout(entry.timer);
      clearInterval(ticker);
      bar("undone", t("undo.undone"));
      onUndone(entry.alerts);
      onChange();
      return true;
    },
    // Alerts held back by the undo window: the queue does not show them.
    isHeld(alertId) { return !!waiting?.alerts.some((a) => a.alertId === alertId) || inFlight.has(alertId); },
    isMine(alertId) { return mineRecently.has(alertId); },
    get waiting() { return !!waiting; },
    flush,
  };
}
