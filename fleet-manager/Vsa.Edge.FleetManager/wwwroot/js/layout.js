// The camera's zone layout with the alert's object boxes, as SVG (no image: décret 2023-828 art. 2).
import { t, formatNumber } from "./i18n.js";

const objectClass = (name) => { const label = t(`class.${name}`); return label.startsWith("[") ? name : label; };

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

// The path of each tracked object (bottom centre of its box, where its feet are), from the alert's stored
// observations (GET /api/alerts/{id}/track), and a marker where it was when the alert fired.
export async function fetchTrack(alertId) {
  try {
    const response = await fetch(`api/alerts/${encodeURIComponent(alertId)}/track`);
    return response.ok ? await response.json() : [];
  } catch (err) {
    console.warn("track unavailable", err);
    return [];
  }
}

function drawTrack(svg, track) {
  const paths = new Map();
  for (const point of track ?? []) {
    for (const o of point.objects ?? []) {
      if (o.trackId == null || !Array.isArray(o.box)) continue;
      const [x, y, w, h] = o.box;
      if (!paths.has(o.trackId)) paths.set(o.trackId, []);
      paths.get(o.trackId).push([x + w / 2, y + h]);
    }
  }
  for (const [trackId, pts] of paths) {
    if (pts.length > 1) svg.append(node("polyline", { points: points(pts), class: "track", "data-track-id": trackId }));
    const [x, y] = pts[0];
    svg.append(node("circle", { cx: x * W, cy: y * H, r: 1.4, class: "track-start", "data-track-id": trackId }));
  }
  const first = [...paths.values()][0]?.[0];
  if (first) {
    const [x, y] = first;
    svg.append(node("text", { ...inside(x * W + 2, y * H + 5), class: "track-label" }, t("detail.trackStart")));
  }
}

// Labels stay inside the frame: a label near the right or bottom edge is moved in rather than cut off.
// In the right half a label ends at its anchor (text-anchor end), so it grows leftwards into the frame.
const inside = (x, y) => (x > W * 0.55
  ? { x: Math.min(W - 1, x), y: Math.max(5, Math.min(H - 1.5, y)), "text-anchor": "end" }
  : { x: Math.max(1, x), y: Math.max(5, Math.min(H - 1.5, y)) });

export function drawLayout(svg, alert, layout, track = null) {
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
    svg.append(node("text", { ...inside(x * W + 1, y * H + 5), class: "label" }, zone.name ?? zone.id));
  }
  for (const line of lines) {
    const active = line.id === alert.zoneId;
    svg.append(node("polyline", { points: points(line.points), class: `line${active ? " active" : ""}${line.forbidden && line.forbidden !== "both" ? " forbidden" : ""}` }));
    const [x, y] = line.points[0] ?? [0, 0];
    svg.append(node("text", { ...inside(x * W + 1, y * H - 1), class: "label" }, line.name ?? line.id));
  }
  for (const o of alert.objects ?? []) {
    const [x, y, w, h] = o.box;
    svg.append(node("rect", { x: x * W, y: y * H, width: w * W, height: h * H, class: "object" }));
    const label = `${objectClass(o.class)}${o.trackId != null ? ` #${o.trackId}` : ""} ${formatNumber(o.score * 100, 0)} %`;
    svg.append(node("text", { ...inside(x * W > W * 0.55 ? (x + w) * W : x * W, y * H - 1), class: "object-label" }, label));
  }
  drawTrack(svg, track);
  svg.setAttribute("aria-label", t("detail.layoutAlt", {
    camera: alert.cameraId, zones: zones.length, lines: lines.length, masks: masks.length, objects: (alert.objects ?? []).length,
  }));
}
