// The administrator's screens (#/admin/…) and the auditor's (#/audit): views of their own, routed from app.js. The
// server enforces every role; these screens only show what the account may do. Their code, strings and style
// (screens.js, admin.css) load the first time one is opened, so an operator's page stays as light as before.
import { dictionaries } from "../i18n.js";

Object.assign(dictionaries.fr, { "nav.admin": "Administration", "nav.audit": "Audit" });
Object.assign(dictionaries.en, { "nav.admin": "Administration", "nav.audit": "Audit" });

const $ = (id) => document.getElementById(id);
let screens = null;
let shown = null;
let shownFor = null;
let renders = 0;

export const canAdminister = (me) => me?.role === "admin";
export const canAudit = (me) => me?.role === "admin" || me?.role === "auditor";

function load() {
  if (!screens) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "admin.css" }));
    screens = import("./screens.js");
  }
  return screens;
}

// A language change re-renders the screen shown (app.js retranslates its own views).
$("lang")?.addEventListener("change", () => { if (shown !== null) routeAdmin(shown, shownFor); });

// Called by app.js's route(): shows the admin or audit view and returns true when the hash is theirs and the account may
// see it; otherwise hides them and returns false (the operator's views take over).
export function routeAdmin(hash, me) {
  $("nav-admin").classList.toggle("hidden", !canAdminister(me));
  $("nav-audit").classList.toggle("hidden", !canAudit(me));
  const admin = hash === "admin" || hash.startsWith("admin/");
  const audit = hash === "audit" || hash.startsWith("audit/");
  const allowed = (admin && canAdminister(me)) || (audit && canAudit(me));
  $("view-admin").classList.toggle("hidden", !(allowed && admin));
  $("view-audit").classList.toggle("hidden", !(allowed && audit));
  for (const [link, on] of [["nav-admin", allowed && admin], ["nav-audit", allowed && audit]]) {
    if (on) $(link).setAttribute("aria-current", "page");
    else $(link).removeAttribute("aria-current");
  }
  renders++;
  if (!allowed) { shown = null; return false; }
  // Re-rendered on every route: the screens read fresh data each time they are opened.
  shown = hash;
  shownFor = me;
  const ticket = renders;
  load().then((m) => { if (ticket === renders) m.render(hash, me); })
    .catch((err) => { $(admin ? "view-admin" : "view-audit").textContent = String(err?.message ?? err); });
  return true;
}
