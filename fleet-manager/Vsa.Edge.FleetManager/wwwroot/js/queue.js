// The live queue: incidents awaiting a decision, most urgent first, then the newest. An incident of one alert is that
// alert's row; a larger one is a head row ("12 × Intrusion en zone", 05:29–05:30) with its alerts' rows below it,
// shown when expanded. Rows are reconciled by key, so a new alert inserts one row and an update rewrites one row's cells.
import { t, lang, eventLabel, formatTime, formatAge, measureText, stateText } from "./i18n.js";
import { siteLabel, sitesVersion } from "./sites.js";
import { cameraLabel, zoneLabel, namesVersion } from "./names.js";
import { claimText, claimsVersion } from "./claims.js";

const $ = (id) => document.getElementById(id);
const rows = new Map(); // row key (alert id, or "incident:" + incident id) -> tr
const expanded = new Set();

// Ordinal: start times are ISO 8601 strings of one format (their text order is their time order), ids are opaque; a
// locale-aware comparison cost a collation per call, several thousand per render.
const ordinal = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
export const byNewest = (a, b) => ordinal(b.startedAt, a.startedAt) || ordinal(b.alertId, a.alertId);
export const incidentKey = (incident) => (incident.alerts.length === 1 ? incident.id : `incident:${incident.id}`);

function setCells(row, values) {
  while (row.cells.length < values.length) row.insertCell();
  values.forEach((v, i) => { if (row.cells[i].textContent !== v) row.cells[i].textContent = v; });
}

// What an alert's row shows, besides its age (tickAges keeps that): the alert (a new view is a new object), its place in
// its incident, the labels it borrows (camera and zone names, sites, claims, language) and the day (a time of another day
// shows its date). A render rewrites only the rows whose inputs changed: a live event then costs one row, not the queue.
const inputsOf = (a, incident, member, labels) => [a, member, incident.id, incident.priority, incident.escalated, incident.followUp, incident.alerts.length === 1, labels];
const memo = new WeakMap(); // tr -> inputs of its last fill

function unchanged(row, inputs) {
  const last = memo.get(row);
  memo.set(row, inputs);
  return !!last && last.every((v, i) => v === inputs[i]);
}

function fillAlert(row, a, now, incident) {
  setCells(row, [
    formatAge(a.startedAt, now), eventLabel(a.eventType), cameraLabel(a.deviceId, a.cameraId), siteLabel(a.deviceId),
    zoneLabel(a.deviceId, a.cameraId, a.zoneId) ?? t("none"), formatTime(a.startedAt), measureText(a.measurement), stateText(a),
    claimText([a]),
  ]);
  row.dataset.startedAt = a.startedAt;
  row.dataset.deviceId = a.deviceId;
  row.cells[0].className = "age num";
  row.cells[1].className = `event ${a.eventType}`;
  row.cells[2].className = "camera";
  row.cells[3].className = "site";
  row.cells[7].className = `state ${a.state}${a.endReason === "interrupted" ? " interrupted" : ""}`;
  row.cells[8].className = "handling";
  if (incident.alerts.length === 1) decorate(row, incident);
}

function fillHead(row, incident, now) {
  const n = incident.alerts.length;
  const first = incident.alerts[0];
  const last = incident.newest;
  setCells(row, [
    formatAge(last.startedAt, now), t("incident.count", { n, event: eventLabel(incident.eventType) }),
    cameraLabel(incident.deviceId, incident.cameraId), siteLabel(incident.deviceId),
    zoneLabel(incident.deviceId, incident.cameraId, incident.zoneId) ?? t("none"),
    `${formatTime(first.startedAt)}–${formatTime(last.startedAt)}`, t("incident.alerts", { n }), stateText(last),
    claimText(incident.alerts),
  ]);
  row.dataset.startedAt = last.startedAt;
  row.dataset.deviceId = incident.deviceId;
  row.cells[0].className = "age num";
  row.cells[1].className = `event ${incident.eventType}`;
  row.cells[2].className = "camera";
  row.cells[3].className = "site";
  row.cells[7].className = `state ${last.state}`;
  row.cells[8].className = "handling";
  const open = expanded.has(incident.id);
  row.setAttribute("aria-expanded", String(open));
  let toggle = row.cells[1].querySelector("button.expand");
  if (!toggle) {
    toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "expand";
    toggle.tabIndex = -1;
    row.cells[1].prepend(toggle);
  }
  toggle.textContent = open ? "▾" : "▸";
  toggle.setAttribute("aria-label", t(open ? "incident.collapse" : "incident.expand"));
  decorate(row, incident);
}

function decorate(row, incident) {
  for (const p of [1, 2, 3]) row.classList.toggle(`prio-${p}`, incident.priority === p);
  row.classList.toggle("escalated", incident.escalated);
  row.classList.toggle("follow-up", !!incident.followUp);
  row.dataset.priority = String(incident.priority);
  row.dataset.incidentId = incident.id;
  row.title = incident.followUp ? t("incident.followUp", { by: incident.followUp.decidedBy, at: formatTime(incident.followUp.decidedAt) }) : "";
}

function rowFor(key, onPick, fresh, alertId) {
  let row = rows.get(key);
  if (!row) {
    row = document.createElement("tr");
    if (alertId) row.dataset.alertId = alertId;
    else row.classList.add("incident-head");
    // Tab reaches every visible row; arrows and j/k move the selection too.
    row.tabIndex = 0;
    row.addEventListener("click", (e) => {
      if (e.target.closest("button.expand")) { toggleExpanded(row.dataset.incidentId); onPick(key, false); return; }
      onPick(key, true);
    });
    row.addEventListener("focus", () => { if (!row.classList.contains("selected")) onPick(key, false, true); });
    rows.set(key, row);
    if (alertId && fresh.has(alertId)) row.classList.add("fresh", "unseen");
  }
  return row;
}

let lastRender = null;
export function toggleExpanded(incidentId, open) {
  if (open ?? !expanded.has(incidentId)) expanded.add(incidentId);
  else expanded.delete(incidentId);
  lastRender?.();
}

// incidents: from groupIncidents; visible(incident): whether the filters show it. Returns the visible row keys in order.
export function renderQueue(incidents, selectedKey, fresh, onPick, visible = () => true) {
  lastRender = () => renderQueue(incidents, selectedKey, fresh, onPick, visible);
  const body = $("queue").tBodies[0];
  const now = Date.now();
  const labels = `${lang()}|${namesVersion()}|${sitesVersion()}|${claimsVersion()}|${new Date(now).toDateString()}`;
  const keep = new Set();
  const order = [];
  const shown = [];
  let alertCount = 0;
  let hiddenCount = 0;
  for (const incident of incidents) {
    const show = visible(incident);
    alertCount += incident.alerts.length;
    if (!show) hiddenCount += incident.alerts.length;
    if (incident.alerts.length === 1) {
      const a = incident.alerts[0];
      const row = rowFor(a.alertId, onPick, fresh, a.alertId);
      if (!unchanged(row, inputsOf(a, incident, false, labels))) {
        row.classList.remove("member");
        fillAlert(row, a, now, incident);
      }
      row.hidden = !show;
      keep.add(a.alertId);
      order.push(row);
      if (show) shown.push(a.alertId);
      continue;
    }
    const headKey = `incident:${incident.id}`;
    const head = rowFor(headKey, onPick, fresh, null);
    fillHead(head, incident, now);
    head.hidden = !show;
    head.classList.toggle("unseen", incident.alerts.some((a) => rows.get(a.alertId)?.classList.contains("unseen") || fresh.has(a.alertId)));
    keep.add(headKey);
    order.push(head);
    if (show) shown.push(headKey);
    const open = show && expanded.has(incident.id);
    for (const a of [...incident.alerts].reverse()) {
      const row = rowFor(a.alertId, onPick, fresh, a.alertId);
      if (!unchanged(row, inputsOf(a, incident, true, labels))) {
        row.classList.add("member");
        for (const p of [1, 2, 3]) row.classList.remove(`prio-${p}`);
        row.classList.remove("escalated");
        row.dataset.incidentId = incident.id;
        fillAlert(row, a, now, incident);
      }
      row.hidden = !open;
      keep.add(a.alertId);
      order.push(row);
      if (open) shown.push(a.alertId);
    }
  }
  for (const [key, row] of rows) {
    if (!keep.has(key)) { row.remove(); rows.delete(key); }
  }
  let previous = null;
  for (const row of order) {
    const key = row.dataset.alertId ?? `incident:${row.dataset.incidentId}`;
    const selected = key === selectedKey;
    row.classList.toggle("selected", selected);
    row.setAttribute("aria-selected", String(selected));
    if (selected) row.classList.remove("unseen");
    const expected = previous ? previous.nextSibling : body.firstChild;
    if (expected !== row) body.insertBefore(row, expected);
    previous = row;
  }
  $("queue-empty").classList.toggle("hidden", alertCount > 0);
  const parts = [];
  if (alertCount) parts.push(t("queue.pending", { n: alertCount }));
  if (incidents.length && incidents.length !== alertCount) parts.push(t(incidents.length === 1 ? "queue.incident" : "queue.incidents", { n: incidents.length }));
  if (hiddenCount) parts.push(t("queue.filtered", { n: hiddenCount }));
  $("queue-count").textContent = parts.length ? `(${parts.join(" · ")})` : "";
  return shown;
}

export function tickAges() {
  const now = Date.now();
  for (const row of rows.values()) {
    const started = row.dataset.startedAt;
    // Written only when the text changes: rewriting every row each second costs a layout of the whole queue.
    const age = started ? formatAge(started, now) : null;
    if (age !== null && row.cells[0].textContent !== age) row.cells[0].textContent = age;
  }
}

export function rowOf(key) { return rows.get(key); }
