// Kill switch: a banner on every view while any suspension is in force, and — for administrators and supervisors — a
// suspend form (scope, target, mandatory reason, confirmation step) and a resume button per suspension (its own reason).
// GET /api/suspensions, POST /api/suspensions, POST /api/suspensions/{id}/resume. Texts registered here, not in i18n.js.
import { t, dictionaries } from "./i18n.js";
import { getJson, postJson, el, SignedOut } from "./api.js";

Object.assign(dictionaries.fr, {
  "role.supervisor": "superviseur",
  "kill.banner": "Analyse suspendue",
  "kill.global": "toute la flotte",
  "kill.site": "site {site}",
  "kill.device": "appareil {device}",
  "kill.camera": "caméra {camera} de {device}",
  "kill.by": "{what} — {reason} (par {by}, {since})",
  "kill.open": "Suspendre l'analyse…",
  "kill.scope": "Portée",
  "kill.target": "Site, appareil ou caméra",
  "kill.targetHelp": "site : nom du site ; appareil : identifiant ; caméra : appareil/caméra",
  "kill.reason": "Motif (obligatoire)",
  "kill.submit": "Suspendre",
  "kill.confirm": "Confirmer la suspension : {what} ?",
  "kill.confirmYes": "Oui, suspendre",
  "kill.cancel": "Annuler",
  "kill.resume": "Reprendre",
  "kill.resumeReason": "Motif de la reprise",
  "kill.done": "Suspension enregistrée",
  "kill.resumed": "Analyse reprise",
});
Object.assign(dictionaries.en, {
  "role.supervisor": "supervisor",
  "kill.banner": "Analysis suspended",
  "kill.global": "the whole fleet",
  "kill.site": "site {site}",
  "kill.device": "device {device}",
  "kill.camera": "camera {camera} of {device}",
  "kill.by": "{what} — {reason} (by {by}, {since})",
  "kill.open": "Suspend the analysis…",
  "kill.scope": "Scope",
  "kill.target": "Site, device or camera",
  "kill.targetHelp": "site: site name; device: id; camera: device/camera",
  "kill.reason": "Reason (mandatory)",
  "kill.submit": "Suspend",
  "kill.confirm": "Confirm the suspension: {what}?",
  "kill.confirmYes": "Yes, suspend",
  "kill.cancel": "Cancel",
  "kill.resume": "Resume",
  "kill.resumeReason": "Reason for resuming",
  "kill.done": "Suspension recorded",
  "kill.resumed": "Analysis resumed",
});

const REFRESH_MS = 10000;
let timer = null;
let context = null;

function describe(s) {
  switch (s.scope) {
    case "global": return t("kill.global");
    case "site": return t("kill.site", { site: s.site });
    case "device": return t("kill.device", { device: s.deviceId });
    default: return t("kill.camera", { camera: s.cameraId, device: s.deviceId });
  }
}

function mayAct() {
  const role = context?.role();
  return role === "admin" || role === "supervisor";
}

function banner() {
  let node = document.getElementById("suspension-banner");
  if (!node) {
    node = el("section", null, "suspension-banner hidden");
    node.id = "suspension-banner";
    node.setAttribute("role", "alert");
    document.querySelector("header.top")?.after(node);
  }
  return node;
}

function render(list) {
  const node = banner();
  node.replaceChildren();
  node.classList.toggle("hidden", list.active.length === 0 && !mayAct());
  if (list.active.length > 0) {
    node.append(el("strong", t("kill.banner")));
    const items = el("ul");
    for (const s of list.active) {
      const item = el("li", t("kill.by", { what: describe(s), reason: s.reason, by: s.by, since: new Date(s.since).toLocaleString() }));
      item.dataset.suspension = String(s.id);
      if (mayAct()) item.append(" ", resumeButton(s));
      items.append(item);
    }
    node.append(items);
  }
  if (mayAct()) node.append(form());
}

function resumeButton(s) {
  const button = el("button", t("kill.resume"), "resume");
  button.type = "button";
  button.addEventListener("click", async () => {
    const reason = window.prompt(t("kill.resumeReason"));
    if (!reason) return;
    await act(() => postJson(`api/suspensions/${s.id}/resume`, { reason }), t("kill.resumed"));
  });
  return button;
}

function form() {
  const details = el("details", null, "suspend");
  details.append(el("summary", t("kill.open")));
  const f = el("form");
  f.id = "suspend-form";
  const scope = el("select");
  scope.id = "suspend-scope";
  for (const value of ["camera", "device", "site", "global"]) {
    const option = el("option", value);
    option.value = value;
    scope.append(option);
  }
  const target = el("input");
  target.id = "suspend-target";
  target.placeholder = t("kill.targetHelp");
  const reason = el("input");
  reason.id = "suspend-reason";
  reason.required = true;
  reason.minLength = 3;
  const submit = el("button", t("kill.submit"));
  submit.type = "submit";
  const confirm = el("p", null, "confirm hidden");
  confirm.id = "suspend-confirm";
  const error = el("p", null, "error");
  error.setAttribute("role", "alert");
  const label = (text, input) => { const l = el("label", text + " "); l.append(input); return l; };
  f.append(label(t("kill.scope"), scope), label(t("kill.target"), target), label(t("kill.reason"), reason), submit, confirm, error);

  // First submit: show what will stop and ask again; the second, explicit click sends it.
  f.addEventListener("submit", (e) => {
    e.preventDefault();
    const request = toRequest(scope.value, target.value.trim(), reason.value.trim());
    confirm.replaceChildren(el("span", t("kill.confirm", { what: describe(request) })) );
    const yes = el("button", t("kill.confirmYes"), "danger");
    yes.type = "button";
    yes.id = "suspend-yes";
    const no = el("button", t("kill.cancel"));
    no.type = "button";
    no.addEventListener("click", () => confirm.classList.add("hidden"));
    yes.addEventListener("click", async () => {
      error.textContent = "";
      try {
        await act(() => postJson("api/suspensions", request), t("kill.done"));
      } catch (err) {
        error.textContent = err.message;
      }
    });
    confirm.append(" ", yes, " ", no);
    confirm.classList.remove("hidden");
  });
  details.append(f);
  return details;
}

function toRequest(scope, target, reason) {
  const request = { scope, reason };
  if (scope === "site") request.site = target;
  if (scope === "device") request.deviceId = target;
  if (scope === "camera") [request.deviceId, request.cameraId] = target.split("/");
  return request;
}

async function act(call, done) {
  try {
    await call();
    context?.announce(done);
  } catch (err) {
    if (err instanceof SignedOut) { context?.onSignedOut(); return; }
    throw err;
  }
  await refreshSuspensions();
}

export async function refreshSuspensions() {
  try {
    render(await getJson("api/suspensions"));
  } catch (err) {
    if (err instanceof SignedOut) context?.onSignedOut();
    else console.warn(err);
  }
}

// Called when the console shows for a signed-in account: { role: () => string, announce: (text) => void, onSignedOut }.
export function initKillSwitch(ctx) {
  context = ctx;
  refreshSuspensions();
  clearInterval(timer);
  timer = setInterval(refreshSuspensions, REFRESH_MS);
}

export function stopKillSwitch() {
  clearInterval(timer);
  banner().classList.add("hidden");
}
