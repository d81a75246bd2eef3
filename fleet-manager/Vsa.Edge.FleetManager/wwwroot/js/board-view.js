// How the device board is shown: which column sorts it (a click on a header; a second click reverses; aria-sort says
// which and how), and which rows the filters keep (text in the device id, site or camera ids; a state). Filters hide
// rows, never drop them: the count says how many are hidden.
import { t, lang, locale } from "./i18n.js";
import { siteLabel } from "./sites.js";

const $ = (id) => document.getElementById(id);
export const STATES = ["online", "offline", "never", "stopped", "suspended", "drift", "attention"];

let sortKey = "device";
let descending = false;
let search = "";
let state = "";
let filledFor = null;

// Suspended as a whole: by the fleet (device, site or global suspension) or by the device's own kill input.
export function isSuspended(health) {
  const s = health?.suspension;
  return !!s && (s.device || s.localKill);
}

export function cameraSuspended(health, camera) {
  return camera.suspended === true || isSuspended(health) || (health?.suspension?.cameras ?? []).includes(camera.cameraId);
}

const stoppedCameras = (d) => (d.lastHealth?.cameras ?? []).filter((c) => !c.online && !cameraSuspended(d.lastHealth, c)).length;
const suspendedCameras = (d) => (d.lastHealth?.cameras ?? []).filter((c) => cameraSuspended(d.lastHealth, c)).length;
const statusRank = (d) => (d.neverConnected ? 2 : d.status === "online" ? 0 : 1);

// What each column sorts by: a number or a string (null and empty values sort first ascending).
function sortValue(key, d, conditions, describe) {
  switch (key) {
    case "device": return siteLabel(d.deviceId);
    case "status": return statusRank(d) * 2 + (isSuspended(d.lastHealth) ? 1 : 0);
    case "heartbeat": return d.lastHeartbeatAt ?? "";
    case "cameras": return stoppedCameras(d) * 1000 + suspendedCameras(d) * 10 + (d.lastHealth?.cameras?.length ?? 0) / 100;
    case "provider": return d.executionProvider ?? "";
    case "outbox": return d.lastHealth?.outbox?.depth ?? -1;
    case "model": return d.lastHealth?.model ? `${d.lastHealth.model.id} ${d.lastHealth.model.version}` : "";
    case "config": return describe.config(d).text;
    case "enclosure": return describe.enclosure(conditions.get(d.deviceId));
    case "agent": return d.agentVersion ?? "";
    default: return d.deviceId;
  }
}

function matchesState(d, conditions) {
  const c = conditions.get(d.deviceId);
  switch (state) {
    case "online": return !d.neverConnected && d.status === "online";
    case "offline": return !d.neverConnected && d.status !== "online";
    case "never": return !!d.neverConnected;
    case "stopped": return stoppedCameras(d) > 0;
    case "suspended": return isSuspended(d.lastHealth) || suspendedCameras(d) > 0;
    case "drift": return !!d.config?.drift;
    case "attention": return !!(c?.tamper || c?.maintenance || c?.camerasOffline?.length);
    default: return true;
  }
}

function matchesText(d) {
  if (!search) return true;
  const words = [d.deviceId, siteLabel(d.deviceId), ...(d.lastHealth?.cameras ?? []).map((c) => c.cameraId)];
  return words.some((w) => w && w.toLocaleLowerCase().includes(search));
}

// The rows to show, in order, and how many the filters hide.
export function arrange(devices, conditions, describe) {
  const all = [...devices.values()];
  const kept = all.filter((d) => matchesState(d, conditions) && matchesText(d));
  const collator = new Intl.Collator(locale(), { numeric: true, sensitivity: "base" });
  const keyed = kept.map((d) => ({ d, v: sortValue(sortKey, d, conditions, describe) }));
  keyed.sort((a, b) => {
    const order = typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : collator.compare(String(a.v), String(b.v));
    return (descending ? -order : order) || a.d.deviceId.localeCompare(b.d.deviceId);
  });
  return { rows: keyed.map((x) => x.d), hidden: all.length - kept.length };
}

function showSort() {
  for (const th of $("devices").tHead.rows[0].cells) {
    if (th.dataset.sort === sortKey) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  }
}

function fillStates() {
  if (filledFor === lang()) return;
  filledFor = lang();
  const select = $("devices-state");
  select.replaceChildren(...["", ...STATES].map((s) => {
    const o = document.createElement("option");
    o.value = s;
    o.textContent = t(s ? `board.state.${s}` : "filter.all");
    return o;
  }));
  select.value = state;
}

export function showCount(shown, hidden) {
  fillStates();
  $("devices-count").textContent = hidden ? t("board.count", { shown, hidden }) : "";
}

export function initBoardView(render) {
  fillStates();
  showSort();
  for (const th of $("devices").tHead.rows[0].cells) {
    th.querySelector("button")?.addEventListener("click", () => {
      descending = sortKey === th.dataset.sort ? !descending : false;
      sortKey = th.dataset.sort;
      showSort();
      render();
    });
  }
  $("devices-search").addEventListener("input", (e) => { search = e.target.value.trim().toLocaleLowerCase(); render(); });
  $("devices-state").addEventListener("change", (e) => { state = e.target.value; render(); });
  $("devices-filters").addEventListener("submit", (e) => e.preventDefault());
  $("devices-reset").addEventListener("click", () => {
    search = "";
    state = "";
    $("devices-search").value = "";
    $("devices-state").value = "";
    render();
  });
}
