// Small DOM helpers of the admin and audit screens. Text from the fleet or devices is only ever set with textContent.
import { t } from "../i18n.js";
import { Problem } from "./http.js";
import { SignedOut } from "../api.js";

let fieldSeq = 0;

export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A labelled field whose API errors (keyed by the API's field name) show right under it, tied with aria-describedby.
export function field(label, input, name, hint) {
  const id = input.id || `adm-f${++fieldSeq}`;
  input.id = id;
  if (name) input.name = name;
  const error = h("span", { class: "field-error", id: `${id}-error`, "data-error-for": name ?? "" });
  const hintNode = hint ? h("span", { class: "field-hint", id: `${id}-hint`, text: hint }) : null;
  input.setAttribute("aria-describedby", [hintNode ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" "));
  return h("div", { class: "field" }, h("label", { for: id, text: label }), input, hintNode, error);
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const general = form.querySelector(".form-error");
  if (general) general.textContent = "";
}

// Places each of the problem's errors next to the field it names (its first segment: "cameras[0].zones" goes to the
// "cameras" field, with the full path written); what matches no field goes to the form's general line, with the title.
export function showProblem(form, err) {
  clearErrors(form);
  const general = form.querySelector(".form-error");
  if (err instanceof SignedOut) { general.textContent = t("adm.signedOut"); return; }
  if (!(err instanceof Problem)) { general.textContent = String(err?.message ?? err); return; }
  const rest = [];
  for (const [key, messages] of Object.entries(err.errors)) {
    const root = key.replace(/^\$\.?/, "").split(/[.[]/)[0];
    const slot = [...form.querySelectorAll("[data-error-for]")].find((n) => n.dataset.errorFor && n.dataset.errorFor.toLowerCase() === root.toLowerCase());
    const text = messages.map((m) => (key.toLowerCase() === root.toLowerCase() ? m : `${key} : ${m}`)).join(" ");
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      document.getElementById(slot.id.replace(/-error$/, ""))?.setAttribute("aria-invalid", "true");
    } else rest.push(text);
  }
  general.textContent = [`${err.title}${err.detail && !rest.length && !Object.keys(err.errors).length ? ` — ${err.detail}` : ""}`, ...rest].join(" ");
  form.querySelector("[aria-invalid]")?.focus();
}

export function formError() {
  return h("p", { class: "error form-error", role: "alert" });
}

// A modal confirmation (native <dialog>: focus trapped, Escape cancels). Resolves true only on the confirm button.
export function confirmAction(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm-dialog", "aria-labelledby": "adm-confirm-title" },
      h("h2", { id: "adm-confirm-title", text: title }),
      h("p", { text }),
      h("form", { method: "dialog", class: "actions" },
        h("button", { value: "cancel", class: "secondary", text: t("adm.cancel") }),
        h("button", { value: "ok", class: "danger", text: confirmLabel })));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "ok"); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button[value=cancel]").focus();
  });
}

export function table(headers, rows, caption) {
  return h("table", { class: "admin-table" },
    caption ? h("caption", { text: caption }) : null,
    h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col", text: x })))),
    h("tbody", null, rows));
}

export function when(iso) {
  if (!iso) return t("none");
  return new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : "fr-FR",
    { dateStyle: "short", timeStyle: "medium" }).format(new Date(iso));
}

export function status(node, text, kind) {
  node.textContent = text;
  node.className = `status-line ${kind ?? ""}`;
}
