// The words an operator uses: a camera's display name and its name in the city's video software, zone and line names,
// from the camera document the fleet serves with the layout (GET /api/devices/{d}/cameras/{c}/layout).
import { fetchLayout } from "./layout.js";

const known = new Map(); // deviceId/cameraId -> layout (or null while unknown)
const asked = new Set();
const toAsk = [];
let onLearned = () => {};
let version = 0;

export function onNamesLearned(callback) { onLearned = callback; }

// Bumped when a name is learned (js/queue.js rewrites a row only when its inputs changed).
export function namesVersion() { return version; }

// The layouts are asked for after the render that needs them, not during it: a request costs the page a few
// milliseconds, which a new alert's row would otherwise wait for. The row shows the camera id until the name comes.
function askAll() {
  for (const [key, deviceId, cameraId] of toAsk.splice(0)) {
    fetchLayout(deviceId, cameraId).then((layout) => {
      known.set(key, layout);
      if (layout?.displayName || layout?.zones?.some((z) => z.name) || layout?.lines?.some((l) => l.name)) { version++; onLearned(); }
    });
  }
}

function layoutOf(deviceId, cameraId) {
  const key = `${deviceId}/${cameraId}`;
  if (!asked.has(key)) {
    asked.add(key);
    if (!toAsk.length) setTimeout(askAll, 0);
    toAsk.push([key, deviceId, cameraId]);
  }
  return known.get(key) ?? null;
}

export function cameraInfo(deviceId, cameraId) { return layoutOf(deviceId, cameraId); }

// "Parvis nord (cam-1)" when the camera has a display name, else its id.
export function cameraLabel(deviceId, cameraId) {
  const name = layoutOf(deviceId, cameraId)?.displayName;
  return name ? `${name} (${cameraId})` : cameraId;
}

export function zoneLabel(deviceId, cameraId, zoneId) {
  if (!zoneId) return null;
  const layout = layoutOf(deviceId, cameraId);
  const item = layout?.zones?.find((z) => z.id === zoneId) ?? layout?.lines?.find((l) => l.id === zoneId);
  return item?.name ?? zoneId;
}
