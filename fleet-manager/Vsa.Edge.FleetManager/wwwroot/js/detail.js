// Alert detail: metadata, layout, camera history, and (operators only) the decision form.
import { t, eventLabel, formatTime, formatNumber, measureText, stateText, REASONS } from "./i18n.js";
import { getJson, el, SignedOut } from "./api.js";
import { fetchLayout, fetchTrack, drawLayout } from "./layout.js";
import { siteLabel } from "./sites.js";
import { cameraInfo, cameraLabel, zoneLabel } from "./names.js";
import { claimDetail, holderOf, mine } from "./claims.js";
import { vmsAction, objectClass } from "./vms.js";

const $ = (id) => document.getElementById(id);

// onSubmit({ decision, reason, comment }, alerts): the app schedules the decision (undo window) for the alert shown, or
// for every alert of the incident shown.
export function createDetail({ canDecide, onSubmit, onSignedOut, onClaim }) {
  let current = null;
  let formAlerts = null; // the alerts the open form decides, fixed when it opened
  let incident = null;
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
    row(meta, t("detail.camera"), cameraLabel(a.deviceId, a.cameraId));
    const info = cameraInfo(a.deviceId, a.cameraId);
    if (info?.vmsName) row(meta, t("detail.vmsName"), info.vmsName);
    row(meta, t("detail.zone"), zoneLabel(a.deviceId, a.cameraId, a.zoneId));
    row(meta, t("detail.state"), stateText(a));
    row(meta, t("detail.started"), formatTime(a.startedAt));
    row(meta, t("detail.observed"), formatTime(a.observedAt));
    row(meta, t("detail.ended"), a.endedAt ? formatTime(a.endedAt) : null);
    row(meta, t("detail.received"), formatTime(a.receivedAt));
    row(meta, t("detail.measure"), measureText(a.measurement));
    row(meta, t("detail.confidence"), `${formatNumber(a.confidence * 100, 0)} %`);
    row(meta, t("detail.objects"), (a.objects ?? []).map((o) => objectClass(o.class)).join(", ") || null);
    row(meta, t("detail.model"), `${a.model.id} ${a.model.version}`);
    row(meta, t("detail.alertId"), a.alertId);
    const vms = info?.vmsName ? ` (${t("detail.vmsNameShort")} « ${info.vmsName} »)` : "";
    $("open-camera-text").textContent = t("detail.openCamera", { camera: `${cameraLabel(a.deviceId, a.cameraId)}${vms}, ${siteLabel(a.deviceId)},`, time: formatTime(a.startedAt) });
    const group = incident && incident.alerts.length > 1 ? incident : null;
    $("incident-summary").classList.toggle("hidden", !group);
    if (group) {
      $("incident-summary").textContent = t("incident.summary", {
        n: group.alerts.length, event: eventLabel(group.eventType), from: formatTime(group.alerts[0].startedAt), to: formatTime(group.newest.startedAt),
      });
    }
  }

  function targets() { return incident && incident.alerts.length > 1 ? incident.alerts : current ? [current] : []; }

  function renderHandling() {
    if (!current) return;
    const list = targets();
    const open = !current.decision && canDecide();
    $("handling").classList.toggle("hidden", !open);
    if (!open) return;
    const holder = holderOf(list);
    $("handling-state").textContent = holder ? claimDetail(list) : t("handling.new");
    $("btn-claim").classList.toggle("hidden", mine(list));
    $("btn-release").classList.toggle("hidden", !mine(list));
  }

  function notice(text) {
    $("decision-notice").textContent = text ?? "";
    $("decision-notice").classList.toggle("hidden", !text);
  }

  function renderDecision(a) {
    $("decision-state").textContent = decisionText(a.decision);
    $("decision-state").className = a.decision ? `decided ${a.decision.decision}` : "pending";
    const open = !a.decision && canDecide();
    $("decision-actions").classList.toggle("hidden", !open);
    $("decision-readonly").classList.toggle("hidden", canDecide() || !!a.decision);
    if (!open) closeForm();
    renderHandling();
  }

  async function renderLayout(a, token) {
    const [layout, track] = await Promise.all([fetchLayout(a.deviceId, a.cameraId), fetchTrack(a.alertId)]);
    if (token !== generation) return;
    $("layout-note").textContent = layout ? "" : `(${t("detail.layoutUnknown")})`;
    drawLayout($("layout"), a, layout, track);
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
    // The decision covers the alerts shown when the form opened: one that joins the incident meanwhile stays pending,
    // so nothing is decided that the operator has not seen.
    formAlerts = targets().slice();
    const reasons = $("reasons");
    reasons.classList.toggle("hidden", kind !== "dismissed");
    $("decision-form").classList.remove("hidden");
    $("decision-form").dataset.kind = kind;
    const n = formAlerts.length;
    const verb = kind === "confirmed" ? t("decision.confirm") : t("decision.dismiss");
    $("decision-submit").textContent = n > 1 ? `${t("incident.decideAll", { verb, n })} — ${t("decision.submit")}` : `${verb} — ${t("decision.submit")}`;
    $("decision-error").textContent = "";
    if (kind === "dismissed") reasons.querySelector("input")?.focus();
    else $("decision-comment").focus();
  }

  function closeForm() {
    pendingKind = null;
    formAlerts = null;
    $("decision-error").textContent = "";
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
    const body = { decision: pendingKind, reason, comment };
    const alerts = formAlerts ?? targets();
    closeForm();
    onSubmit(body, alerts);
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
  $("btn-claim").addEventListener("click", () => onClaim(targets(), "claim"));
  $("btn-release").addEventListener("click", () => onClaim(targets(), "release"));
  $("handover-form").addEventListener("submit", (e) => {
    e.preventDefault();
    onClaim(targets(), "handover", $("handover-to").value.trim(), $("handover-note").value.trim() || null);
  });
  $("open-vms").addEventListener("click", () => { if (current) vmsAction(current); });
  buildReasons();

  return {
    get current() { return current; },
    get formOpen() { return pendingKind !== null; },
    // alert: the alert shown (an incident's newest); group: its incident when the incident row is selected.
    show(alert, group = null) {
      // An incident that grows while shown is the same subject: the form the operator is filling stays.
      const shownKey = incident ? `incident:${incident.id}` : current?.alertId;
      const changed = shownKey !== (group && group.alerts.length > 1 ? `incident:${group.id}` : alert?.alertId);
      current = alert;
      incident = group && group.alerts.length > 1 ? group : null;
      $("detail-none").classList.toggle("hidden", !!alert);
      $("detail-body").classList.toggle("hidden", !alert);
      if (!alert) return;
      if (changed) { closeForm(); notice(null); $("handover").open = false; }
      const token = ++generation;
      renderMeta(alert);
      renderDecision(alert);
      renderLayout(alert, token);
      renderHistory(alert, token);
    },
    // A live update of the alert shown: keep the form the operator is filling in.
    update(alert, group = null) {
      if (current?.alertId !== alert.alertId) return;
      current = alert;
      if (group && incident && group.id === incident.id) incident = group;
      renderMeta(alert);
      renderDecision(alert);
      drawLayoutLater(alert);
    },
    openForm,
    closeForm,
    notice,
    renderHandling,
    get alerts() { return targets(); },
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
