// Filters of the queue: camera, site, event, priority. They hide incidents, never drop them: the count says how many
// alerts are hidden, and clearing the filters shows them again.
import { t, eventLabel } from "./i18n.js";
import { siteLabel } from "./sites.js";
import { cameraLabel } from "./names.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["camera", "site", "event", "priority"];
const values = { camera: "", site: "", event: "", priority: "" };
// As String.prototype.localeCompare (the browser's locale), without building a collation per comparison.
const byText = new Intl.Collator().compare;

export const cameraKey = (x) => `${x.deviceId}/${x.cameraId}`;

export function visible(incident) {
  return (!values.camera || cameraKey(incident) === values.camera)
    && (!values.site || incident.deviceId === values.site)
    && (!values.event || incident.eventType === values.event)
    && (!values.priority || String(incident.priority) === values.priority);
}

// Reconciled in place: a new camera inserts one option. Rebuilding the list on every live event (one option per pending
// camera) cost a quarter of each render and held the new row back from the screen.
function fillSelect(select, options) {
  const wanted = [["", t("filter.all")], ...options];
  const current = select.value;
  const byValue = new Map([...select.options].map((o) => [o.value, o]));
  wanted.forEach(([v, l], i) => {
    let o = byValue.get(v);
    if (!o) { o = document.createElement("option"); o.value = v; }
    if (o.textContent !== l) o.textContent = l;
    if (select.options[i] !== o) select.insertBefore(o, select.options[i] ?? null);
  });
  while (select.options.length > wanted.length) select.options[select.options.length - 1].remove();
  const value = wanted.some(([v]) => v === current) ? current : "";
  if (select.value !== value) select.value = value;
}

// Options from what is pending, plus the value chosen (kept even when nothing matches any more).
export function updateFilterOptions(incidents) {
  const cameras = new Map();
  const sites = new Map();
  const events = new Set();
  for (const i of incidents) {
    cameras.set(cameraKey(i), `${cameraLabel(i.deviceId, i.cameraId)} · ${siteLabel(i.deviceId)}`);
    sites.set(i.deviceId, siteLabel(i.deviceId));
    events.add(i.eventType);
  }
  const sorted = (map) => [...map].sort((a, b) => byText(a[1], b[1]));
  fillSelect($("filter-camera"), sorted(cameras));
  fillSelect($("filter-site"), sorted(sites));
  fillSelect($("filter-event"), [...events].map((e) => [e, eventLabel(e)]).sort((a, b) => byText(a[1], b[1])));
  fillSelect($("filter-priority"), [1, 2, 3].map((p) => [String(p), t(`priority.${p}`)]));
}

export function initFilters(onChange) {
  for (const f of FIELDS) {
    $(`filter-${f}`).addEventListener("change", (e) => { values[f] = e.target.value; onChange(); });
  }
  $("filter-reset").addEventListener("click", () => {
    for (const f of FIELDS) { values[f] = ""; $(`filter-${f}`).value = ""; }
    onChange();
  });
}
