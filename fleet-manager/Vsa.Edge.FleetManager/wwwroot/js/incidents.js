// Incidents: the alerts of one camera, zone or line and event whose starts follow each other within the event's gap
// ("12 intrusions — Parvis — 05:29–05:30"). The law's unit stays the alert: deciding an incident records one decision
// per alert. After an incident is decided, new alerts of its group within Fleet:Console:ReactivationMinutes are shown
// as its follow-up (no sound, the earlier decision beside them); later ones open a new incident.
import { settings, priorityOf, gapMs } from "./settings.js";

// ISO 8601 start times of one format and opaque ids: their text order, without a locale's collation (js/queue.js).
const ordinal = (x, y) => (x < y ? -1 : x > y ? 1 : 0);
const closed = new Map(); // group key -> { decidedAt (ms), lastStartedAt (ms), decision }

export const groupKey = (a) => `${a.deviceId}\u0000${a.cameraId}\u0000${a.zoneId ?? ""}\u0000${a.eventType}`;

// Remember a decided alert's group, so that what follows it soon is shown as a follow-up.
export function noteDecided(alert) {
  if (!alert.decision) return;
  const key = groupKey(alert);
  const held = closed.get(key);
  const started = Date.parse(alert.startedAt);
  const decidedAt = Date.parse(alert.decision.decidedAt);
  if (!held || held.lastStartedAt <= started) closed.set(key, { decidedAt, lastStartedAt: started, decision: alert.decision });
}

// pending: alerts awaiting a decision. Returns incidents, most urgent first, then the newest.
export function groupIncidents(pending, now) {
  const groups = new Map();
  for (const a of pending) {
    const key = groupKey(a);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  const incidents = [];
  for (const [key, alerts] of groups) {
    alerts.sort((x, y) => ordinal(x.startedAt, y.startedAt) || ordinal(x.alertId, y.alertId));
    const gap = gapMs(alerts[0].eventType);
    let current = null;
    for (const a of alerts) {
      const started = Date.parse(a.startedAt);
      if (!current || started - current.lastMs > gap) {
        current = { key, alerts: [], firstMs: started, lastMs: started };
        incidents.push(current);
      }
      current.alerts.push(a);
      current.lastMs = started;
    }
  }
  const reactivationMs = settings.reactivationMinutes * 60000;
  for (const incident of incidents) {
    const first = incident.alerts[0];
    incident.id = first.alertId;
    incident.eventType = first.eventType;
    incident.deviceId = first.deviceId;
    incident.cameraId = first.cameraId;
    incident.zoneId = first.zoneId;
    incident.newest = incident.alerts.at(-1);
    incident.priority = Math.min(...incident.alerts.map(priorityOf));
    incident.waitingSince = Math.min(...incident.alerts.map((a) => Date.parse(a.receivedAt ?? a.startedAt)));
    incident.escalated = now - incident.waitingSince >= settings.escalateAfterSeconds * 1000;
    const before = closed.get(incident.key);
    incident.followUp = before && incident.firstMs >= before.lastStartedAt && incident.firstMs - before.decidedAt < reactivationMs
      && incident.firstMs - before.lastStartedAt >= 0 ? before.decision : null;
  }
  incidents.sort((x, y) => (x.priority - y.priority) || (y.lastMs - x.lastMs) || ordinal(y.id, x.id));
  return incidents;
}
