// All the alerts awaiting a decision, however old: the queue must not lose one (requirement "stay visible until
// decided"). The API's largest page is 5000; pages follow each other by start time; "since" is inclusive, so the last
// start time of a page is read again and the caller's Map drops the repeats.
import { getPage } from "./api.js";

const PENDING_PAGE = 5000;
const PENDING_MAX_PAGES = 40;

// keep(alert) stores each alert; returns the ids read and whether every pending alert was.
export async function loadPending(keep) {
  const ids = new Set();
  let since = null;
  for (let page = 0; page < PENDING_MAX_PAGES; page++) {
    const query = `api/alerts?decision=pending&order=oldest&limit=${PENDING_PAGE}${since ? `&since=${encodeURIComponent(since)}` : ""}`;
    const { items, truncated } = await getPage(query);
    for (const a of items) { keep(a); ids.add(a.alertId); }
    const last = items.at(-1)?.startedAt ?? null;
    if (!truncated) return { ids, complete: true };
    // A whole page starting at the same instant: paging by start time cannot go further.
    if (last === since) break;
    since = last;
  }
  return { ids, complete: false };
}
