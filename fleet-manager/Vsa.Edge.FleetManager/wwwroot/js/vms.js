// "Voir dans le logiciel vidéo": the console shows no image; it opens the camera in the city's video management
// software at the alert's time minus a lead-in (the camera document's vmsLinkTemplate), or copies what to type there.
import { t, locale } from "./i18n.js";
import { cameraInfo } from "./names.js";
import { settings } from "./settings.js";

const $ = (id) => document.getElementById(id);

const pad = (n) => String(n).padStart(2, "0");

// Placeholders of vmsLinkTemplate: {vmsName} {cameraId} {deviceId} {startUtc} (ISO 8601) {startUnix} (seconds)
// {date} {time} (local, yyyy-mm-dd and hh:mm:ss). Every value is URL-encoded.
export function vmsLink(template, alert, info) {
  const at = new Date(Date.parse(alert.startedAt) - settings.vmsLeadInSeconds * 1000);
  const values = {
    vmsName: info?.vmsName ?? alert.cameraId,
    cameraId: alert.cameraId,
    deviceId: alert.deviceId,
    startUtc: at.toISOString(),
    startUnix: String(Math.floor(at.getTime() / 1000)),
    date: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`,
    time: `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`,
  };
  const link = template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? encodeURIComponent(values[name]) : whole));
  // Only web links: a template is configuration, but nothing else is opened from the console.
  return /^https?:\/\//i.test(link) ? link : null;
}

export function vmsText(alert, info) {
  const at = new Date(Date.parse(alert.startedAt) - settings.vmsLeadInSeconds * 1000);
  const when = new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "medium" }).format(at);
  return `${info?.vmsName ?? alert.cameraId} ${when}`;
}

export async function vmsAction(alert) {
  const info = cameraInfo(alert.deviceId, alert.cameraId);
  const link = info?.vmsLinkTemplate ? vmsLink(info.vmsLinkTemplate, alert, info) : null;
  const status = $("vms-status");
  if (link) {
    window.open(link, "_blank", "noopener");
    status.textContent = t("vms.opened", { link });
    return;
  }
  const text = vmsText(alert, info);
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = t("vms.copied", { text, s: settings.vmsLeadInSeconds });
  } catch {
    status.textContent = t("vms.copyThis", { text, s: settings.vmsLeadInSeconds });
  }
}

export function objectClass(name) {
  const label = t(`class.${name}`);
  return label.startsWith("[") ? name : label;
}
