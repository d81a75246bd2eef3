// Live alert page: no framework, no build step. Data from devices is only ever written with textContent.
"use strict";

const MAX_ROWS = 200;
const EVENT_LABELS = {
  intrusion: "Intrusion en zone",
  wrong_way: "Contresens",
  crowd_density: "Densité excessive",
  crowd_movement: "Mouvement de foule",
  person_down: "Personne au sol",
  abandoned_object: "Objet abandonné",
  weapon: "Arme",
  fire: "Départ de feu",
};
const STATE_LABELS = { start: "début", update: "en cours", end: "fin" };
const MEASURE_LABELS = { duration: "durée", count: "nombre", density: "densité", speed: "vitesse", distance: "distance" };

const alerts = new Map();
const devices = new Map();
const fresh = new Set();

const timeFormat = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dateFormat = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit" });
const numberFormat = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function when(iso) {
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? timeFormat.format(d) : `${dateFormat.format(d)} ${timeFormat.format(d)}`;
}

function measure(m) {
  if (!m) return "—";
  const value = numberFormat.format(m.value);
  return m.name === "duration" ? `${value} ${m.unit}` : `${MEASURE_LABELS[m.name] ?? m.name} ${value} ${m.unit}`;
}

// A view replaces what we hold only if it is at least as far along (live events and the initial fetch can cross).
function keepAlert(view, isLive) {
  const held = alerts.get(view.alertId);
  if (held && held.sequence > view.sequence) return;
  alerts.set(view.alertId, view);
  if (isLive) fresh.add(view.alertId);
}

function renderAlerts() {
  const body = document.querySelector("#alerts tbody");
  const sorted = [...alerts.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.alertId.localeCompare(a.alertId));
  body.replaceChildren();
  for (const a of sorted.slice(0, MAX_ROWS)) {
    const row = body.insertRow();
    row.dataset.alertId = a.alertId;
    if (fresh.has(a.alertId)) row.className = "fresh";
    cell(row, when(a.startedAt));
    cell(row, a.deviceId);
    cell(row, a.cameraId);
    const event = cell(row, EVENT_LABELS[a.eventType] ?? a.eventType);
    event.title = a.eventType;
    event.lang = "fr";
    cell(row, STATE_LABELS[a.state] ?? a.state, `state ${a.state}`);
    cell(row, a.zoneId ?? "—");
    cell(row, measure(a.measurement), "num");
    cell(row, String(a.objects.length), "num");
  }
  fresh.clear();
  document.getElementById("no-alerts").classList.toggle("hidden", alerts.size > 0);
  document.getElementById("alert-count").textContent = alerts.size > 0 ? `(${alerts.size})` : "";
}

function renderDevices() {
  const list = document.getElementById("devices");
  list.replaceChildren();
  for (const d of [...devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId))) {
    const item = document.createElement("li");
    item.className = d.status;
    const dot = document.createElement("span");
    dot.className = "dot";
    const name = document.createElement("strong");
    name.textContent = d.deviceId;
    const meta = document.createElement("div");
    meta.className = "meta";
    const parts = [d.status === "online" ? "en ligne" : "hors ligne"];
    if (d.executionProvider) parts.push(d.executionProvider);
    if (d.agentVersion) parts.push(`agent ${d.agentVersion}`);
    if (d.lastHeartbeatAt) parts.push(`vu à ${when(d.lastHeartbeatAt)}`);
    meta.textContent = parts.join(" · ");
    item.append(dot, name, meta);
    list.append(item);
  }
  document.getElementById("no-devices").classList.toggle("hidden", devices.size > 0);
}

function showBroker(snapshot) {
  const pill = document.getElementById("broker");
  pill.className = `pill ${snapshot.subscribed ? "up" : "down"}`;
  pill.textContent = snapshot.subscribed ? "Courtier MQTT : connecté" : "Courtier MQTT : déconnecté";
  pill.title = snapshot.lastError ?? "";
}

async function getJson(url) {
  const response = await fetch(url);
  if (response.status === 401) {
    showSignIn();
    throw new Error("signed out");
  }
  return response.json();
}

async function resync() {
  const [alertList, deviceList] = await Promise.all([getJson("api/alerts?limit=" + MAX_ROWS), getJson("api/devices")]);
  for (const a of alertList) keepAlert(a, false);
  for (const d of deviceList) devices.set(d.deviceId, d);
  renderAlerts();
  renderDevices();
}

let stream = null;

function connect() {
  stream = new EventSource("api/alerts/stream");
  // The first "ingestion" event means our subscription is registered: fetch the history now and nothing is missed.
  let synced = false;
  stream.addEventListener("ingestion", (e) => {
    showBroker(JSON.parse(e.data));
    if (!synced) {
      synced = true;
      resync().catch((err) => console.error("resync failed", err));
    }
  });
  stream.addEventListener("alert", (e) => {
    keepAlert(JSON.parse(e.data), true);
    renderAlerts();
  });
  stream.addEventListener("device", (e) => {
    const d = JSON.parse(e.data);
    devices.set(d.deviceId, d);
    renderDevices();
  });
  stream.onerror = () => {
    showBroker({ subscribed: false, lastError: "flux interrompu, reconnexion…" });
    synced = false;
    // A refused stream (session expired) is not retried by the browser: ask who we are, and sign in again if needed.
    if (stream.readyState === EventSource.CLOSED) start();
  };
}

// Sign-in: the session is an HttpOnly cookie the script never sees; the page only learns who is signed in.
function showSignIn() {
  if (stream) stream.close();
  stream = null;
  document.getElementById("console").classList.add("hidden");
  document.getElementById("account").classList.add("hidden");
  document.getElementById("signin").classList.remove("hidden");
}

function showConsole(me) {
  document.getElementById("signin").classList.add("hidden");
  document.getElementById("console").classList.remove("hidden");
  document.getElementById("account").classList.remove("hidden");
  document.getElementById("account-name").textContent = `${me.displayName} (${me.role})`;
  if (!stream) connect();
}

async function start() {
  const response = await fetch("api/auth/me");
  if (response.ok) showConsole(await response.json());
  else showSignIn();
}

document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const response = await fetch("api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      name: document.getElementById("login-name").value,
      password: document.getElementById("login-password").value,
    }),
  });
  document.getElementById("login-password").value = "";
  if (response.ok) showConsole(await response.json());
  else error.textContent = "Identifiant ou mot de passe incorrect.";
});

document.getElementById("logout").addEventListener("click", async () => {
  await fetch("api/auth/logout", { method: "POST" });
  showSignIn();
});

renderAlerts();
renderDevices();
start().catch((err) => console.error("start failed", err));
