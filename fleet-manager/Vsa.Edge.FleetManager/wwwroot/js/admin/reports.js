// The AIPD and the bilan of each arrêté (GET /api/reports/{aipd,bilan}?authorisation=REF[&format=csv]), linked from the
// audit page that administrators and auditors see, with the public register's address (GET /registre, no sign-in).
import { dictionaries, t } from "../i18n.js";
import { get } from "./http.js";
import { h, table, when } from "./ui.js";

Object.assign(dictionaries.fr, {
  "adm.reports.title": "Rapports par arrêté",
  "adm.reports.hint": "L'AIPD et le bilan (décret) sont calculés à l'ouverture à partir des données de la flotte ; « Imprimer » du navigateur en fait un PDF.",
  "adm.reports.register": "Registre public (sans connexion) :",
  "adm.reports.reference": "Arrêté", "adm.reports.period": "Période", "adm.reports.documents": "Rapports",
  "adm.reports.none": "Aucun arrêté enregistré.",
});
Object.assign(dictionaries.en, {
  "adm.reports.title": "Reports by arrêté",
  "adm.reports.hint": "The AIPD and the bilan (décret) are computed from the fleet's data when opened; the browser's \"Print\" makes a PDF.",
  "adm.reports.register": "Public register (no sign-in):",
  "adm.reports.reference": "Arrêté", "adm.reports.period": "Period", "adm.reports.documents": "Reports",
  "adm.reports.none": "No arrêté recorded.",
});

const link = (kind, reference, format, label) => h("a", {
  href: `api/reports/${kind}?authorisation=${encodeURIComponent(reference)}${format ? `&format=${format}` : ""}`,
  target: "_blank", rel: "noopener", class: `report-${kind}${format ? `-${format}` : ""}`, text: label,
});

export function reportsSection() {
  const body = h("div", { id: "audit-reports" });
  const register = new URL("registre", document.baseURI).href;
  const node = h("section", { "aria-labelledby": "adm-reports-title" },
    h("h3", { id: "adm-reports-title", text: t("adm.reports.title") }),
    h("p", { id: "register-url" }, t("adm.reports.register"), " ", h("a", { href: register, target: "_blank", rel: "noopener", text: register })),
    h("p", { class: "hint", text: t("adm.reports.hint") }),
    body);
  async function load() {
    const list = await get("api/authorisations");
    if (!list.length) { body.replaceChildren(h("p", { class: "muted", text: t("adm.reports.none") })); return; }
    body.replaceChildren(table([t("adm.reports.reference"), t("adm.reports.period"), t("adm.reports.documents")],
      list.map((a) => h("tr", null,
        h("td", { text: a.reference }),
        h("td", { text: `${when(a.startsAt)} → ${when(a.endsAt)}` }),
        h("td", null, link("aipd", a.reference, null, "AIPD"), " · ", link("bilan", a.reference, null, "Bilan"), " · ",
          link("bilan", a.reference, "csv", "Bilan CSV"))))));
  }
  return { node, load };
}
