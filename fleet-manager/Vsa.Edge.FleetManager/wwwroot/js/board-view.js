// How the device board is asked for: the fleet sorts, filters and pages it (GET /api/devices/board), so that a fleet of
// ten thousand devices sends one page. Which column sorts (a click on a header; a second click reverses; aria-sort says
// which and how), the filters (text in the device id, site or camera ids; a state; a site; a model; a certificate that
// expires soon) and the page (keyset: the cursors of the pages walked are kept to go back; the page buttons are above
// the table and under it).
import { t, lang, formatNumber } from "./i18n.js";

const $ = (id) => document.getElementById(id);
export const STATES = ["online", "offline", "never", "stopped", "suspended", "drift", "attention"];
const EXPIRING_DAYS = 30;

let sortKey = "device";
let descending = false;
let search = "";
let state = "";
let site = "";
let model = "";
let expiring = false;
let cursors = [null]; // cursors[i]: where page i+1 starts (null: the first page)
let filledFor = null;

// Suspended as a whole: by the fleet (device, site or global suspension) or by the device's own kill input.
export function isSuspended(health) {
  const s = health?.suspension;
  return !!s && (s.device || s.localKill);
}

export function cameraSuspended(health, camera) {
  return camera.suspended === true || isSuspended(health) || (health?.suspension?.cameras ?? []).includes(camera.cameraId);
}

// The query of the page shown.
export function boardQuery() {
  const q = new URLSearchParams({ sort: sortKey, dir: descending ? "desc" : "asc" });
  if (search) q.set("q", search);
  if (state) q.set("state", state);
  if (site) q.set("site", site);
  if (model) q.set("model", model);
  if (expiring) q.set("expiringDays", String(EXPIRING_DAYS));
  const after = cursors[cursors.length - 1];
  if (after) q.set("after", after);
  return `api/devices/board?${q}`;
}

function showSort() {
  for (const th of $("devices").tHead.rows[0].cells) {
    if (th.dataset.sort === sortKey) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  }
}

function options(select, values, label, current) {
  select.replaceChildren(...["", ...values].map((v) => {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = v ? label(v) : t("filter.all");
    return o;
  }));
  select.value = values.includes(current) || !current ? current : "";
}

function fillStates() {
  if (filledFor === lang()) return;
  filledFor = lang();
  options($("devices-state"), STATES, (s) => t(`board.state.${s}`), state);
}

// The page buttons, above the table (seen without scrolling) and under it.
const pagers = (which) => document.querySelectorAll(`#view-devices .pager button[data-page="${which}"]`);

// The counts and where we are: "10 000 appareils, 9 812 en ligne · 3 retenus par les filtres · page 1 / 1".
export function showCounts(page) {
  fillStates();
  if (!page) { $("devices-count").textContent = ""; return; }
  const filtered = !!(search || state || site || model || expiring);
  const pages = Math.max(1, Math.ceil(page.matching / page.limit));
  const parts = [t("board.totals", { total: formatNumber(page.total, 0), online: formatNumber(page.online, 0) })];
  if (filtered) parts.push(t("board.matching", { n: formatNumber(page.matching, 0) }));
  parts.push(t("board.page", { page: formatNumber(cursors.length, 0), pages: formatNumber(pages, 0) }));
  $("devices-count").textContent = parts.join(" · ");
  for (const b of pagers("prev")) b.disabled = cursors.length <= 1;
  for (const b of pagers("next")) b.disabled = !page.next;
  if (page.sites) options($("devices-site"), page.sites, (s) => s, site);
  if (page.models) options($("devices-model"), page.models, (m) => m, model);
}

// load(): fetch and show the page asked for now; next: the cursor after the page shown.
export function initBoardView(load, next) {
  fillStates();
  showSort();
  const first = () => { cursors = [null]; load(); };
  for (const th of $("devices").tHead.rows[0].cells) {
    th.querySelector("button")?.addEventListener("click", () => {
      descending = sortKey === th.dataset.sort ? !descending : false;
      sortKey = th.dataset.sort;
      showSort();
      first();
    });
  }
  let typing;
  $("devices-search").addEventListener("input", (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => { search = e.target.value.trim(); first(); }, 250);
  });
  $("devices-state").addEventListener("change", (e) => { state = e.target.value; first(); });
  $("devices-site").addEventListener("change", (e) => { site = e.target.value; first(); });
  $("devices-model").addEventListener("change", (e) => { model = e.target.value; first(); });
  $("devices-expiring").addEventListener("change", (e) => { expiring = e.target.checked; first(); });
  $("devices-filters").addEventListener("submit", (e) => e.preventDefault());
  for (const b of pagers("next")) b.addEventListener("click", () => { if (next()) { cursors.push(next()); load(); } });
  for (const b of pagers("prev")) b.addEventListener("click", () => { if (cursors.length > 1) { cursors.pop(); load(); } });
  $("devices-reset").addEventListener("click", () => {
    clearTimeout(typing);
    search = state = site = model = "";
    expiring = false;
    for (const id of ["devices-search", "devices-state", "devices-site", "devices-model"]) $(id).value = "";
    $("devices-expiring").checked = false;
    first();
  });
}
