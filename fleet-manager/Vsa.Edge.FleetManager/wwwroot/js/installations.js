// Installation reports (GET /api/installations): the newest self-test of each device, one line under its name on the
// board: "installé le 07/12/2026, auto-test réussi, par Jeanne Martin". The checks stay on the fleet (GET
// /api/installations/{deviceId}); a fleet without the endpoint (404) shows nothing.
import { t, locale } from "./i18n.js";
import { getJson, SignedOut } from "./api.js";

const latest = new Map();

export async function loadInstallations() {
  try {
    for (const r of await getJson("api/installations")) latest.set(r.deviceId, r);
  } catch (err) {
    if (err instanceof SignedOut) throw err;
    console.warn("installation reports unavailable", err);
  }
}

export function installationLine(deviceId) {
  const r = latest.get(deviceId);
  if (!r) return "";
  const date = new Intl.DateTimeFormat(locale(), { day: "2-digit", month: "2-digit", year: "numeric" }).format(new Date(r.testedAt));
  return t("devices.installed", { date, result: t(r.passed ? "devices.selftestPassed" : "devices.selftestFailed"), installer: r.installer });
}

export function installationPassed(deviceId) { return latest.get(deviceId)?.passed; }
