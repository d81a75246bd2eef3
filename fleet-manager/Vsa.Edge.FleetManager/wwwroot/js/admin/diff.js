// A readable diff between the desired and the reported camera documents: each camera's document printed with its keys
// sorted (so key order never shows as a change), compared line by line (longest common subsequence; the documents are
// small). Lines are marked with "+" / "−" and a word for screen readers, not colour alone.
import { t } from "../i18n.js";
import { h } from "./ui.js";

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

export const pretty = (value) => JSON.stringify(sortKeys(value), null, 2);

export function lineDiff(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push([" ", x[i]]); i++; j++; } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(["-", x[i++]]);
    else out.push(["+", y[j++]]);
  }
  while (i < n) out.push(["-", x[i++]]);
  while (j < m) out.push(["+", y[j++]]);
  return out;
}

// Desired on the "−" side, reported on the "+" side, per camera id; identical cameras say so in one line.
export function renderDiff(desired, reported) {
  const byId = (list) => new Map((list ?? []).map((c) => [c.cameraId ?? "?", c]));
  const want = byId(desired);
  const have = byId(reported);
  const ids = [...new Set([...want.keys(), ...have.keys()])].sort();
  if (!ids.length) return h("p", { class: "empty", text: t("adm.dev.diffNothing") });
  return h("div", { class: "diff" }, ids.map((id) => {
    const a = want.has(id) ? pretty(want.get(id)) : "";
    const b = have.has(id) ? pretty(have.get(id)) : "";
    const title = h("h4", { text: t("adm.dev.diffCamera", { camera: id }) });
    if (a === b) return h("div", { class: "diff-camera", "data-camera": id }, title, h("p", { class: "ok", text: t("adm.dev.diffSame") }));
    if (!a) return h("div", { class: "diff-camera", "data-camera": id }, title, h("p", { class: "warning", text: t("adm.dev.diffOnlyReported") }));
    if (!b) return h("div", { class: "diff-camera", "data-camera": id }, title, h("p", { class: "warning", text: t("adm.dev.diffOnlyDesired") }));
    const lines = lineDiff(a, b);
    // Only the changed lines with two lines of context around them.
    const keep = lines.map((l, k) => lines.slice(Math.max(0, k - 2), k + 3).some((c) => c[0] !== " "));
    const rows = [];
    let skipped = false;
    lines.forEach(([mark, text], k) => {
      if (!keep[k]) { if (!skipped) rows.push(h("span", { class: "diff-gap", text: "  …\n" })); skipped = true; return; }
      skipped = false;
      const cls = mark === "-" ? "del" : mark === "+" ? "ins" : "same";
      const label = mark === "-" ? t("adm.dev.diffDesiredOnly") : mark === "+" ? t("adm.dev.diffReportedOnly") : null;
      rows.push(h("span", { class: `diff-line ${cls}` }, label ? h("span", { class: "visually-hidden", text: `${label} ` }) : null,
        `${mark === "-" ? "−" : mark} ${text}\n`));
    });
    return h("div", { class: "diff-camera", "data-camera": id }, title, h("pre", { class: "diff-text" }, rows));
  }));
}
