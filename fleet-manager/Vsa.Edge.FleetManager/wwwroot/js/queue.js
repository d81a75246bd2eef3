// The live queue: alerts awaiting a decision, newest first, kept until decided. Rows are reconciled by key, so a new
// alert inserts one row and an update rewrites one row's cells (no full redraw while the operator reads).
import { t, eventLabel, formatTime, formatAge, measureText, stateText } from "./i18n.js";
import { siteLabel } from "./sites.js";

const $ = (id) => document.getElementById(id);
const rows = new Map();

export const byNewest = (a, b) => b.startedAt.localeCompare(a.startedAt) || b.alertId.localeCompare(a.alertId);

function fill(row, a, now) {
  const values = [
    formatAge(a.startedAt, now), eventLabel(a.eventType), a.cameraId, siteLabel(a.deviceId), a.zoneId ?? t("none"),
    formatTime(a.startedAt), measureText(a.measurement), stateText(a),
  ];
  row.dataset.startedAt = a.startedAt;
  while (row.cells.length < values.length) row.insertCell();
  values.forEach((v, i) => { if (row.cells[i].textContent !== v) row.cells[i].textContent = v; });
  row.cells[0].className = "age num";
  row.cells[1].className = `event ${a.eventType}`;
  row.cells[3].className = "site";
  row.cells[7].className = `state ${a.state}${a.endReason === "interrupted" ? " interrupted" : ""}`;
}

export function renderQueue(pending, selectedId, fresh, onPick) {
  const body = $("queue").tBodies[0];
  const now = Date.now();
  const keep = new Set(pending.map((a) => a.alertId));
  for (const [id, row] of rows) {
    if (!keep.has(id)) { row.remove(); rows.delete(id); }
  }
  let previous = null;
  for (const a of pending) {
    let row = rows.get(a.alertId);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.alertId = a.alertId;
      row.tabIndex = -1;
      row.addEventListener("click", () => onPick(a.alertId, true));
      rows.set(a.alertId, row);
      if (fresh.has(a.alertId)) row.classList.add("fresh", "unseen");
    }
    fill(row, a, now);
    const selected = a.alertId === selectedId;
    row.classList.toggle("selected", selected);
    row.setAttribute("aria-selected", String(selected));
    if (selected) row.classList.remove("unseen");
    const expected = previous ? previous.nextSibling : body.firstChild;
    if (expected !== row) body.insertBefore(row, expected);
    previous = row;
  }
  $("queue-empty").classList.toggle("hidden", pending.length > 0);
  $("queue-count").textContent = pending.length ? `(${t("queue.pending", { n: pending.length })})` : "";
}

export function tickAges() {
  const now = Date.now();
  for (const row of rows.values()) {
    const started = row.dataset.startedAt;
    if (started) row.cells[0].textContent = formatAge(started, now);
  }
}

export function rowOf(alertId) { return rows.get(alertId); }

// A short two-tone beep through WebAudio (no sound file to fetch); browsers allow it after the first user gesture.
let audio = null;
export function unlockAudio() {
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (audio?.state === "suspended") audio.resume();
}

export function beep() {
  if (!audio || audio.state !== "running") return;
  const start = audio.currentTime;
  for (const [offset, freq] of [[0, 880], [0.18, 660]]) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.16);
  }
}
