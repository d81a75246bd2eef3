// Evaluation view (décret 2023-828 art. 4): raised, confirmed, dismissed, precision and median time to decision.
import { t, eventLabel, formatNumber } from "./i18n.js";
import { getJson, el } from "./api.js";
import { siteLabel } from "./sites.js";

const $ = (id) => document.getElementById(id);
// The operator's calendar date (not the UTC one) of a local time.
function isoDate(d) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function initEvaluation() {
  const today = new Date();
  const from = new Date(today);
  from.setDate(from.getDate() - 29);
  $("eval-to").value = isoDate(today);
  $("eval-from").value = isoDate(from);
}

function period() {
  // Whole days in the operator's time zone: a day starts at local midnight, and "to" includes the whole day chosen
  // (up to the next local midnight; setDate keeps it right across a daylight-saving change).
  const from = new Date(`${$("eval-from").value}T00:00:00`).toISOString();
  const end = new Date(`${$("eval-to").value}T00:00:00`);
  end.setDate(end.getDate() + 1);
  return `from=${encodeURIComponent(from)}&to=${encodeURIComponent(end.toISOString())}`;
}

function table(node, firstColumn, rows, label) {
  node.replaceChildren();
  const head = node.createTHead().insertRow();
  for (const key of [firstColumn, "eval.col.raised", "eval.col.confirmed", "eval.col.dismissed", "eval.col.pending", "eval.col.precision", "eval.col.median"]) {
    const th = el("th", t(key));
    th.scope = "col";
    head.append(th);
  }
  const body = node.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.key = label(r, true);
    const th = el("th", label(r, false));
    th.scope = "row";
    tr.append(th);
    for (const [name, value] of [
      ["raised", formatNumber(r.raised, 0)], ["confirmed", formatNumber(r.confirmed, 0)], ["dismissed", formatNumber(r.dismissed, 0)],
      ["pending", formatNumber(r.pending, 0)],
      ["precision", r.precision === null ? t("none") : `${formatNumber(r.precision * 100, 1)} %`],
      ["median", r.medianSecondsToDecision === null ? t("none") : t("seconds", { n: formatNumber(r.medianSecondsToDecision, 1) })],
    ]) {
      const td = tr.insertCell();
      td.className = `num ${name}`;
      td.textContent = value;
    }
  }
}

export async function loadEvaluation() {
  const query = period();
  $("eval-csv").href = `api/evaluation.csv?${query}`;
  $("eval-error").textContent = "";
  try {
    const report = await getJson(`api/evaluation?${query}`);
    const total = { ...report.total };
    table($("eval-events"), "eval.col.event", [...report.byEventType, total],
      (r, key) => (r.eventType ? (key ? r.eventType : eventLabel(r.eventType)) : (key ? "total" : t("eval.total"))));
    table($("eval-cameras"), "eval.col.camera", [...report.byCamera, total],
      (r, key) => (r.cameraId ? `${siteLabel(r.deviceId)} / ${r.cameraId}` : (key ? "total" : t("eval.total"))));
  } catch (err) {
    $("eval-error").textContent = t("eval.failed", { error: err.message });
    throw err;
  }
}
