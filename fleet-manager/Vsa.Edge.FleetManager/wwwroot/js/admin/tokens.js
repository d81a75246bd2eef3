// Enrolment tokens: create (the secret is shown once, with a copy button), list, withdraw an unused one.
import { t } from "../i18n.js";
import { call, get } from "./http.js";
import { h, field, formError, showProblem, clearErrors, confirmAction, table, when, status } from "./ui.js";

function tokenState(k) {
  if (k.usedAt) return t("adm.tokens.used", { device: k.usedBy ?? "?", at: when(k.usedAt) });
  if (k.revokedAt) return t("adm.tokens.withdrawn", { at: when(k.revokedAt) });
  if (new Date(k.expiresAt) <= new Date()) return t("adm.tokens.expired");
  return t("adm.tokens.usable");
}

export function renderTokens(main) {
  const site = h("input", { required: true, maxlength: "100", autocomplete: "off" });
  const hours = h("input", { type: "number", min: "1", max: "720", value: "24", required: true });
  const created = h("div", { class: "once hidden", role: "status" });
  const line = h("p", { class: "status-line", role: "status" });
  const list = h("div");
  const form = h("form", { class: "admin-form", id: "token-form" },
    field(t("adm.tokens.site"), site, "site", t("adm.tokens.siteHint")),
    field(t("adm.tokens.validHours"), hours, "validFor"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("adm.tokens.create") })),
    formError());

  async function load() {
    const tokens = await get("api/enrolment-tokens");
    const rows = tokens.sort((a, b) => b.id - a.id).map((k) => {
      const usable = !k.usedAt && !k.revokedAt && new Date(k.expiresAt) > new Date();
      const withdraw = usable ? h("button", { type: "button", class: "danger", "data-token-id": String(k.id), text: t("adm.tokens.withdraw"),
        onclick: async () => {
          if (!await confirmAction(t("adm.tokens.withdrawTitle"), t("adm.tokens.withdrawText", { id: k.id, site: k.site }), t("adm.tokens.withdraw"))) return;
          try { await call("DELETE", `api/enrolment-tokens/${k.id}`); status(line, t("adm.tokens.withdrawnOk", { id: k.id }), "ok"); await load(); }
          catch (err) { status(line, `${err.title ?? err.message}${err.detail ? ` — ${err.detail}` : ""}`, "error"); }
        } }) : null;
      return h("tr", { "data-token-id": String(k.id) },
        h("td", { class: "num", text: String(k.id) }), h("td", { text: k.site }), h("td", { text: k.createdBy }),
        h("td", { text: when(k.createdAt) }), h("td", { text: when(k.expiresAt) }), h("td", { class: "token-state", text: tokenState(k) }), h("td", null, withdraw));
    });
    list.replaceChildren(rows.length
      ? table([t("adm.tokens.id"), t("adm.tokens.site"), t("adm.tokens.createdBy"), t("adm.tokens.createdAt"), t("adm.tokens.expiresAt"), t("adm.state"), ""], rows, t("adm.tokens.list"))
      : h("p", { class: "empty", text: t("adm.tokens.none") }));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    try {
      const hoursValue = Math.round(Number(hours.value));
      const validFor = `${Math.floor(hoursValue / 24)}.${String(hoursValue % 24).padStart(2, "0")}:00:00`;
      const { body } = await call("POST", "api/enrolment-tokens", { site: site.value, validFor });
      const secret = h("input", { id: "token-secret", readonly: true, value: body.token, class: "secret", "aria-label": t("adm.tokens.secret") });
      const copied = h("span", { role: "status", class: "ok" });
      created.replaceChildren(
        h("p", { class: "warning", text: t("adm.tokens.onceWarning") }),
        h("p", null, t("adm.tokens.createdFor", { id: body.id, site: body.site, at: when(body.expiresAt) })),
        h("div", { class: "secret-row" }, secret,
          h("button", { type: "button", id: "token-copy", text: t("adm.tokens.copy"), onclick: async () => {
            secret.select();
            try { await navigator.clipboard.writeText(body.token); copied.textContent = t("adm.tokens.copied"); }
            catch { copied.textContent = t("adm.tokens.copyManually"); }
          } }), copied),
        h("p", { class: "hint" }, h("code", { text: `vsa-agent enrol --fleet ${location.origin}/ --token … --device-id …` })));
      created.classList.remove("hidden");
      site.value = "";
      secret.focus();
      secret.select();
      await load();
    } catch (err) { showProblem(form, err); }
  });

  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-tokens-title" },
    h("h2", { id: "adm-tokens-title", text: t("adm.section.tokens") }),
    h("p", { class: "notice", text: t("adm.tokens.notice") }),
    form, created, line, list));
  load().catch((err) => status(line, String(err.message ?? err), "error"));
}
