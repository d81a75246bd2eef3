// Prefectoral authorisations (arrêtés): record, change, end. Recording or changing one makes the fleet issue a new signed
// configuration to every device it names; the page says which, and at what version.
import { t, eventLabel } from "../i18n.js";
import { call, get } from "./http.js";
import { h, field, formError, showProblem, clearErrors, confirmAction, table, when, status } from "./ui.js";

export const EVENTS = ["intrusion", "wrong_way", "abandoned_object", "crowd_density", "crowd_movement", "person_down", "weapon", "fire"];

const pad = (n) => String(n).padStart(2, "0");
function toLocalInput(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
const fromLocalInput = (value) => (value ? new Date(value).toISOString() : null);

// "pole-1/cam-1" per line: neither id may contain "/" (an MQTT topic separator), so the split is unambiguous.
function parseCameras(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const at = l.indexOf("/");
    return at < 0 ? { deviceId: l, cameraId: "" } : { deviceId: l.slice(0, at).trim(), cameraId: l.slice(at + 1).trim() };
  });
}

// What the fleet did: one line per device whose configuration it reissued, with the new version.
async function describeReissued(headers) {
  const ids = (headers.get("Vsa-Reissued") ?? "").split(",").filter(Boolean).map(decodeURIComponent);
  if (!ids.length) return [t("adm.auth.noReissue")];
  return Promise.all(ids.map(async (id) => {
    try {
      const view = await get(`api/devices/${encodeURIComponent(id)}/config`);
      return t("adm.auth.reissued", { device: id, version: view.desired?.version ?? "?" });
    } catch { return t("adm.auth.reissued", { device: id, version: "?" }); }
  }));
}

export function renderAuthorisations(main) {
  let editing = null;
  const inputs = {
    reference: h("input", { required: true, maxlength: "256", autocomplete: "off" }),
    service: h("input", { required: true, maxlength: "256", autocomplete: "off" }),
    cameras: h("textarea", { rows: "3", required: true, spellcheck: "false" }),
    startsAt: h("input", { type: "datetime-local", required: true }),
    endsAt: h("input", { type: "datetime-local", required: true }),
    documentUrl: h("input", { type: "url", autocomplete: "off" }),
  };
  const boxes = EVENTS.map((e) => h("label", { class: "check" }, h("input", { type: "checkbox", value: e, name: "events" }), ` ${eventLabel(e)}`));
  const eventsError = h("span", { class: "field-error", id: "adm-auth-events-error", "data-error-for": "events" });
  const title = h("h3", { text: t("adm.auth.new") });
  const submit = h("button", { type: "submit", class: "primary", text: t("adm.auth.record") });
  const cancel = h("button", { type: "button", class: "secondary hidden", text: t("adm.auth.cancelEdit"), onclick: () => reset() });
  const form = h("form", { class: "admin-form grid", id: "authorisation-form" },
    field(t("adm.auth.reference"), inputs.reference, "reference", t("adm.auth.referenceHint")),
    field(t("adm.auth.service"), inputs.service, "service"),
    h("fieldset", { class: "field wide", "aria-describedby": "adm-auth-events-error" }, h("legend", { text: t("adm.auth.events") }), boxes, eventsError),
    field(t("adm.auth.cameras"), inputs.cameras, "cameras", t("adm.auth.camerasHint")),
    field(t("adm.auth.startsAt"), inputs.startsAt, "startsAt"),
    field(t("adm.auth.endsAt"), inputs.endsAt, "endsAt", t("adm.auth.endsAtHint")),
    field(t("adm.auth.documentUrl"), inputs.documentUrl, "documentUrl"),
    h("div", { class: "actions" }, submit, cancel),
    formError());
  const line = h("div", { class: "status-line", role: "status", id: "authorisation-result" });
  const list = h("div");

  function reset() {
    editing = null;
    form.reset();
    clearErrors(form);
    title.textContent = t("adm.auth.new");
    submit.textContent = t("adm.auth.record");
    cancel.classList.add("hidden");
  }

  function edit(a) {
    editing = a;
    inputs.reference.value = a.reference;
    inputs.service.value = a.service;
    inputs.cameras.value = a.cameras.map((c) => `${c.deviceId}/${c.cameraId}`).join("\n");
    inputs.startsAt.value = toLocalInput(a.startsAt);
    inputs.endsAt.value = toLocalInput(a.endsAt);
    inputs.documentUrl.value = a.documentUrl ?? "";
    for (const box of form.querySelectorAll("input[name=events]")) box.checked = a.events.includes(box.value);
    title.textContent = t("adm.auth.editing", { reference: a.reference });
    submit.textContent = t("adm.auth.save");
    cancel.classList.remove("hidden");
    inputs.reference.focus();
  }

  function body() {
    return {
      reference: inputs.reference.value, service: inputs.service.value,
      events: [...form.querySelectorAll("input[name=events]:checked")].map((b) => b.value),
      cameras: parseCameras(inputs.cameras.value),
      startsAt: fromLocalInput(inputs.startsAt.value), endsAt: fromLocalInput(inputs.endsAt.value),
      documentUrl: inputs.documentUrl.value || null,
    };
  }

  async function report(message, headers) {
    const lines = await describeReissued(headers);
    line.className = "status-line ok";
    line.replaceChildren(h("p", { text: message }), h("ul", { class: "reissued" }, lines.map((l) => h("li", { text: l }))));
  }

  async function load() {
    const now = new Date();
    const rows = (await get("api/authorisations")).map((a) => {
      const live = new Date(a.startsAt) <= now && now < new Date(a.endsAt);
      const ended = new Date(a.endsAt) <= now;
      const end = ended ? null : h("button", { type: "button", class: "danger", text: t("adm.auth.end"), onclick: async () => {
        if (!await confirmAction(t("adm.auth.endTitle"), t("adm.auth.endText", { reference: a.reference }), t("adm.auth.end"))) return;
        const endsAt = new Date(Math.max(Date.now(), new Date(a.startsAt).getTime() + 1000)).toISOString();
        try {
          const { headers } = await call("PUT", `api/authorisations/${a.id}`, { ...a, endsAt });
          await report(t("adm.auth.ended", { reference: a.reference }), headers);
          await load();
        } catch (err) { status(line, `${err.title ?? err.message}${err.detail ? ` — ${err.detail}` : ""}`, "error"); }
      } });
      return h("tr", { "data-authorisation": a.reference },
        h("td", null, a.documentUrl ? h("a", { href: a.documentUrl, rel: "noopener noreferrer", target: "_blank", text: a.reference }) : a.reference),
        h("td", { class: "wrap", text: a.service }), h("td", { class: "wrap", text: a.events.map(eventLabel).join(", ") }),
        h("td", { class: "wrap", text: a.cameras.map((c) => `${c.deviceId}/${c.cameraId}`).join(", ") }),
        h("td", { text: when(a.startsAt) }), h("td", { text: when(a.endsAt) }),
        h("td", { class: live ? "ok" : "muted", text: t(live ? "adm.auth.inForce" : ended ? "adm.auth.isEnded" : "adm.auth.future") }),
        h("td", { class: "row-actions" }, h("button", { type: "button", class: "secondary", text: t("adm.auth.edit"), onclick: () => edit(a) }), " ", end));
    });
    list.replaceChildren(rows.length
      ? table([t("adm.auth.reference"), t("adm.auth.service"), t("adm.auth.events"), t("adm.auth.cameras"), t("adm.auth.startsAt"), t("adm.auth.endsAt"), t("adm.state"), t("adm.actions")], rows, t("adm.auth.list"))
      : h("p", { class: "empty", text: t("adm.auth.none") }));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const { body: stored, headers } = editing
        ? await call("PUT", `api/authorisations/${editing.id}`, body())
        : await call("POST", "api/authorisations", body());
      await report(t(editing ? "adm.auth.saved" : "adm.auth.recorded", { reference: stored.reference }), headers);
      reset();
      await load();
    } catch (err) { showProblem(form, err); }
  });

  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-auth-title" },
    h("h2", { id: "adm-auth-title", text: t("adm.section.authorisations") }),
    h("p", { class: "notice", text: t("adm.auth.notice") }),
    title, form, line, list));
  load().catch((err) => status(line, String(err.message ?? err), "error"));
}
