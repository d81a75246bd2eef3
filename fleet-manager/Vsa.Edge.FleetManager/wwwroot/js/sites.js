// Where a device stands: the site of its enrolment (GET /api/devices "site"), shown as "site (device)" in the queue,
// the detail and the board, or the device id alone when the device was not enrolled through a token.
const sites = new Map();
let version = 0;

// Bumped when a label changes (js/queue.js rewrites a row only when its inputs changed).
export function sitesVersion() { return version; }

export function rememberSite(device) {
  if ((device.site || null) === (sites.get(device.deviceId) ?? null)) return;
  if (device.site) sites.set(device.deviceId, device.site);
  else sites.delete(device.deviceId);
  version++;
}

export function siteLabel(deviceId) {
  const site = sites.get(deviceId);
  return site ? `${site} (${deviceId})` : deviceId;
}
