// The camera's zone layout with the alert's object boxes, as SVG (no image: décret 2023-828 art. 2).
import { t, formatNumber } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 160;
const H = 90;
const cache = new Map();

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text) n.textContent = text;
  return n;
}

const points = (pts) => pts.map(([x, y]) => `${x * W},${y * H}`).join(" ");

// GET /api/devices/{d}/cameras/{c}/layout; null when the fleet does not know it (404) or cannot say.
export async function fetchLayout(deviceId, cameraId) {
  const key = `${deviceId}/${cameraId}`;
  if (cache.has(key)) return cache.get(key);
  let layout = null;
  try {
    const response = await fetch(`api/devices/${encodeURIComponent(deviceId)}/cameras/${encodeURIComponent(cameraId)}/layout`);
    if (response.ok) layout = await response.json();
  } catch (err) {
    console.warn("layout unavailable", err);
  }
  cache.set(key, layout);
  return layout;
}

export function drawLayout(svg, alert, layout) {
  svg.replaceChildren();
  const defs = node("defs", {});
  const hatch = node("pattern", { id: "hatch", width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
  hatch.append(node("rect", { width: 4, height: 4, fill: "#3a3f44" }), node("line", { x1: 0, y1: 0, x2: 0, y2: 4, stroke: "#6b737b", "stroke-width": 2 }));
  defs.append(hatch);
  svg.append(defs, node("rect", { x: 0, y: 0, width: W, height: H, class: "frame" }));

  if (!layout) svg.append(node("text", { x: 3, y: H - 3, class: "unknown" }, t("detail.layoutUnknown")));
  const zones = layout?.zones ?? [];
  const lines = layout?.lines ?? [];
  const masks = layout?.privacyMasks ?? [];
  for (const mask of masks) svg.append(node("polygon", { points: points(mask.polygon), class: "mask", fill: "url(#hatch)" }));
  for (const zone of zones) {
    const active = zone.id === alert.zoneId;
    svg.append(node("polygon", { points: points(zone.polygon), class: active ? "zone active" : "zone" }));
    const [x, y] = zone.polygon[0] ?? [0, 0];
    svg.append(node("text", { x: x * W + 1, y: y * H + 4, class: "label" }, zone.name ?? zone.id));
  }
  for (const line of lines) {
    const active = line.id === alert.zoneId;
    svg.append(node("polyline", { points: points(line.points), class: `line${active ? " active" : ""}${line.forbidden && line.forbidden !== "both" ? " forbidden" : ""}` }));
    const [x, y] = line.points[0] ?? [0, 0];
    svg.append(node("text", { x: x * W + 1, y: y * H - 1, class: "label" }, line.name ?? line.id));
  }
  for (const o of alert.objects ?? []) {
    const [x, y, w, h] = o.box;
    svg.append(node("rect", { x: x * W, y: y * H, width: w * W, height: h * H, class: "object" }));
    const label = `${o.class}${o.trackId != null ? ` #${o.trackId}` : ""} ${formatNumber(o.score * 100, 0)} %`;
    svg.append(node("text", { x: x * W, y: Math.max(3, y * H - 1), class: "object-label" }, label));
  }
  svg.setAttribute("aria-label", t("detail.layoutAlt", {
    camera: alert.cameraId, zones: zones.length, lines: lines.length, masks: masks.length, objects: (alert.objects ?? []).length,
  }));
}
