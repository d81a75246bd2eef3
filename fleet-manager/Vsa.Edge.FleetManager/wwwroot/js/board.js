// Device board: one row per device, refreshed by the live stream's "device" events (and a slow safety refresh).
import { t, formatTime, formatAge, formatNumber } from "./i18n.js";
import { el } from "./api.js";
import { siteLabel } from "./sites.js";

const $ = (id) => document.getElementById(id);

function text(value) { return value === null || value === undefined || value === "" ? t("none") : String(value); }

function cameras(health) {
  if (!health?.cameras?.length) return t("none");
  return health.cameras.map((c) => `${c.cameraId}: ${c.online ? formatNumber(c.fps) : t("devices.cameraOffline")}`).join(" · ");
}

// The configuration summary of GET /api/devices: desired and applied versions, what the device said of the newest one,
// and whether it runs what the fleet asks ("à jour") or not ("écart"). Nothing desired and nothing reported: "—".
function config(d) {
  const c = d.config;
  if (!c || (c.desiredVersion == null && c.notReported)) return { text: t("none"), state: "" };
  const applied = c.notReported ? t("devices.notReported") : text(c.appliedVersion);
  const parts = [t("devices.config", { desired: text(c.desiredVersion), applied })];
  if (c.status === "rejected") parts.push(t("devices.rejected"));
  if (c.drift) parts.push(t("devices.drift"));
  else if (c.desiredVersion != null) parts.push(t("devices.inSync"));
  return { text: parts.join(" · "), state: c.drift ? "drift" : c.desiredVersion != null ? "sync" : "" };
}

// Tamper, maintenance and cameras offline, from the device events (GET /api/devices/conditions and the live stream);
// unknown ("—") until the device reports one.
function enclosure(c) {
  if (!c) return t("none");
  const parts = [];
  if (c.tamper) parts.push(t("devices.tamper"));
  if (c.maintenance) parts.push(t("devices.maintenance"));
  for (const camera of c.camerasOffline ?? []) parts.push(`${camera}: ${t("devices.cameraOffline")}`);
  return parts.length ? parts.join(" · ") : t("devices.normal");
}

function statusText(d) {
  if (d.neverConnected) return t("devices.neverConnected");
  return d.status === "online" ? t("devices.online") : t("devices.offline");
}

export function renderBoard(devices, conditions = new Map()) {
  const body = $("devices").tBodies[0];
  body.replaceChildren();
  const now = Date.now();
  for (const d of [...devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId))) {
    const row = body.insertRow();
    row.dataset.deviceId = d.deviceId;
    const c = conditions.get(d.deviceId);
    const cfg = config(d);
    row.className = `device ${d.status}${d.neverConnected ? " never" : ""}${d.config?.drift ? " drift" : ""}${c?.tamper ? " tamper" : ""}${c?.maintenance ? " maintenance" : ""}`;
    const name = row.insertCell();
    name.className = "site";
    name.append(el("span", "", "dot"), el("strong", siteLabel(d.deviceId)));
    const status = row.insertCell();
    status.className = `status ${d.neverConnected ? "never" : d.status}`;
    status.textContent = statusText(d);
    const beat = row.insertCell();
    if (d.lastHeartbeatAt) {
      beat.textContent = `${formatTime(d.lastHeartbeatAt)} (${formatAge(d.lastHeartbeatAt, now)})`;
      beat.title = d.lastHeartbeatAt;
    } else beat.textContent = t("none");
    row.insertCell().textContent = cameras(d.lastHealth);
    row.insertCell().textContent = text(d.executionProvider);
    const outbox = row.insertCell();
    outbox.className = "num";
    outbox.textContent = d.lastHealth?.outbox ? formatNumber(d.lastHealth.outbox.depth, 0) : t("none");
    const model = d.lastHealth?.model;
    row.insertCell().textContent = model ? `${model.id} ${model.version}` : t("none");
    const configCell = row.insertCell();
    configCell.className = `config ${cfg.state}`.trim();
    configCell.textContent = cfg.text;
    const state = row.insertCell();
    state.className = "conditions";
    state.textContent = enclosure(c);
    row.insertCell().textContent = text(d.agentVersion);
  }
  $("devices-empty").classList.toggle("hidden", devices.size > 0);
}
