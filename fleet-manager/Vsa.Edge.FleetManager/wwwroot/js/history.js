// Searchable history of decided alerts: who decided, when, what, why (GET /api/alerts?decision=decided, newest first).
import { t, eventLabel, formatTime } from "./i18n.js";
import { getJson, el } from "./api.js";
import { siteLabel } from "./sites.js";
import { cameraLabel } from "./names.js";

const $ = (id) => document.getElementById(id);
const LIMIT = 2000;
let decided = [];

function reasonText(d) {
  if (!d.reason) return t("none");
  const label = t(`reason.${d.reason}`);
  return label.startsWith("[") ? d.reason : label;
}

function cells(a) {
  const d = a.decision;
  return [
    formatTime(d.decidedAt), d.decidedBy, d.decision === "confirmed" ? t("decision.confirmed") : t("decision.dismissed"),
    reasonText(d), d.comment ?? "", eventLabel(a.eventType), cameraLabel(a.deviceId, a.cameraId), siteLabel(a.deviceId), formatTime(a.startedAt),
  ];
}

export function renderHistory() {
  const words = $("hist-search").value.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const body = $("hist-table").tBodies[0];
  const rows = [];
  for (const a of decided) {
    const values = cells(a);
    const haystack = [...values, a.cameraId, a.deviceId, a.zoneId ?? "", a.alertId].join(" ").toLocaleLowerCase();
    if (!words.every((w) => haystack.includes(w))) continue;
    const row = el("tr");
    row.dataset.alertId = a.alertId;
    values.forEach((v, i) => row.append(el("td", v, i === 2 ? `decision ${a.decision.decision}` : i === 4 ? "comment" : null)));
    const link = el("a", values[0]);
    link.href = `#/alert/${encodeURIComponent(a.alertId)}`;
    row.cells[0].replaceChildren(link);
    rows.push(row);
  }
  body.replaceChildren(...rows);
  $("hist-empty").classList.toggle("hidden", rows.length > 0);
  $("hist-count").textContent = t("history.count", { shown: rows.length, total: decided.length, limit: LIMIT });
}

export async function loadHistory() {
  const list = await getJson(`api/alerts?decision=decided&limit=${LIMIT}`);
  decided = list.filter((a) => a.decision).sort((x, y) => y.decision.decidedAt.localeCompare(x.decision.decidedAt));
  renderHistory();
}

// A decision seen on the stream joins the history without a reload.
export function addDecided(a) {
  if (!a.decision || decided.some((x) => x.alertId === a.alertId)) return;
  decided.unshift(a);
}

export function initHistory() {
  $("hist-search").addEventListener("input", renderHistory);
}
