// Devices, for the administrator: the list, and a page per device with its desired and reported configuration, the
// drift and a diff between them, a validated JSON editor to push a new version, and revocation.
import { t } from "../i18n.js";
import { call, get, Problem } from "./http.js";
import { h, field, formError, showProblem, clearErrors, confirmAction, table, when, status } from "./ui.js";
import { renderDiff, pretty } from "./diff.js";
import { deviceModels } from "./rollouts.js";

const POLL_MS = 2000;
let poll = null;

const deviceHref = (id) => `#/admin/device/${encodeURIComponent(id)}`;

function configSummary(c) {
  if (!c || (c.desiredVersion == null && c.notReported)) return t("none");
  const applied = c.notReported ? t("devices.notReported") : c.appliedVersion ?? t("none");
  return `${t("devices.config", { desired: c.desiredVersion ?? t("none"), applied })} · ${c.drift ? t("devices.drift") : t("devices.inSync")}`;
}

export function renderDevices(main) {
  const line = h("p", { class: "status-line", role: "status" });
  const list = h("div");
  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-devices-title" },
    h("h2", { id: "adm-devices-title", text: t("adm.section.devices") }),
    h("p", { class: "notice", text: t("adm.dev.notice") }), line, list));
  Promise.all([get("api/devices"), deviceModels()]).then(([devices, models]) => {
    const rows = devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId)).map((d) => h("tr", { "data-device": d.deviceId },
      h("td", null, h("a", { href: deviceHref(d.deviceId), text: d.deviceId })),
      h("td", { text: d.site ?? t("none") }),
      h("td", { text: d.neverConnected ? t("devices.neverConnected") : t(`devices.${d.status}`) }),
      h("td", { class: d.config?.drift ? "warning" : null, text: configSummary(d.config) }),
      modelCell(models.get(d.deviceId))));
    list.replaceChildren(rows.length
      ? table([t("adm.dev.device"), t("adm.tokens.site"), t("adm.state"), t("adm.dev.configuration"), t("adm.ro.modelColumn")], rows, t("adm.dev.list"))
      : h("p", { class: "empty", text: t("devices.empty") }));
  }).catch((err) => status(line, String(err.message ?? err), "error"));
}

// The model a device reports, with its newest update and a link to the open rollout it is in.
function modelCell(m) {
  if (!m) return h("td", { class: "muted", text: t("none") });
  return h("td", { class: `wrap model-state${m.bad ? " warning" : ""}` }, m.text,
    m.rollout ? [" · ", h("a", { href: `#/admin/rollout/${m.rollout}`, text: `#${m.rollout}` })] : null);
}

function dl(pairs) {
  return h("dl", { class: "facts" }, pairs.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v ?? t("none") })]));
}

function configFacts(view) {
  const d = view.desired;
  const r = view.reported;
  return h("div", { class: "config-columns" },
    h("section", { "aria-labelledby": "adm-desired-title" }, h("h3", { id: "adm-desired-title", text: t("adm.dev.desired") }),
      d ? dl([[t("adm.dev.version"), String(d.version)], [t("adm.dev.issuedAt"), when(d.issuedAt)], [t("adm.dev.issuedBy"), d.issuedBy],
        [t("adm.dev.cameras"), d.cameras.map((c) => c.cameraId).join(", ") || t("none")],
        [t("adm.dev.authorisations"), d.authorisations.map((a) => a.reference).join(", ") || t("none")],
        [t("adm.dev.published"), view.publishedVersion == null ? t("adm.dev.notPublished") : String(view.publishedVersion)]])
        : h("p", { class: "empty", text: t("adm.dev.noDesired") })),
    h("section", { "aria-labelledby": "adm-reported-title" }, h("h3", { id: "adm-reported-title", text: t("adm.dev.reported") }),
      r ? dl([[t("adm.dev.applied"), r.appliedVersion == null ? t("adm.dev.localFiles") : String(r.appliedVersion)],
        [t("adm.dev.lastReceived"), r.lastReceivedVersion == null ? t("none") : String(r.lastReceivedVersion)],
        [t("adm.dev.applyStatus"), t(`adm.dev.status.${r.status}`)], [t("adm.dev.source"), t(`adm.dev.source.${r.source}`)],
        [t("adm.dev.reportedAt"), when(r.at)], [t("adm.dev.receivedAt"), when(view.reportedReceivedAt)],
        [t("adm.dev.cameras"), r.cameras.map((c) => c.cameraId).join(", ") || t("none")],
        [t("adm.dev.deviceErrors"), r.errors.join(" · ") || t("none")]])
        : h("p", { class: "empty", text: t("adm.dev.noReport") })));
}

function driftBlock(view) {
  if (!view.desired) return h("p", { class: "drift-state muted", id: "drift-state", text: t("adm.dev.noDrift") });
  if (!view.drift) return h("p", { class: "drift-state ok", id: "drift-state", text: t("adm.dev.inSync", { version: view.desired.version }) });
  return h("div", { class: "drift-state warning", id: "drift-state" }, h("p", { text: t("adm.dev.drifting") }),
    h("ul", null, view.driftReasons.map((r) => h("li", { text: r }))));
}

function editor(deviceId, view, onPushed) {
  const start = view.desired?.cameras ?? view.reported?.cameras ?? [];
  const text = h("textarea", { rows: "18", spellcheck: "false", class: "json-editor", id: "config-editor" });
  text.value = JSON.stringify(start, null, 2);
  const local = h("span", { class: "field-hint", role: "status", id: "config-json-state" });
  const form = h("form", { class: "admin-form", id: "config-form" },
    field(t("adm.dev.editorLabel"), text, "cameras", t("adm.dev.editorHint")),
    local,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("adm.dev.push") }),
      h("button", { type: "button", class: "secondary", text: t("adm.dev.format"), onclick: () => { const v = check(); if (v) text.value = JSON.stringify(v, null, 2); } })),
    formError());

  // The JSON must parse and be a list of objects before anything is sent; the fleet's validator then checks each camera.
  function check() {
    try {
      const value = JSON.parse(text.value);
      if (!Array.isArray(value) || value.some((c) => !c || typeof c !== "object" || Array.isArray(c))) throw new Error(t("adm.dev.notAList"));
      local.textContent = t("adm.dev.jsonOk", { n: value.length });
      local.className = "field-hint ok";
      text.removeAttribute("aria-invalid");
      return value;
    } catch (err) {
      local.textContent = t("adm.dev.jsonBad", { message: err.message });
      local.className = "field-hint error";
      text.setAttribute("aria-invalid", "true");
      return null;
    }
  }
  text.addEventListener("input", check);
  check();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const cameras = check();
    if (!cameras) { text.focus(); return; }
    try {
      const { body } = await call("PUT", `api/devices/${encodeURIComponent(deviceId)}/config`, { cameras, expectedVersion: view.desired?.version ?? 0 });
      onPushed(body);
    } catch (err) {
      showProblem(form, err);
      // The authorisation gate (422) names the events no arrêté covers: say what to do about it.
      if (err instanceof Problem && err.status === 422) form.querySelector(".form-error").append(" ", t("adm.dev.gateHint"));
      if (err instanceof Problem && err.status === 409) form.querySelector(".form-error").append(" ", t("adm.dev.conflictHint"));
    }
  });
  return form;
}

function revokeBlock(deviceId, line) {
  const reason = h("input", { maxlength: "500", autocomplete: "off" });
  const form = h("form", { class: "admin-form", id: "revoke-form" },
    field(t("adm.dev.revokeReason"), reason, "reason"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "danger", text: t("adm.dev.revoke") })),
    formError());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!await confirmAction(t("adm.dev.revokeTitle", { device: deviceId }), t("adm.dev.revokeText", { device: deviceId }), t("adm.dev.revoke"))) return;
    try {
      const { body } = await call("POST", `api/devices/${encodeURIComponent(deviceId)}/revoke`, { reason: reason.value || null });
      status(line, t("adm.dev.revoked", { device: deviceId, serials: body.revokedSerials.join(", "), at: when(body.revokedAt) }), "ok");
      line.focus();
    } catch (err) { showProblem(form, err); }
  });
  return h("section", { class: "danger-zone", "aria-labelledby": "adm-revoke-title" },
    h("h3", { id: "adm-revoke-title", text: t("adm.dev.revokeHeading") }), h("p", { class: "notice", text: t("adm.dev.revokeNotice") }), form);
}

export function renderDevice(main, deviceId, me) {
  clearInterval(poll);
  const line = h("p", { class: "status-line", role: "status", tabindex: "-1", id: "device-status" });
  const facts = h("div", { id: "device-config" });
  const drift = h("div");
  const diff = h("div", { id: "device-diff" });
  const editorSlot = h("div");
  const section = h("section", { class: "admin-section", "aria-labelledby": "adm-device-title" },
    h("p", null, h("a", { href: "#/admin/devices", text: t("adm.dev.back") })),
    h("h2", { id: "adm-device-title", text: t("adm.dev.title", { device: deviceId }) }),
    line, h("h3", { text: t("adm.dev.drift") }), drift, facts,
    h("h3", { text: t("adm.dev.diff") }), h("p", { class: "hint", text: t("adm.dev.diffLegend") }), diff,
    h("h3", { text: t("adm.dev.newVersion") }), editorSlot,
    me?.role === "admin" ? revokeBlock(deviceId, line) : null);
  main.append(section);

  let shownKey = null;
  let awaiting = null;
  async function load(withEditor) {
    const view = await get(`api/devices/${encodeURIComponent(deviceId)}/config`);
    // The version just pushed: say when the device reports it applied or refused it.
    if (awaiting !== null && view.reported?.lastReceivedVersion === awaiting) {
      const applied = view.reported.status === "applied" && view.reported.appliedVersion === awaiting;
      status(line, t(applied ? "adm.dev.appliedNow" : "adm.dev.rejectedNow", { version: awaiting, errors: view.reported.errors.join(" · ") }), applied ? "ok" : "error");
      awaiting = null;
    }
    const key = JSON.stringify([view.desired?.version, view.reported?.at, view.drift]);
    if (key !== shownKey) {
      shownKey = key;
      facts.replaceChildren(configFacts(view));
      drift.replaceChildren(driftBlock(view));
      diff.replaceChildren(renderDiff(view.desired?.cameras, view.reported?.cameras));
    }
    if (withEditor) editorSlot.replaceChildren(editor(deviceId, view, (pushed) => {
      status(line, t("adm.dev.pushed", { version: pushed.desired.version }), "ok");
      awaiting = pushed.desired.version;
      load(true).catch(() => {});
    }));
  }
  load(true).catch((err) => status(line, err.status === 404 ? t("adm.dev.unknown", { device: deviceId }) : String(err.message ?? err), "error"));
  // While the page is open, the device's report (applied, refused) shows without reload.
  poll = setInterval(() => {
    if (!section.isConnected) { clearInterval(poll); return; }
    load(false).catch(() => {});
  }, POLL_MS);
}
