// The console's grouping, priority and escalation settings (GET /api/console/settings, Fleet:Console on the server).
import { getJson, SignedOut } from "./api.js";

// The server's defaults, used until the settings arrive (or if an older fleet has no such endpoint).
export const settings = {
  undoSeconds: 5,
  incidentGapSeconds: 120,
  incidentGapSecondsByEvent: {},
  reactivationMinutes: 10,
  escalateAfterSeconds: 120,
  escalationRepeatSeconds: 30,
  priorityByEvent: { fire: 1, weapon: 1, person_down: 1, intrusion: 2, abandoned_object: 2, crowd_movement: 2, crowd_density: 3, wrong_way: 3 },
  priorityByCamera: {},
  vmsLeadInSeconds: 10,
};

export async function loadSettings() {
  try {
    Object.assign(settings, await getJson("api/console/settings"));
  } catch (err) {
    if (err instanceof SignedOut) throw err;
    console.warn("console settings unavailable, defaults kept", err);
  }
}

// 1 urgent, 2 high, 3 normal: the event's level, raised (never lowered) by the camera's.
export function priorityOf(alert) {
  const byEvent = settings.priorityByEvent[alert.eventType] ?? 3;
  const byCamera = settings.priorityByCamera[`${alert.deviceId}/${alert.cameraId}`] ?? 3;
  return Math.min(byEvent, byCamera);
}

export function gapMs(eventType) {
  return 1000 * (settings.incidentGapSecondsByEvent[eventType] ?? settings.incidentGapSeconds);
}
