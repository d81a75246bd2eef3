// Accounts: create (with the designation act and the training date the décret asks for), disable or enable, set a new
// password (PUT /api/accounts/{name}/password).
import { t } from "../i18n.js";
import { call, get } from "./http.js";
import { h, field, formError, showProblem, clearErrors, confirmAction, table, status } from "./ui.js";

const ROLES = ["operator", "admin", "auditor"];

function passwordForm(account, line, done) {
  const input = h("input", { type: "password", autocomplete: "new-password", minlength: "12", required: true });
  const form = h("form", { class: "admin-form inline", "data-password-for": account.name },
    field(t("adm.accounts.newPassword", { name: account.name }), input, "password", t("adm.accounts.passwordHint")),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary", text: t("adm.accounts.setPassword") }),
      h("button", { type: "button", class: "secondary", text: t("adm.cancel"), onclick: () => form.remove() })),
    formError());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await call("PUT", `api/accounts/${encodeURIComponent(account.name)}/password`, { password: input.value });
      form.remove();
      status(line, t("adm.accounts.passwordSet", { name: account.name }), "ok");
      done();
    } catch (err) { input.value = ""; showProblem(form, err); }
  });
  return form;
}

export function renderAccounts(main, me) {
  const inputs = {
    name: h("input", { required: true, autocomplete: "off", pattern: "[a-z0-9][a-z0-9._-]{1,63}" }),
    displayName: h("input", { required: true, maxlength: "128", autocomplete: "off" }),
    role: h("select", null, ROLES.map((r) => h("option", { value: r, text: t(`role.${r}`) }))),
    password: h("input", { type: "password", required: true, minlength: "12", autocomplete: "new-password" }),
    designationReference: h("input", { required: true, maxlength: "200", autocomplete: "off" }),
    designationDate: h("input", { type: "date", required: true }),
    trainingDate: h("input", { type: "date", required: true }),
  };
  const form = h("form", { class: "admin-form grid", id: "account-form" },
    field(t("adm.accounts.name"), inputs.name, "name", t("adm.accounts.nameHint")),
    field(t("adm.accounts.displayName"), inputs.displayName, "displayName"),
    field(t("adm.accounts.role"), inputs.role, "role"),
    field(t("adm.accounts.password"), inputs.password, "password", t("adm.accounts.passwordHint")),
    field(t("adm.accounts.designationReference"), inputs.designationReference, "designationReference", t("adm.accounts.designationHint")),
    field(t("adm.accounts.designationDate"), inputs.designationDate, "designationDate"),
    field(t("adm.accounts.trainingDate"), inputs.trainingDate, "trainingDate"),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("adm.accounts.create") })),
    formError());
  const line = h("p", { class: "status-line", role: "status" });
  const list = h("div");

  async function load() {
    const accounts = await get("api/accounts");
    const rows = accounts.map((a) => {
      const cell = h("td", { class: "row-actions" });
      const toggle = h("button", { type: "button", class: a.disabled ? "secondary" : "danger",
        text: a.disabled ? t("adm.accounts.enable") : t("adm.accounts.disable"),
        disabled: a.name === me.name && !a.disabled ? true : null,
        onclick: async () => {
          if (!a.disabled && !await confirmAction(t("adm.accounts.disableTitle"), t("adm.accounts.disableText", { name: a.name }), t("adm.accounts.disable"))) return;
          try {
            await call("PATCH", `api/accounts/${encodeURIComponent(a.name)}`, { disabled: !a.disabled });
            status(line, t(a.disabled ? "adm.accounts.enabled" : "adm.accounts.disabled", { name: a.name }), "ok");
            await load();
          } catch (err) { status(line, `${err.title ?? err.message}${err.detail ? ` — ${err.detail}` : ""}`, "error"); }
        } });
      const reset = h("button", { type: "button", class: "secondary", text: t("adm.accounts.resetPassword"),
        onclick: () => { if (!cell.querySelector("form")) { const f = passwordForm(a, line, () => {}); cell.append(f); f.querySelector("input").focus(); } } });
      cell.append(toggle, " ", reset);
      return h("tr", { "data-account": a.name, class: a.disabled ? "disabled" : null },
        h("td", { text: a.name }), h("td", { text: a.displayName }), h("td", { text: t(`role.${a.role}`) }),
        h("td", { text: `${a.designationReference} (${a.designationDate})` }), h("td", { text: a.trainingDate }),
        h("td", { text: a.disabled ? t("adm.accounts.isDisabled") : t("adm.accounts.isActive") }), cell);
    });
    list.replaceChildren(table([t("adm.accounts.name"), t("adm.accounts.displayName"), t("adm.accounts.role"),
      t("adm.accounts.designation"), t("adm.accounts.trainingDate"), t("adm.state"), t("adm.actions")], rows, t("adm.accounts.list")));
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value === "" ? null : v.value]));
    try {
      const { body: created } = await call("POST", "api/accounts", body);
      inputs.password.value = "";
      form.reset();
      status(line, t("adm.accounts.created", { name: created.name, role: t(`role.${created.role}`) }), "ok");
      await load();
    } catch (err) { inputs.password.value = ""; showProblem(form, err); }
  });

  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-accounts-title" },
    h("h2", { id: "adm-accounts-title", text: t("adm.section.accounts") }),
    h("p", { class: "notice", text: t("adm.accounts.notice") }),
    h("h3", { text: t("adm.accounts.new") }), form, line, list));
  load().catch((err) => status(line, String(err.message ?? err), "error"));
}
