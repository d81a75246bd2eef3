// The administrator's screens (#/admin/…) and the auditor's (#/audit): views of their own, routed from app.js. The
// server enforces every role; these screens only show what the account may do.
import { dictionaries, t } from "../i18n.js";
import { fr } from "./strings.js";
import { en } from "./strings-en.js";
import { h } from "./ui.js";
import { renderDevices, renderDevice } from "./devices.js";
import { renderTokens } from "./tokens.js";
import { renderAuthorisations } from "./authorisations.js";
import { renderAccounts } from "./accounts.js";
import { renderAudit } from "./audit.js";

Object.assign(dictionaries.fr, fr);
Object.assign(dictionaries.en, en);

const $ = (id) => document.getElementById(id);
const SECTIONS = ["devices", "tokens", "authorisations", "accounts", "proposals"];
let shown = null;
let shownFor = null;

// A language change re-renders the screen shown (app.js retranslates its own views).
document.getElementById("lang")?.addEventListener("change", () => { if (shown !== null) routeAdmin(shown, shownFor); });

export const canAdminister = (me) => me?.role === "admin";
export const canAudit = (me) => me?.role === "admin" || me?.role === "auditor";

function subnav(current) {
  return h("nav", { class: "subnav", "aria-label": t("adm.subnav") },
    SECTIONS.map((s) => h("a", { href: `#/admin/${s}`, "aria-current": s === current ? "page" : null, text: t(`adm.section.${s}`) })));
}

function renderProposals(main) {
  main.append(h("section", { class: "admin-section placeholder", "aria-labelledby": "adm-proposals-title" },
    h("h2", { id: "adm-proposals-title", text: t("adm.section.proposals") }),
    h("p", { class: "callout", text: t("adm.proposals.notYet") })));
}

function showAdmin(path, me) {
  const main = $("view-admin");
  main.replaceChildren();
  const [section, ...rest] = path.split("/");
  if (section === "device" && rest.length) {
    main.append(subnav("devices"));
    renderDevice(main, decodeURIComponent(rest.join("/")), me);
    return;
  }
  const current = SECTIONS.includes(section) ? section : "devices";
  main.append(subnav(current));
  ({ devices: renderDevices, tokens: renderTokens, authorisations: renderAuthorisations, accounts: renderAccounts, proposals: renderProposals })[current](main, me);
}

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
  if (!allowed) { shown = null; return false; }
  // Re-render on every route: the screens read fresh data each time they are opened.
  shown = hash;
  shownFor = me;
  if (admin) showAdmin(hash.slice("admin/".length), me);
  else renderAudit($("view-audit"), me);
  return true;
}

export function adminShown() { return shown; }
