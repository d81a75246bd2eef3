// Alert detail: metadata, layout, camera history, and (operators only) the decision form.
import { t, eventLabel, formatTime, formatNumber, measureText, stateText, REASONS } from "./i18n.js";
import { getJson, postJson, el, SignedOut } from "./api.js";
import { fetchLayout, drawLayout } from "./layout.js";
import { siteLabel } from "./sites.js";

const $ = (id) => document.getElementById(id);

export function createDetail({ canDecide, onDecided, onSignedOut }) {
  let current = null;
  let pendingKind = null;
  let generation = 0;

  function row(list, label, value) {
    list.append(el("dt", label), el("dd", value ?? t("none")));
  }

  function decisionText(d) {
    if (!d) return t("decision.pending");
    const label = d.decision === "confirmed" ? t("decision.confirmed") : t("decision.dismissed");
    const reason = d.reason ? ` — ${t(`reason.${d.reason}`).replace(/^\[.*\]$/, d.reason)}` : "";
    const comment = d.comment ? ` (« ${d.comment} »)` : "";
    return `${t("decision.by", { decision: label, by: d.decidedBy, at: formatTime(d.decidedAt) })}${reason}${comment}`;
  }

  function renderMeta(a) {
    const meta = $("detail-meta");
    meta.replaceChildren();
    row(meta, t("detail.event"), eventLabel(a.eventType));
    row(meta, t("detail.site"), siteLabel(a.deviceId));
    row(meta, t("detail.camera"), a.cameraId);
    row(meta, t("detail.zone"), a.zoneId);
    row(meta, t("detail.state"), stateText(a));
    row(meta, t("detail.started"), formatTime(a.startedAt));
    row(meta, t("detail.observed"), formatTime(a.observedAt));
    row(meta, t("detail.ended"), a.endedAt ? formatTime(a.endedAt) : null);
    row(meta, t("detail.received"), formatTime(a.receivedAt));
    row(meta, t("detail.measure"), measureText(a.measurement));
    row(meta, t("detail.confidence"), `${formatNumber(a.confidence * 100, 0)} %`);
    row(meta, t("detail.objects"), (a.objects ?? []).map((o) => o.class).join(", ") || null);
    row(meta, t("detail.model"), `${a.model.id} ${a.model.version}`);
    row(meta, t("detail.alertId"), a.alertId);
    $("open-camera").textContent = t("detail.openCamera", { camera: `${a.cameraId}, ${siteLabel(a.deviceId)},`, time: formatTime(a.startedAt) });
  }

  function renderDecision(a) {
    $("decision-state").textContent = decisionText(a.decision);
    $("decision-state").className = a.decision ? `decided ${a.decision.decision}` : "pending";
    const open = !a.decision && canDecide();
    $("decision-actions").classList.toggle("hidden", !open);
    $("decision-readonly").classList.toggle("hidden", canDecide() || !!a.decision);
    if (!open) closeForm();
  }

  async function renderLayout(a, token) {
    const layout = await fetchLayout(a.deviceId, a.cameraId);
    if (token !== generation) return;
    $("layout-note").textContent = layout ? "" : `(${t("detail.layoutUnknown")})`;
    drawLayout($("layout"), a, layout);
  }

  async function renderHistory(a, token) {
    const list = $("history");
    try {
      const alerts = await getJson(`api/alerts?limit=20&deviceId=${encodeURIComponent(a.deviceId)}&cameraId=${encodeURIComponent(a.cameraId)}`);
      if (token !== generation) return;
      list.replaceChildren();
      const others = alerts.filter((x) => x.alertId !== a.alertId);
      for (const x of others) {
        const item = el("li");
        const link = el("a", `${formatTime(x.startedAt)} · ${eventLabel(x.eventType)}`);
        link.href = `#/alert/${encodeURIComponent(x.alertId)}`;
        item.append(link, el("span", ` — ${decisionText(x.decision)}`, x.decision ? x.decision.decision : "pending"));
        list.append(item);
      }
      $("history-empty").classList.toggle("hidden", others.length > 0);
    } catch (err) {
      if (err instanceof SignedOut) onSignedOut();
      else console.warn("history unavailable", err);
    }
  }

  function openForm(kind) {
    if (!current || current.decision || !canDecide()) return;
    pendingKind = kind;
    const reasons = $("reasons");
    reasons.classList.toggle("hidden", kind !== "dismissed");
    $("decision-form").classList.remove("hidden");
    $("decision-form").dataset.kind = kind;
    $("decision-submit").textContent = `${kind === "confirmed" ? t("decision.confirm") : t("decision.dismiss")} — ${t("decision.submit")}`;
    $("decision-error").textContent = "";
    if (kind === "dismissed") reasons.querySelector("input")?.focus();
    else $("decision-comment").focus();
  }

  function closeForm() {
    pendingKind = null;
    $("decision-form").classList.add("hidden");
    $("decision-comment").value = "";
    for (const r of document.querySelectorAll("#reasons input")) r.checked = false;
  }

  async function submit() {
    if (!current || !pendingKind) return;
    const reason = document.querySelector("#reasons input:checked")?.value ?? null;
    if (pendingKind === "dismissed" && !reason) {
      $("decision-error").textContent = t("decision.reasonRequired");
      return;
    }
    const comment = $("decision-comment").value.trim() || null;
    try {
      const view = await postJson(`api/alerts/${encodeURIComponent(current.alertId)}/decision`, { decision: pendingKind, reason, comment });
      closeForm();
      onDecided(view);
    } catch (err) {
      if (err instanceof SignedOut) onSignedOut();
      else $("decision-error").textContent = t("decision.failed", { error: err.message });
    }
  }

  function buildReasons() {
    const fieldset = $("reasons");
    for (const old of fieldset.querySelectorAll("label")) old.remove();
    REASONS.forEach((code, i) => {
      const label = el("label", null, "reason");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = "reason";
      input.value = code;
      label.append(input, el("kbd", String(i + 1)), el("span", ` ${t(`reason.${code}`)}`));
      fieldset.append(label);
    });
  }

  $("btn-confirm").addEventListener("click", () => openForm("confirmed"));
  $("btn-dismiss").addEventListener("click", () => openForm("dismissed"));
  $("decision-cancel").addEventListener("click", closeForm);
  $("decision-form").addEventListener("submit", (e) => { e.preventDefault(); submit(); });
  buildReasons();

  return {
    get current() { return current; },
    get formOpen() { return pendingKind !== null; },
    show(alert) {
      const changed = current?.alertId !== alert?.alertId;
      current = alert;
      $("detail-none").classList.toggle("hidden", !!alert);
      $("detail-body").classList.toggle("hidden", !alert);
      if (!alert) return;
      if (changed) closeForm();
      const token = ++generation;
      renderMeta(alert);
      renderDecision(alert);
      renderLayout(alert, token);
      renderHistory(alert, token);
    },
    // A live update of the alert shown: keep the form the operator is filling in.
    update(alert) {
      if (current?.alertId !== alert.alertId) return;
      current = alert;
      renderMeta(alert);
      renderDecision(alert);
      drawLayoutLater(alert);
    },
    openForm,
    closeForm,
    // Keys while the decision form is open; returns true when handled.
    handleFormKey(e) {
      if (!pendingKind) return false;
      if (e.key === "Escape") { closeForm(); return true; }
      // Enter records (Shift+Enter: a new line in the comment); the operator never has to reach for the mouse.
      if (e.key === "Enter" && !e.shiftKey && !["BUTTON", "A"].includes(e.target.tagName)) { e.preventDefault(); submit(); return true; }
      if (e.target.tagName === "TEXTAREA") return false;
      const n = Number.parseInt(e.key, 10);
      if (pendingKind === "dismissed" && n >= 1 && n <= REASONS.length) {
        const input = document.querySelector(`#reasons input[value="${REASONS[n - 1]}"]`);
        input.checked = true;
        input.focus();
        return true;
      }
      return false;
    },
    retranslate() { buildReasons(); if (current) this.show(current); },
  };

  function drawLayoutLater(alert) { renderLayout(alert, generation); }
}
