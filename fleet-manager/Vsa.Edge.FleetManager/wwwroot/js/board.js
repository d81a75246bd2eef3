// Device board: one row per device of the page shown, the page sorted, filtered and cut by the fleet (js/board-view.js,
// GET /api/devices/board); the live stream's "device" events refresh the rows of that page only (js/devices.js).
import { t, formatTime, formatAge, formatNumber } from "./i18n.js";
import { el } from "./api.js";
import { siteLabel } from "./sites.js";
import { initBoardView, showCounts, isSuspended, cameraSuspended } from "./board-view.js";
import { installationLine, installationPassed } from "./installations.js";

const $ = (id) => document.getElementById(id);

function text(value) { return value === null || value === undefined || value === "" ? t("none") : String(value); }

// One span per camera: a stopped camera (no frames) or a suspended one (kill switch) is named in words, and shown in the
// alarm colour (stopped) or the warning colour (suspended) besides.
function cameras(cell, health) {
  if (!health?.cameras?.length) { cell.textContent = t("none"); return; }
  health.cameras.forEach((c, i) => {
    if (i) cell.append(" · ");
    const suspended = cameraSuspended(health, c);
    const state = suspended ? "suspended" : c.online ? "running" : "stopped";
    const word = suspended ? t("board.suspended") : c.online ? formatNumber(c.fps) : t("devices.cameraOffline");
    const span = el(state === "running" ? "span" : "strong", `${c.cameraId}: ${word}`, `camera ${state}`);
    span.dataset.cameraId = c.cameraId;
    cell.append(span);
  });
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

// The kill switch as the device last reported it: "suspendu" (and "arrêt local" when its own kill input holds it).
function suspensionText(health) {
  const s = health?.suspension;
  if (!isSuspended(health)) return "";
  return s.localKill ? `${t("board.suspended")} (${t("board.localKill")})` : t("board.suspended");
}

// rows: the devices of the page, in the fleet's order; page: its counts (null before the first answer).
export function renderBoard(rows, conditions, page) {
  const body = $("devices").tBodies[0];
  body.replaceChildren();
  const now = Date.now();
  for (const d of rows) {
    const row = body.insertRow();
    row.dataset.deviceId = d.deviceId;
    const c = conditions.get(d.deviceId);
    const cfg = config(d);
    const suspension = suspensionText(d.lastHealth);
    const stopped = d.lastHealth?.cameras?.some((x) => !x.online && !cameraSuspended(d.lastHealth, x));
    row.className = `device ${d.status}${d.neverConnected ? " never" : ""}${d.config?.drift ? " drift" : ""}${c?.tamper ? " tamper" : ""}${c?.maintenance ? " maintenance" : ""}${suspension ? " suspended" : ""}${stopped ? " stopped" : ""}`;
    const name = row.insertCell();
    name.className = "site";
    name.append(el("span", "", "dot"), el("strong", siteLabel(d.deviceId)));
    const installed = installationLine(d.deviceId);
    if (installed) name.append(el("small", installed, `installation ${installationPassed(d.deviceId) ? "passed" : "failed"}`));
    const status = row.insertCell();
    status.className = `status ${d.neverConnected ? "never" : d.status}`;
    status.textContent = statusText(d);
    if (suspension) status.append(" · ", el("strong", suspension, "suspension"));
    const beat = row.insertCell();
    if (d.lastHeartbeatAt) {
      beat.textContent = `${formatTime(d.lastHeartbeatAt)} (${formatAge(d.lastHeartbeatAt, now)})`;
      beat.title = d.lastHeartbeatAt;
    } else beat.textContent = t("none");
    const camerasCell = row.insertCell();
    camerasCell.className = "cameras";
    cameras(camerasCell, d.lastHealth);
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
  $("devices-empty").classList.toggle("hidden", !page || page.total > 0);
  showCounts(page);
}

export function initBoard(load, next) {
  initBoardView(load, next);
}
