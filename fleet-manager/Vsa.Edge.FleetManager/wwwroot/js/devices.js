// The devices the console knows (GET /api/devices and the live stream's "device" events) and their conditions (device
// events: tamper, maintenance, cameras offline), shown on the board (js/board.js). A slow safety refresh re-reads the
// list while the board is shown.
import { getJson, SignedOut } from "./api.js";
import { renderBoard, initBoard } from "./board.js";
import { rememberSite } from "./sites.js";
import { loadInstallations } from "./installations.js";

const BOARD_SAFETY_REFRESH_MS = 30000;
const devices = new Map();
const conditions = new Map();

export function keepDevice(d) {
  devices.set(d.deviceId, d);
  rememberSite(d);
}

export function showBoard() {
  renderBoard(devices, conditions);
}

// A "device" event carries what changed: merged into what we hold.
export function onDeviceEvent(d) {
  keepDevice({ ...devices.get(d.deviceId), ...d });
  showBoard();
}

export function onConditionsEvent(c) {
  conditions.set(c.deviceId, c);
  showBoard();
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
  initBoard();
  setInterval(() => { if (boardShown()) showBoard(); }, 5000);
  setInterval(() => {
    if (signedIn() && boardShown()) {
      loadInstallations().then(() => getJson("api/devices")).then((list) => { for (const d of list) keepDevice(d); showBoard(); onChange(); })
        .catch((err) => (err instanceof SignedOut ? onSignedOut() : console.warn(err)));
    }
  }, BOARD_SAFETY_REFRESH_MS);
}
