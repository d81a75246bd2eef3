// The device board's data: the page the fleet sent (GET /api/devices/board, js/board-view.js says which) and the device
// conditions (device events: tamper, maintenance, cameras offline), shown by js/board.js. The live stream's "device"
// events update the rows of the page shown and nothing else: a fleet of ten thousand devices sends hundreds a second,
// and the board re-renders its one page at most every 100 ms. Events about devices off the page only mark the counts
// stale: the page is asked for again at most every few seconds (more seldom on a large fleet), and by a slow safety refresh.
import { getJson, SignedOut } from "./api.js";
import { renderBoard, initBoard } from "./board.js";
import { rememberSite, siteLabel } from "./sites.js";
import { loadInstallations } from "./installations.js";
import { boardQuery } from "./board-view.js";

const BOARD_SAFETY_REFRESH_MS = 30000;
const STALE_REFRESH_MS = 2000;
const STALE_REFRESH_LARGE_MS = 10000;
const LARGE_FLEET = 1000;
const conditions = new Map();
let rows = []; // the page shown, in order
let page = null; // the fleet's last answer (counts, next cursor)
let hooks = { boardShown: () => false, signedIn: () => false, onSignedOut: () => {} };
let asked = 0;
let frame = 0;
let stale = false;
let lastLoad = 0;
let staleTimer = 0;
// The newest live row of each device heard since the page shown was asked for, with the number of the question asked
// then: an answer may have been read before that row was stored (a page takes hundreds of milliseconds at ten thousand
// devices, more on a loaded machine), and must not put back what the live row replaced until the next refresh.
const heard = new Map();

export function keepDevice(d) {
  rememberSite(d);
}

function render() {
  frame = 0;
  renderBoard(rows, conditions, page);
}

// Coalesced on a short timer rather than requestAnimationFrame: a console tab that is not the visible one (a second
// screen's window behind another, several tabs) gets no animation frames at all, and its board would freeze.
const RENDER_EVERY_MS = 100;

function scheduleRender() {
  if (!frame) frame = setTimeout(render, RENDER_EVERY_MS);
}

// Fetches the page asked for now; an answer overtaken by a newer question is dropped.
export async function loadBoard() {
  const mine = ++asked;
  lastLoad = Date.now();
  stale = false;
  const answer = await getJson(boardQuery());
  if (mine !== asked) return;
  for (const [id, h] of heard) if (h.asked < mine) heard.delete(id);
  page = answer;
  rows = answer.items.map((r) => {
    const h = heard.get(r.deviceId);
    return h && !olderThan(h.row, r) ? { ...r, ...h.row } : r;
  });
  for (const d of rows) rememberSite(d);
  render();
}

function load() {
  loadBoard().catch((err) => (err instanceof SignedOut ? hooks.onSignedOut() : console.warn("device board unavailable", err)));
}

export function showBoard() {
  if (hooks.signedIn() && hooks.boardShown()) load();
  else scheduleRender();
}

function markStale() {
  stale = true;
  if (staleTimer || !hooks.boardShown()) return;
  const every = (page?.total ?? 0) >= LARGE_FLEET ? STALE_REFRESH_LARGE_MS : STALE_REFRESH_MS;
  staleTimer = setTimeout(() => {
    staleTimer = 0;
    if (stale && hooks.signedIn() && hooks.boardShown()) load();
  }, Math.max(0, lastLoad + every - Date.now()));
}

// Whether live row a was stored before row b of an answer (rows of devices that never connected have no time).
function olderThan(a, b) {
  return !!(a.updatedAt && b.updatedAt) && Date.parse(a.updatedAt) < Date.parse(b.updatedAt);
}

// A "device" event carries what changed: merged into the row if it is on the page, else the counts may be stale.
// Returns whether the device's label ("site (device)") changed, for the queue to show it.
export function onDeviceEvent(d) {
  const label = siteLabel(d.deviceId);
  rememberSite(d);
  const relabelled = label !== siteLabel(d.deviceId);
  heard.set(d.deviceId, { row: d, asked });
  const i = rows.findIndex((r) => r.deviceId === d.deviceId);
  if (i >= 0) {
    if (page && (rows[i].status !== d.status || rows[i].neverConnected !== d.neverConnected)) markStale();
    rows[i] = { ...rows[i], ...d };
    scheduleRender();
  } else markStale();
  return relabelled;
}

export function onConditionsEvent(c) {
  conditions.set(c.deviceId, c);
  if (rows.some((r) => r.deviceId === c.deviceId)) scheduleRender();
}

// Device conditions come from device events; a fleet without them (404) leaves the column at "—".
export async function loadConditions() {
  await loadInstallations();
  try {
    for (const c of await getJson("api/devices/conditions")) conditions.set(c.deviceId, c);
  } catch (err) {
    if (err instanceof SignedOut) throw err;
    console.warn("device conditions unavailable", err);
  }
}

export function initDevices({ boardShown, signedIn, onChange, onSignedOut }) {
  hooks = { boardShown, signedIn, onSignedOut };
  initBoard(load, () => page?.next ?? null);
  setInterval(() => { if (boardShown()) scheduleRender(); }, 5000);
  setInterval(() => {
    if (signedIn() && boardShown()) {
      loadInstallations().then(loadBoard).then(onChange)
        .catch((err) => (err instanceof SignedOut ? onSignedOut() : console.warn(err)));
    }
  }, BOARD_SAFETY_REFRESH_MS);
}
