// Who handles what: "Pris en charge par …" for every operator, live (SSE "claims" events), stored by the fleet
// (POST /api/claims: claim, release, hand over with a note; audited). States: Nouvelle, En cours, Terminée.
import { t } from "./i18n.js";
import { getJson, postJson, SignedOut } from "./api.js";

const claims = new Map(); // alertId -> ClaimView
let myName = null;
let version = 0;

// Bumped whenever what claimText shows may change: the queue rewrites a row only when its inputs changed (js/queue.js).
export function claimsVersion() { return version; }

export function setMyName(name) { myName = name; version++; }

export async function loadClaims() {
  try {
    const list = await getJson("api/claims");
    claims.clear();
    for (const c of list) claims.set(c.alertId, c);
    version++;
  } catch (err) {
    if (err instanceof SignedOut) throw err;
    console.warn("claims unavailable", err);
  }
}

export function applyClaims(list) {
  version++;
  for (const c of list) {
    if (c.claimedBy) claims.set(c.alertId, c);
    else claims.delete(c.alertId);
  }
}

export function claimOf(alertId) { return claims.get(alertId) ?? null; }

// The holder of every alert of the list when they share one, else null.
export function holderOf(alerts) {
  const holders = new Set(alerts.map((a) => claims.get(a.alertId)?.claimedBy ?? null));
  return holders.size === 1 ? [...holders][0] : null;
}

export function mine(alerts) { return !!myName && holderOf(alerts) === myName; }

// The queue's "Traitement" cell: Nouvelle, or En cours — who (and "moi" for oneself).
export function claimText(alerts) {
  if (alerts.every((a) => a.decision)) return t("handling.closed");
  const holder = holderOf(alerts);
  if (!holder) return alerts.some((a) => claims.has(a.alertId)) ? t("handling.partly") : t("handling.new");
  return t("handling.by", { who: holder === myName ? t("handling.me") : holder });
}

export function claimDetail(alerts) {
  const first = claims.get(alerts[0]?.alertId);
  if (!first) return "";
  const handed = first.handedBy ? ` ${t("handling.handedBy", { who: first.handedBy })}` : "";
  const note = first.note ? ` — « ${first.note} »` : "";
  return `${t("handling.claimedBy", { who: first.claimedBy })}${handed}${note}`;
}

export async function sendClaim(alerts, action, to = null, note = null) {
  const list = await postJson("api/claims", { alertIds: alerts.map((a) => a.alertId), action, to, note });
  applyClaims(list);
  return list;
}
