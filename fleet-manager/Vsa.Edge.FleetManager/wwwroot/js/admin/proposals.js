// Installers' proposals, for the administrator (#/admin/proposals, #/admin/proposal/DEVICE/ID): the camera documents poles
// sent from the set-up page, waiting for a decision; per proposal the layout drawn next to the current one (no image), the
// differences named by the fleet (ProposalDiff), and Apply / Reject, each confirmed. Applying makes it the device's next
// desired version through the same authorisation gate as every change: a refusal (no arrêté covers an event) is shown
// here with its reason (GET|POST /api/proposals, /api/devices/{d}/proposals…).
import { dictionaries, t } from "../i18n.js";
import { call, get, Problem } from "./http.js";
import { h, field, table, when, status, confirmAction } from "./ui.js";
import { pretty } from "./diff.js";
import { drawProposal } from "./proposal-drawing.js";

Object.assign(dictionaries.fr, {
  "adm.pr.notice": "Un installateur dessine zones, lignes, masques et calibration sur l'image de la caméra, au pied du poteau (page d'installation) ; le poteau envoie le document ici, sans image. Rien ne change sur l'appareil tant qu'un administrateur ne l'applique pas : il devient alors la prochaine version de sa configuration, soumise au contrôle des arrêtés comme toute modification.",
  "adm.pr.none": "Aucune proposition en attente.",
  "adm.pr.list": "Propositions en attente, de la plus récente à la plus ancienne",
  "adm.pr.device": "Appareil", "adm.pr.camera": "Caméra", "adm.pr.from": "Envoyée par", "adm.pr.savedAt": "Enregistrée sur le poteau",
  "adm.pr.receivedAt": "Reçue", "adm.pr.changes": "Modifications", "adm.pr.review": "Examiner",
  "adm.pr.fromPole": "poteau {device} (page d'installation)",
  "adm.pr.title": "Proposition pour la caméra {camera} de {device}", "adm.pr.back": "← Toutes les propositions",
  "adm.pr.status": "État", "adm.pr.status.pending": "en attente", "adm.pr.status.applied": "appliquée", "adm.pr.status.rejected": "refusée",
  "adm.pr.status.superseded": "remplacée par une plus récente",
  "adm.pr.source": "Source vidéo (mot de passe masqué)", "adm.pr.base": "Version actuelle de la configuration", "adm.pr.noBase": "aucune",
  "adm.pr.events": "Événements proposés", "adm.pr.noEvents": "aucun",
  "adm.pr.current": "Actuel (version {version})", "adm.pr.currentNone": "Actuel : cette caméra n'a pas encore de plan",
  "adm.pr.proposed": "Proposé par l'installateur",
  "adm.pr.legend": "Bleu : zones · jaune : lignes (flèche rouge : sens de franchissement interdit, A → B) · flèche verte : sens autorisé · hachures : masques de confidentialité · points cyan : calibration au sol (position en mètres).",
  "adm.pr.diff": "Ce que l'application change", "adm.pr.document": "Document proposé (JSON, mot de passe masqué)",
  "adm.pr.reason": "Motif du refus (consigné dans le journal d'audit)",
  "adm.pr.apply": "Appliquer", "adm.pr.reject": "Refuser",
  "adm.pr.confirm.apply": "Appliquer cette proposition à la caméra {camera} de {device} ? Elle devient la version {version} de sa configuration, signée et envoyée à l'appareil. Les arrêtés en vigueur doivent couvrir chacun de ses événements.",
  "adm.pr.confirm.reject": "Refuser cette proposition pour la caméra {camera} de {device} ? L'appareil garde sa configuration.",
  "adm.pr.reasonRequired": "Indiquez le motif du refus.",
  "adm.pr.applied": "Appliquée : version {version} de la configuration de {device}, signée et publiée.",
  "adm.pr.rejected": "Refusée.",
  "adm.pr.appliedBy": "Appliquée par {by} le {at} : version {version}.",
  "adm.pr.rejectedBy": "Refusée par {by} le {at} : {reason}",
  "adm.pr.supersededText": "Une proposition plus récente pour la même caméra l'a remplacée.",
  "adm.pr.refused": "Refusée par le contrôle des arrêtés : {detail}",
  "adm.pr.drawingAlt": "Plan de la caméra {camera} : {zones} zones, {lines} lignes, {masks} masques, {points} points de calibration",
});
Object.assign(dictionaries.en, {
  "adm.pr.notice": "An installer draws zones, lines, masks and the ground calibration on the camera's own view at the foot of the pole (the set-up page); the pole sends the document here, without any image. Nothing changes on the device until an administrator applies it: it then becomes the next version of its configuration, checked against the arrêtés like every change.",
  "adm.pr.none": "No proposal waiting.",
  "adm.pr.list": "Proposals waiting, newest first",
  "adm.pr.device": "Device", "adm.pr.camera": "Camera", "adm.pr.from": "Sent by", "adm.pr.savedAt": "Saved on the pole",
  "adm.pr.receivedAt": "Received", "adm.pr.changes": "Changes", "adm.pr.review": "Review",
  "adm.pr.fromPole": "pole {device} (set-up page)",
  "adm.pr.title": "Proposal for camera {camera} of {device}", "adm.pr.back": "← All proposals",
  "adm.pr.status": "Status", "adm.pr.status.pending": "pending", "adm.pr.status.applied": "applied", "adm.pr.status.rejected": "rejected",
  "adm.pr.status.superseded": "replaced by a newer one",
  "adm.pr.source": "Video source (password masked)", "adm.pr.base": "Current configuration version", "adm.pr.noBase": "none",
  "adm.pr.events": "Proposed events", "adm.pr.noEvents": "none",
  "adm.pr.current": "Current (version {version})", "adm.pr.currentNone": "Current: this camera has no layout yet",
  "adm.pr.proposed": "Proposed by the installer",
  "adm.pr.legend": "Blue: zones · yellow: lines (red arrow: forbidden crossing, A → B) · green arrow: allowed direction · hatched: privacy masks · cyan dots: ground calibration (position in metres).",
  "adm.pr.diff": "What applying changes", "adm.pr.document": "Proposed document (JSON, password masked)",
  "adm.pr.reason": "Reason for rejecting (audit log)",
  "adm.pr.apply": "Apply", "adm.pr.reject": "Reject",
  "adm.pr.confirm.apply": "Apply this proposal to camera {camera} of {device}? It becomes version {version} of its configuration, signed and sent to the device. The arrêtés in force must cover each of its events.",
  "adm.pr.confirm.reject": "Reject this proposal for camera {camera} of {device}? The device keeps its configuration.",
  "adm.pr.reasonRequired": "Give the reason for rejecting it.",
  "adm.pr.applied": "Applied: version {version} of the configuration of {device}, signed and published.",
  "adm.pr.rejected": "Rejected.",
  "adm.pr.appliedBy": "Applied by {by} on {at}: version {version}.",
  "adm.pr.rejectedBy": "Rejected by {by} on {at}: {reason}",
  "adm.pr.supersededText": "A newer proposal for the same camera replaced it.",
  "adm.pr.refused": "Refused by the arrêté check: {detail}",
  "adm.pr.drawingAlt": "Layout of camera {camera}: {zones} zones, {lines} lines, {masks} masks, {points} calibration points",
});

const enc = encodeURIComponent;
const href = (p) => `#/admin/proposal/${enc(p.deviceId)}/${enc(p.proposalId)}`;
const api = (deviceId, proposalId) => `api/devices/${enc(deviceId)}/proposals/${enc(proposalId)}`;

export function renderProposals(main) {
  const line = h("p", { class: "status-line", role: "status" });
  const list = h("div", { id: "proposal-list" });
  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-proposals-title" },
    h("h2", { id: "adm-proposals-title", text: t("adm.section.proposals") }),
    h("p", { class: "notice", text: t("adm.pr.notice") }), line, list));
  get("api/proposals").then((proposals) => {
    list.replaceChildren(proposals.length ? table(
      [t("adm.pr.device"), t("adm.pr.camera"), t("adm.pr.from"), t("adm.pr.savedAt"), t("adm.pr.receivedAt"), t("adm.pr.changes"), ""],
      proposals.map((p) => h("tr", { "data-device": p.deviceId, "data-proposal": p.proposalId },
        h("td", null, h("a", { href: `#/admin/device/${enc(p.deviceId)}`, text: p.deviceId })),
        h("td", { text: p.cameraId }),
        h("td", { text: t("adm.pr.fromPole", { device: p.deviceId }) }),
        h("td", { text: when(p.proposedAt) }),
        h("td", { text: when(p.receivedAt) }),
        h("td", { class: "wrap", text: p.differences.join(" · ") }),
        h("td", null, h("a", { href: href(p), class: "review", text: t("adm.pr.review") })))), t("adm.pr.list"))
      : h("p", { class: "empty", text: t("adm.pr.none") }));
  }).catch((err) => status(line, String(err.message ?? err), "error"));
}

function figure(id, caption, cameraId, documentJson) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("id", id);
  svg.setAttribute("class", "proposal-layout");
  svg.setAttribute("viewBox", "0 0 160 90");
  svg.setAttribute("role", "img");
  drawProposal(svg, cameraId, documentJson, id);
  return h("figure", { class: "proposal-figure" }, h("figcaption", { text: caption }), svg);
}

function decision(p) {
  if (p.status === "applied") return h("p", { class: "verdict intact", id: "proposal-decision", text: t("adm.pr.appliedBy", { by: p.decidedBy, at: when(p.decidedAt), version: p.appliedVersion }) });
  if (p.status === "rejected") return h("p", { class: "verdict broken", id: "proposal-decision", text: t("adm.pr.rejectedBy", { by: p.decidedBy, at: when(p.decidedAt), reason: p.reason ?? "" }) });
  if (p.status === "superseded") return h("p", { class: "verdict", id: "proposal-decision", text: t("adm.pr.supersededText") });
  return null;
}

function actions(p, error, rerender) {
  if (p.status !== "pending") return null;
  const reason = h("input", { type: "text", maxlength: "1000", id: "proposal-reason", autocomplete: "off" });
  const words = { camera: p.cameraId, device: p.deviceId, version: p.baseVersion + 1 };
  const fail = (err) => {
    const detail = err instanceof Problem ? (err.detail ?? err.title) : String(err?.message ?? err);
    error.textContent = err instanceof Problem && err.status === 422 ? `${t("adm.pr.refused", { detail })} ${t("adm.dev.gateHint")}`
      : err instanceof Problem ? `${err.title}${err.detail ? ` — ${err.detail}` : ""}` : detail;
    if (err instanceof Problem && err.status === 409) error.append(" ", t("adm.dev.conflictHint"));
  };
  const apply = async () => {
    error.textContent = "";
    if (!(await confirmAction(t("adm.pr.apply"), t("adm.pr.confirm.apply", words), t("adm.pr.apply")))) return;
    try {
      const { body } = await call("POST", `${api(p.deviceId, p.proposalId)}/apply`, { expectedVersion: p.baseVersion });
      rerender(t("adm.pr.applied", { version: body.appliedVersion, device: p.deviceId }));
    } catch (err) { fail(err); }
  };
  const reject = async () => {
    error.textContent = "";
    if (!reason.value.trim()) { error.textContent = t("adm.pr.reasonRequired"); reason.setAttribute("aria-invalid", "true"); reason.focus(); return; }
    reason.removeAttribute("aria-invalid");
    if (!(await confirmAction(t("adm.pr.reject"), t("adm.pr.confirm.reject", words), t("adm.pr.reject")))) return;
    try {
      await call("POST", `${api(p.deviceId, p.proposalId)}/reject`, { reason: reason.value.trim() });
      rerender(t("adm.pr.rejected"));
    } catch (err) { fail(err); }
  };
  return h("div", { class: "admin-form inline", id: "proposal-actions" },
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", id: "proposal-apply", text: t("adm.pr.apply"), onclick: apply })),
    field(t("adm.pr.reason"), reason, "reason"),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "danger", id: "proposal-reject", text: t("adm.pr.reject"), onclick: reject })));
}

export function renderProposal(main, deviceId, proposalId) {
  const section = h("section", { class: "admin-section", "aria-labelledby": "adm-proposal-title" });
  main.append(section);
  // Rendered again after a decision, with what was done in the status line.
  const show = (done) => get(api(deviceId, proposalId)).then((p) => {
    const line = h("p", { class: "status-line", role: "status", id: "proposal-status", tabindex: "-1" });
    const error = h("p", { class: "error form-error", role: "alert", id: "proposal-error" });
    const rerender = (message) => { show(message).catch(() => {}); };
    const events = (p.document.events ?? []).map((e) => `${e.type}${e.enabled === false ? " (off)" : ""}${e.zones?.length ? ` [${e.zones.join(", ")}]` : ""}`);
    section.replaceChildren(...[
      h("p", null, h("a", { href: "#/admin/proposals", text: t("adm.pr.back") })),
      h("h2", { id: "adm-proposal-title", text: t("adm.pr.title", { camera: p.cameraId, device: p.deviceId }) }),
      line, decision(p),
      h("div", { class: "config-columns" },
        h("dl", { class: "facts" },
          h("dt", { text: t("adm.pr.status") }), h("dd", { id: "proposal-state", text: t(`adm.pr.status.${p.status}`) }),
          h("dt", { text: t("adm.pr.from") }), h("dd", { text: t("adm.pr.fromPole", { device: p.deviceId }) }),
          h("dt", { text: t("adm.pr.savedAt") }), h("dd", { text: when(p.proposedAt) }),
          h("dt", { text: t("adm.pr.receivedAt") }), h("dd", { text: when(p.receivedAt) }),
          h("dt", { text: t("adm.pr.source") }), h("dd", { class: "details", text: p.document.source ?? t("none") }),
          h("dt", { text: t("adm.pr.events") }), h("dd", { id: "proposal-events", text: events.join(" · ") || t("adm.pr.noEvents") }),
          h("dt", { text: t("adm.pr.base") }), h("dd", { text: p.baseVersion ? String(p.baseVersion) : t("adm.pr.noBase") })),
        h("section", { "aria-labelledby": "adm-proposal-diff" },
          h("h3", { id: "adm-proposal-diff", text: t("adm.pr.diff") }),
          h("ul", { id: "proposal-diff" }, p.differences.map((d) => h("li", { text: d }))))),
      h("div", { class: "proposal-figures" },
        figure("proposal-current", p.currentDocument ? t("adm.pr.current", { version: p.baseVersion }) : t("adm.pr.currentNone"), p.cameraId, p.currentDocument),
        figure("proposal-proposed", t("adm.pr.proposed"), p.cameraId, p.document)),
      h("p", { class: "hint", text: t("adm.pr.legend") }),
      actions(p, error, rerender), error,
      h("details", null, h("summary", { text: t("adm.pr.document") }), h("pre", { class: "diff-text", id: "proposal-document", text: pretty(p.document) }))].filter(Boolean));
    if (done) { status(line, done, "ok"); line.focus(); }
  });
  show().catch((err) => status(section.appendChild(h("p", { class: "status-line" })), err.status === 404 ? `${err.title} — ${err.detail}` : String(err.message ?? err), "error"));
}
