// The CSU operator console: no framework, no build step, nothing fetched from outside the fleet manager.
// Data from devices is only ever written with textContent.
import { t, setLang, lang, translatePage, eventLabel, formatTime } from "./i18n.js";
import { getJson, postJson, SignedOut } from "./api.js";
import { renderQueue, tickAges, rowOf, byNewest, toggleExpanded } from "./queue.js";
import "./i18n-console.js";
import { unlockAudio } from "./sound.js";
import { noteEscalated, showEscalation, showSoundBanner, escalationTick, soundNewAlert, initAlerting } from "./alerting.js";
import { loadSettings } from "./settings.js";
import { groupIncidents, noteDecided } from "./incidents.js";
import { createDecider } from "./decide.js";
import { loadClaims, applyClaims, sendClaim, setMyName } from "./claims.js";
import { visible, updateFilterOptions, initFilters } from "./filters.js";
import { initHistory, loadHistory, addDecided, renderHistory } from "./history.js";
import { onNamesLearned } from "./names.js";
import { createKeyHandler } from "./keys.js";
import { loadPending } from "./pending.js";
import { createDetail } from "./detail.js";
import { keepDevice, showBoard, onDeviceEvent, onConditionsEvent, loadConditions, initDevices } from "./devices.js";
import { initEvaluation, loadEvaluation } from "./evaluation.js";
import { siteLabel } from "./sites.js";
import { initKillSwitch, stopKillSwitch } from "./killswitch.js";
import { routeAdmin } from "./admin/index.js";
import { createRenderScheduler } from "./schedule.js";

const $ = (id) => document.getElementById(id);
const alerts = new Map();
const fresh = new Set();
let me = null;
let stream = null;
// The selected row: an alert id, or "incident:" + the incident's id for an incident of several alerts.
let selectedId = null;
let lastPosition = 0;
let incidents = [];
let shownKeys = [];
let view = "queue";
let evalTimer = null;

const decider = createDecider({
  onSent: (views) => { for (const v of views) { keepAlert(v, false); noteDecided(v); addDecided(v); } refresh(); },
  onUndone: (undone) => {
    refresh();
    const group = incidents.find((i) => i.alerts.some((a) => a.alertId === undone[0].alertId));
    select(undone.length > 1 && group && group.alerts.length > 1 ? `incident:${group.id}` : undone[0].alertId, false);
  },
  onFailed: (failed) => {
    // A colleague may have decided it meanwhile: fetch what the fleet holds; the alert comes back if still pending.
    for (const a of failed) getJson(`api/alerts/${encodeURIComponent(a.alertId)}`).then((v) => { keepAlert(v, false); refresh(); }).catch(() => {});
    refresh();
  },
  onSignedOut: () => showSignIn(),
  onChange: () => refresh(),
});

const detail = createDetail({
  canDecide: () => me?.role === "operator",
  // The next row is chosen before the decision leaves, from the rows the operator sees now: the one below, else the
  // one above. The stream's echo of one's own decision never moves the selection.
  onSubmit: (body, decided) => {
    const index = shownKeys.indexOf(selectedId);
    const candidates = index < 0 ? [...shownKeys] : [...shownKeys.slice(index + 1), ...shownKeys.slice(0, index).reverse()];
    decider.schedule(decided, body);
    announce(t("decision.saved"));
    const next = candidates.find((k) => shownKeys.includes(k));
    if (next) select(next, false);
    else { selectedId = null; detail.show(null); }
  },
  onClaim: (targets, action, to, note) => {
    $("handling-error").textContent = "";
    sendClaim(targets, action, to, note).then(() => { refresh(); detail.renderHandling(); }).catch((err) => {
      if (err instanceof SignedOut) showSignIn();
      else $("handling-error").textContent = t("handling.failed", { error: err.message });
    });
  },
  onSignedOut: () => showSignIn(),
});

function pending() {
  return [...alerts.values()].filter((a) => !a.decision && !decider.isHeld(a.alertId)).sort(byNewest);
}

function incidentOf(key) {
  if (key?.startsWith("incident:")) return incidents.find((i) => `incident:${i.id}` === key) ?? null;
  return incidents.find((i) => i.alerts.some((a) => a.alertId === key)) ?? null;
}

function announce(text) {
  $("announcer").textContent = text;
}

// A view replaces what we hold only if it is at least as far along (live events and the initial fetch can cross); a
// decision always wins, since it is made on the fleet and never undone.
function keepAlert(next, isLive) {
  const held = alerts.get(next.alertId);
  if (held && held.sequence > next.sequence && !(next.decision && !held.decision)) return false;
  const merged = held && held.sequence > next.sequence ? { ...held, decision: next.decision } : next;
  alerts.set(next.alertId, merged);
  if (isLive && !held && !merged.decision) fresh.add(next.alertId);
  return !held;
}

// Live events render once per turn of the event loop (js/schedule.js); everything else renders at once.
const scheduleRefresh = createRenderScheduler(() => refresh());

function refresh() {
  const list = pending();
  incidents = groupIncidents(list, Date.now());
  noteEscalated(incidents);
  updateFilterOptions(incidents);
  shownKeys = renderQueue(incidents, selectedId, fresh, (id, focusDetail, byFocus) => select(id, focusDetail, byFocus), visible);
  fresh.clear();
  document.title = list.length ? `(${list.length}) ${t("nav.queue")} · Vsa.Edge` : `${t("app.title")} · Vsa.Edge`;
  const group = selectedId?.startsWith("incident:") ? incidentOf(selectedId) : null;
  const shown = group ? group.newest : selectedId ? alerts.get(selectedId) : null;
  if (shown && detail.current?.alertId === shown.alertId) detail.update(shown, group);
  else if (group && detail.current) detail.show(shown, group);
  detail.renderHandling();
  showEscalation();
}

// Every second: ages tick, and incidents that waited too long escalate (js/alerting.js).
function tick() {
  tickAges();
  if (me) escalationTick(incidents, refresh);
}

async function select(alertId, focusDetail, byFocus = false) {
  selectedId = alertId;
  if (shownKeys.includes(alertId)) lastPosition = shownKeys.indexOf(alertId);
  const group = incidentOf(alertId);
  if (alertId.startsWith("incident:")) {
    refresh();
    detail.show(group?.newest ?? null, group);
    if (focusDetail) $("detail").focus();
    else if (!byFocus) rowOf(alertId)?.focus({ preventScroll: true });
    rowOf(alertId)?.scrollIntoView({ block: "nearest" });
    return;
  }
  let alert = alerts.get(alertId);
  if (!alert) {
    try {
      alert = await getJson(`api/alerts/${encodeURIComponent(alertId)}`);
      keepAlert(alert, false);
    } catch (err) {
      if (err instanceof SignedOut) return showSignIn();
      alert = null;
    }
  }
  refresh();
  detail.show(alert ?? null, group && group.alerts.length === 1 ? group : null);
  if (!alert) $("detail-none").textContent = t("detail.notFound");
  rowOf(alertId)?.scrollIntoView({ block: "nearest" });
  if (focusDetail) $("detail").focus();
  else if (!byFocus) rowOf(alertId)?.focus({ preventScroll: true });
}

// j/k: the visible rows. When the selected alert has left the queue (decided by a colleague), j goes to the row now at
// its place and k to the one above.
function move(step) {
  if (!shownKeys.length) return;
  const index = shownKeys.indexOf(selectedId);
  const next = index >= 0 ? index + step : step > 0 ? lastPosition : lastPosition - 1;
  select(shownKeys[Math.min(shownKeys.length - 1, Math.max(0, next))], false);
}

function expandSelected(open) {
  const group = incidentOf(selectedId);
  if (!group || group.alerts.length < 2) return;
  toggleExpanded(group.id, open);
  if (!open && !selectedId.startsWith("incident:")) select(`incident:${group.id}`, false);
  refresh();
}

function onLiveAlert(a) {
  const isNew = keepAlert(a, true);
  if (a.decision) {
    noteDecided(a);
    addDecided(a);
    if (view === "history") renderHistory();
    // A colleague decided what this operator has open: say so, instead of a form that silently vanishes.
    const open = detail.alerts;
    if (!decider.isMine(a.alertId) && open.some((x) => x.alertId === a.alertId)) {
      detail.notice(open.length > 1
        ? t("notice.colleagueIncident", { by: a.decision.decidedBy, n: 1 })
        : t("notice.colleague", { by: a.decision.decidedBy, at: formatTime(a.decision.decidedAt), decision: t(`decision.${a.decision.decision}`) }));
    }
  }
  // The tone and the announcement follow the render: they need the alert's incident (its priority).
  scheduleRefresh(isNew && !a.decision ? () => {
    const group = incidentOf(a.alertId);
    soundNewAlert(group);
    announce(t("queue.announce", { event: eventLabel(a.eventType), camera: a.cameraId, site: siteLabel(a.deviceId) }));
  } : null);
  if (a.decision && view === "evaluation") scheduleEvaluation();
}

function scheduleEvaluation() {
  clearTimeout(evalTimer);
  evalTimer = setTimeout(() => loadEvaluation().catch((err) => console.warn(err)), 300);
}

async function resync() {
  const [pendingList, deviceList] = await Promise.all([loadPending((a) => keepAlert(a, false)), getJson("api/devices/sites"), loadSettings(), loadClaims()]);
  for (const d of deviceList) keepDevice(d);
  // Alerts we held as pending but the fleet no longer lists were decided while the stream was down: fetch them, and
  // their decision takes them out of the queue.
  const gone = pending().filter((a) => !pendingList.ids.has(a.alertId));
  const decided = await Promise.all(gone.map((a) => getJson(`api/alerts/${encodeURIComponent(a.alertId)}`).catch((err) => {
    if (err instanceof SignedOut) throw err;
    return null;
  })));
  for (const a of decided) if (a) keepAlert(a, false);
  $("queue-truncated").textContent = pendingList.complete ? "" : t("queue.truncated", { n: pendingList.ids.size });
  $("queue-truncated").classList.toggle("hidden", pendingList.complete);
  await loadConditions();
  refresh();
  showBoard();
  // The page holds what the fleet holds (tests wait for it before watching what a live event changes).
  document.body.dataset.synced = "1";
}

function showBroker(snapshot) {
  const pill = $("broker");
  pill.className = `pill ${snapshot.subscribed ? "up" : "down"}`;
  pill.dataset.i18n = snapshot.subscribed ? "broker.up" : "broker.down";
  pill.textContent = t(pill.dataset.i18n);
  pill.title = snapshot.lastError ?? "";
}

function connect() {
  stream = new EventSource("api/alerts/stream");
  // The first "ingestion" event means our subscription is registered: fetch the history now and nothing is missed.
  let synced = false;
  stream.addEventListener("ingestion", (e) => {
    $("banner-stream").classList.add("hidden");
    showBroker(JSON.parse(e.data));
    if (!synced) {
      synced = true;
      resync().catch((err) => (err instanceof SignedOut ? showSignIn() : console.error("resync failed", err)));
    }
  });
  stream.addEventListener("alert", (e) => onLiveAlert(JSON.parse(e.data)));
  stream.addEventListener("claims", (e) => { applyClaims(JSON.parse(e.data)); scheduleRefresh(); });
  stream.addEventListener("device", (e) => { if (onDeviceEvent(JSON.parse(e.data))) scheduleRefresh(); });
  stream.addEventListener("device-conditions", (e) => onConditionsEvent(JSON.parse(e.data)));
  stream.onerror = () => {
    // Distinct from the broker pill: the fleet may be fine while this page no longer hears it.
    $("banner-stream").classList.toggle("hidden", !me);
    showBroker({ subscribed: false, lastError: t("broker.streamLost") });
    synced = false;
    delete document.body.dataset.synced;
    // A refused stream (session expired) is not retried by the browser: ask who we are, and sign in again if needed.
    if (stream.readyState === EventSource.CLOSED) start();
  };
}

function showView(name) {
  view = name;
  for (const v of ["queue", "devices", "evaluation", "history"]) {
    $(`view-${v}`).classList.toggle("hidden", v !== name || !me);
    const link = $(`nav-${v}`);
    if (v === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (name === "evaluation" && me) loadEvaluation().catch((err) => (err instanceof SignedOut ? showSignIn() : console.warn(err)));
  if (name === "devices" && me) showBoard();
  if (name === "history" && me) loadHistory().catch((err) => (err instanceof SignedOut ? showSignIn() : console.warn(err)));
}

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  if (routeAdmin(hash, me)) showView("admin");
  else if (hash.startsWith("alert/")) {
    showView("queue");
    if (me) select(decodeURIComponent(hash.slice(6)), false);
  } else if (hash === "devices" || hash === "evaluation" || hash === "history") showView(hash);
  else showView("queue");
}

function showSignIn() {
  stream?.close();
  stream = null;
  me = null;
  stopKillSwitch();
  decider.flush();
  $("banner-stream").classList.add("hidden");
  showSoundBanner();
  showEscalation();
  $("nav").classList.add("hidden");
  $("account").classList.add("hidden");
  for (const v of document.querySelectorAll(".view")) v.classList.add("hidden");
  $("signin").classList.remove("hidden");
}

function showConsole(account) {
  me = account;
  setMyName(account.name);
  showSoundBanner();
  document.body.dataset.role = account.role;
  $("signin").classList.add("hidden");
  $("nav").classList.remove("hidden");
  $("account").classList.remove("hidden");
  $("account-name").textContent = `${account.displayName} (${t(`role.${account.role}`)})`;
  if (!stream) connect();
  initKillSwitch({ role: () => me?.role, announce, onSignedOut: showSignIn });
  route();
  detail.show(selectedId ? alerts.get(selectedId) ?? null : null);
}

async function start() {
  const response = await fetch("api/auth/me");
  if (response.ok) showConsole(await response.json());
  else showSignIn();
}

function applyLarge(on) {
  document.body.classList.toggle("large", on);
  localStorage.setItem("vsa.console.large", on ? "1" : "0");
}

function init() {
  translatePage();
  $("lang").value = lang();
  $("lang").addEventListener("change", (e) => {
    setLang(e.target.value);
    detail.retranslate();
    if (me) $("account-name").textContent = `${me.displayName} (${t(`role.${me.role}`)})`;
    refresh();
    showBoard();
    if (view === "evaluation" && me) loadEvaluation().catch((err) => console.warn(err));
  });
  $("large").checked = localStorage.getItem("vsa.console.large") === "1";
  applyLarge($("large").checked);
  $("large").addEventListener("change", (e) => applyLarge(e.target.checked));
  initEvaluation();
  $("eval-form").addEventListener("submit", (e) => { e.preventDefault(); loadEvaluation().catch((err) => console.warn(err)); });
  document.addEventListener("keydown", createKeyHandler({
    me: () => me, view: () => view, selectedId: () => selectedId, detail, decider, move, select, expandSelected,
  }));
  window.addEventListener("hashchange", route);
  setInterval(tick, 1000);
  initFilters(() => refresh());
  initHistory();
  onNamesLearned(() => { refresh(); if (detail.current) detail.update(detail.current); });
  initAlerting(() => me !== null);
  $("undo-button").addEventListener("click", () => decider.undo());
  initDevices({ boardShown: () => view === "devices", signedIn: () => me !== null, onChange: refresh, onSignedOut: showSignIn });

  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    unlockAudio();
    $("login-error").textContent = "";
    try {
      const account = await postJson("api/auth/login", { name: $("login-name").value, password: $("login-password").value });
      $("login-password").value = "";
      showConsole(account);
    } catch (err) {
      $("login-password").value = "";
      $("login-error").textContent = t("signin.error");
    }
  });
  $("logout").addEventListener("click", async () => {
    await fetch("api/auth/logout", { method: "POST" });
    alerts.clear();
    selectedId = null;
    showSignIn();
  });
  refresh();
  showBoard();
  start().catch((err) => console.error("start failed", err));
}

init();
