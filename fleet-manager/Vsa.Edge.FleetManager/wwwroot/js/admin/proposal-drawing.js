// A camera document drawn as the console draws every layout (layout.js: zones, lines, hatched privacy masks, as SVG,
// never an image), plus what an administrator must check before applying an installer's proposal: the forbidden crossing
// of each line (arrow from the side it may not be crossed from), the allowed direction of each zone (green arrow) and
// the ground calibration points (numbered, with their positions in metres).
import { t, formatNumber } from "../i18n.js";
import { drawLayout } from "../layout.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 160;
const H = 90;
const ARROW = 6;

function node(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  if (text) n.textContent = text;
  return n;
}

const list = (value) => (Array.isArray(value) ? value : []);
const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every((c) => typeof c === "number" && Number.isFinite(c));

// Left of A→B in image coordinates (y down) is (dy, −dx), as the agent reads it (CameraConfig.LineConfig): the arrow runs
// from the side the crossing starts on to the side it ends on; both ways: a double-headed arrow.
function forbiddenArrow(svg, line, markerId) {
  const [a, b] = line.points ?? [];
  if (!isPoint(a) || !isPoint(b)) return;
  const [ax, ay, bx, by] = [a[0] * W, a[1] * H, b[0] * W, b[1] * H];
  const len = Math.hypot(bx - ax, by - ay) || 1;
  const [nx, ny] = [((by - ay) / len) * ARROW, (-(bx - ax) / len) * ARROW];
  const [mx, my] = [(ax + bx) / 2, (ay + by) / 2];
  const forbidden = line.forbidden ?? "both";
  const [x1, y1, x2, y2] = forbidden === "right_to_left" ? [mx - nx, my - ny, mx + nx, my + ny] : [mx + nx, my + ny, mx - nx, my - ny];
  svg.append(node("line", {
    x1, y1, x2, y2, class: "forbidden-arrow", "data-line-id": line.id ?? "", "data-forbidden": forbidden,
    "marker-end": `url(#${markerId})`, ...(forbidden === "both" ? { "marker-start": `url(#${markerId})` } : {}),
  }));
  svg.append(node("text", { x: ax + 1, y: ay + 4, class: "label end" }, "A"), node("text", { x: bx + 1, y: by + 4, class: "label end" }, "B"));
}

function allowedArrow(svg, zone, markerId) {
  const v = zone.allowedDirection?.vector;
  const polygon = list(zone.polygon).filter(isPoint);
  if (!isPoint(v) || !polygon.length) return;
  const cx = (polygon.reduce((s, p) => s + p[0], 0) / polygon.length) * W;
  const cy = (polygon.reduce((s, p) => s + p[1], 0) / polygon.length) * H;
  const n = Math.hypot(v[0] * W, v[1] * H) || 1;
  const [dx, dy] = [((v[0] * W) / n) * ARROW * 1.4, ((v[1] * H) / n) * ARROW * 1.4];
  svg.append(node("line", { x1: cx - dx, y1: cy - dy, x2: cx + dx, y2: cy + dy, class: "allowed-arrow", "data-zone-id": zone.id ?? "", "marker-end": `url(#${markerId})` }));
}

function calibrationPoints(svg, calibration) {
  list(calibration?.points).forEach((p, i) => {
    if (!isPoint(p?.image)) return;
    const [x, y] = [p.image[0] * W, p.image[1] * H];
    const world = isPoint(p.world) ? ` (${formatNumber(p.world[0], 1)} ; ${formatNumber(p.world[1], 1)} m)` : "";
    svg.append(node("circle", { cx: x, cy: y, r: 1.3, class: "calib", "data-index": i }));
    svg.append(node("text", { x: x > W * 0.6 ? x - 1.8 : x + 1.8, y: y < 6 ? y + 4 : y - 1.2, class: `calib-label${x > W * 0.6 ? " end" : ""}` }, `${i + 1}${world}`));
  });
}

// Draws one camera document (a proposal's or the current desired one) into svg; prefix keeps each drawing's marker ids apart.
export function drawProposal(svg, cameraId, documentJson, prefix) {
  const doc = documentJson && typeof documentJson === "object" ? documentJson : null;
  const layout = doc ? { zones: list(doc.zones).filter((z) => Array.isArray(z.polygon)), lines: list(doc.lines).filter((l) => Array.isArray(l.points)), privacyMasks: list(doc.privacyMasks).filter((m) => Array.isArray(m.polygon)) } : null;
  drawLayout(svg, { cameraId, zoneId: null, objects: [] }, layout);
  if (!doc) return;
  const defs = svg.querySelector("defs");
  for (const [id, cls] of [[`${prefix}-forbidden`, "head-forbidden"], [`${prefix}-allowed`, "head-allowed"]]) {
    const marker = node("marker", { id, viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 4, markerHeight: 4, orient: "auto-start-reverse" });
    marker.append(node("path", { d: "M0,0 L10,5 L0,10 z", class: cls }));
    defs.append(marker);
  }
  for (const line of layout.lines) forbiddenArrow(svg, line, `${prefix}-forbidden`);
  for (const zone of layout.zones) allowedArrow(svg, zone, `${prefix}-allowed`);
  calibrationPoints(svg, doc.calibration);
  svg.setAttribute("aria-label", t("adm.pr.drawingAlt", {
    camera: cameraId, zones: layout.zones.length, lines: layout.lines.length, masks: layout.privacyMasks.length, points: list(doc.calibration?.points).length,
  }));
}
