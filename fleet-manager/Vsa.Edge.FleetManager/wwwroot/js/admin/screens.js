// The administrator's and auditor's screens, loaded by index.js the first time one is opened (an operator's page never
// downloads them).
import { dictionaries, t } from "../i18n.js";
import { fr } from "./strings.js";
import { en } from "./strings-en.js";
import { h } from "./ui.js";
import { renderDevices, renderDevice } from "./devices.js";
import { renderTokens } from "./tokens.js";
import { renderAuthorisations } from "./authorisations.js";
import { renderAccounts } from "./accounts.js";
import { renderAudit } from "./audit.js";
import { renderRollouts, renderRollout } from "./rollouts.js";
import { renderProposals, renderProposal } from "./proposals.js";

Object.assign(dictionaries.fr, fr);
Object.assign(dictionaries.en, en);

const SECTIONS = ["devices", "rollouts", "tokens", "authorisations", "accounts", "proposals"];

function subnav(current) {
  return h("nav", { class: "subnav", "aria-label": t("adm.subnav") },
    SECTIONS.map((s) => h("a", { href: `#/admin/${s}`, "aria-current": s === current ? "page" : null, text: t(`adm.section.${s}`) })));
}

function showAdmin(path, me) {
  const main = document.getElementById("view-admin");
  main.replaceChildren();
  const [section, ...rest] = path.split("/");
  if (section === "device" && rest.length) {
    main.append(subnav("devices"));
    renderDevice(main, decodeURIComponent(rest.join("/")), me);
    return;
  }
  if (section === "proposal" && rest.length === 2) {
    main.append(subnav("proposals"));
    renderProposal(main, decodeURIComponent(rest[0]), decodeURIComponent(rest[1]));
    return;
  }
  if (section === "rollout" && rest.length) {
    main.append(subnav("rollouts"));
    renderRollout(main, rest.join("/"));
    return;
  }
  const current = SECTIONS.includes(section) ? section : "devices";
  main.append(subnav(current));
  ({ devices: renderDevices, rollouts: renderRollouts, tokens: renderTokens, authorisations: renderAuthorisations, accounts: renderAccounts, proposals: renderProposals })[current](main, me);
}

// Renders #/admin/… into the admin view or #/audit into the audit view.
export function render(hash, me) {
  if (hash === "audit" || hash.startsWith("audit/")) renderAudit(document.getElementById("view-audit"), me);
  else showAdmin(hash.slice("admin/".length), me);
}
