// The auditor's page (administrators see it too): the chain verified by the fleet (GET /api/audit/verification: the
// same verdict as "vsa-fleet audit verify", checkpoints included), the audit log by pages, the decisions broken down by
// dismissal reason and by operator, and the list of decisions.
import { t, eventLabel, formatNumber } from "../i18n.js";
import { get } from "./http.js";
import { h, table, when, status } from "./ui.js";
import { reportsSection } from "./reports.js";

const PAGE = 50;
const DECISIONS = 200;
const day = (d) => d.toISOString().slice(0, 10);

// AuditProblemKind comes as its number (the API's enums without a wire name) or, should that change, its name.
const KINDS = ["modified", "deleted", "reordered"];
const kindOf = (kind) => (typeof kind === "number" ? KINDS[kind] : String(kind).toLowerCase());

function verdict(report) {
  const c = report.chain;
  const lines = [];
  if (c.problem) {
    lines.push(h("p", { class: "verdict broken", id: "audit-verdict" }, h("strong", { text: t("adm.audit.broken") }), " ",
      t("adm.audit.brokenAt", { message: c.problem.message, kind: t(`adm.audit.kind.${kindOf(c.problem.kind)}`), n: c.entries })));
    lines.push(h("p", { class: "notice", text: t("adm.audit.checkpointsSkipped") }));
    return lines;
  }
  const k = report.checkpoints;
  lines.push(h("p", { class: `verdict ${report.intact ? "intact" : "broken"}`, id: "audit-verdict" },
    h("strong", { text: t(report.intact ? "adm.audit.intact" : "adm.audit.broken") }), " ",
    t("adm.audit.chainOk", { n: c.entries, head: c.headSequence, hash: c.headHash.slice(0, 16) })));
  if (k?.problem) lines.push(h("p", { class: "verdict broken", id: "audit-checkpoints" }, t("adm.audit.checkpointProblem", { message: k.problem, n: k.checked })));
  else if (k?.latest) lines.push(h("p", { class: "ok", id: "audit-checkpoints" }, t("adm.audit.checkpointsOk", { n: k.checked, seq: k.latest.sequence, at: when(k.latest.at), behind: c.headSequence - k.latest.sequence })));
  else if (k?.warning) lines.push(h("p", { class: "warning", id: "audit-checkpoints" }, t("adm.audit.checkpointWarning", { message: k.warning })));
  return lines;
}

function logSection() {
  const body = h("div", { id: "audit-log" });
  const older = h("button", { type: "button", class: "secondary", text: t("adm.audit.older") });
  const newer = h("button", { type: "button", class: "secondary", text: t("adm.audit.newer") });
  const range = h("span", { class: "muted", role: "status" });
  let after = 0;
  let mark = null;
  async function show(from) {
    after = Math.max(0, from);
    const entries = await get(`api/audit?after=${after}&limit=${PAGE}`);
    range.textContent = entries.length ? t("adm.audit.range", { from: entries[0].sequence, to: entries.at(-1).sequence }) : t("adm.audit.empty");
    older.disabled = after === 0;
    newer.disabled = entries.length < PAGE;
    const rows = [...entries].reverse().map((e) => h("tr", { "data-sequence": String(e.sequence), class: e.sequence === mark ? "broken-row" : null },
      h("td", { class: "num", text: String(e.sequence) }), h("td", { text: when(e.at) }), h("td", { text: e.actor }),
      h("td", { text: e.action }), h("td", { class: "wrap", text: e.target }), h("td", { class: "wrap details", text: e.details }),
      h("td", null, h("code", { title: e.hash, text: e.hash.slice(0, 12) }))));
    body.replaceChildren(table([t("adm.audit.seq"), t("adm.audit.at"), t("adm.audit.actor"), t("adm.audit.action"), t("adm.audit.target"), t("adm.audit.details"), t("adm.audit.hash")], rows, t("adm.audit.logCaption")));
  }
  older.addEventListener("click", () => show(after - PAGE));
  newer.addEventListener("click", () => show(after + PAGE));
  const node = h("section", { "aria-labelledby": "adm-audit-log-title" },
    h("h3", { id: "adm-audit-log-title", text: t("adm.audit.log") }),
    h("div", { class: "actions" }, newer, older, range), body);
  // Opens on the newest page; on a broken chain, on the page that holds the first broken entry (marked).
  return { node, open: (report) => {
    mark = report.chain.problem?.sequence ?? null;
    return show(mark != null ? mark - Math.floor(PAGE / 2) : report.chain.headSequence - PAGE);
  } };
}

function breakdownSection() {
  const to = new Date(Date.now() + 86400000);
  const from = new Date(Date.now() - 30 * 86400000);
  const fromInput = h("input", { type: "date", id: "adm-bd-from", value: day(from), required: true });
  const toInput = h("input", { type: "date", id: "adm-bd-to", value: day(to), required: true });
  const out = h("div", { id: "decision-breakdown" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "inline-form" },
    h("label", { for: "adm-bd-from", text: t("eval.from") }), fromInput, h("label", { for: "adm-bd-to", text: t("eval.to") }), toInput,
    h("button", { type: "submit", text: t("eval.refresh") }));
  async function load() {
    error.textContent = "";
    try {
      const r = await get(`api/evaluation/decisions?from=${fromInput.value}T00:00:00Z&to=${toInput.value}T00:00:00Z`);
      const reasons = r.byReason.map((x) => h("tr", { "data-reason": x.reason }, h("td", { text: t(`reason.${x.reason}`) }), h("td", { class: "num", text: String(x.dismissed) })));
      const people = r.byOperator.map((x) => h("tr", { "data-operator": x.operator }, h("td", { text: x.operator }), h("td", { class: "num", text: String(x.confirmed) }),
        h("td", { class: "num", text: String(x.dismissed) }), h("td", { class: "num", text: x.medianSecondsToDecision == null ? t("none") : `${formatNumber(x.medianSecondsToDecision)} s` })));
      out.replaceChildren(
        h("h4", { text: t("adm.audit.byReason") }),
        reasons.length ? table([t("decision.reason"), t("eval.col.dismissed")], reasons) : h("p", { class: "empty", text: t("adm.audit.noDismissal") }),
        h("h4", { text: t("adm.audit.byOperator") }),
        people.length ? table([t("adm.audit.operator"), t("eval.col.confirmed"), t("eval.col.dismissed"), t("eval.col.median")], people) : h("p", { class: "empty", text: t("adm.audit.noDecision") }));
    } catch (err) { error.textContent = String(err.title ?? err.message ?? err); }
  }
  form.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  return { node: h("section", { "aria-labelledby": "adm-bd-title" }, h("h3", { id: "adm-bd-title", text: t("adm.audit.breakdown") }),
    h("p", { class: "notice", text: t("adm.audit.breakdownNotice") }), form, error, out), load };
}

function decisionsSection() {
  const out = h("div", { id: "decision-list" });
  async function load() {
    const decided = await get(`api/alerts?decision=decided&limit=${DECISIONS}`);
    const rows = decided.map((a) => h("tr", { "data-alert-id": a.alertId },
      h("td", { text: when(a.decision.decidedAt) }), h("td", { text: a.decision.decidedBy }),
      h("td", { class: a.decision.decision, text: t(`decision.${a.decision.decision}`) }),
      h("td", { text: a.decision.reason ? t(`reason.${a.decision.reason}`) : t("none") }),
      h("td", { class: "wrap", text: a.decision.comment ?? "" }), h("td", { text: eventLabel(a.eventType) }),
      h("td", { text: `${a.cameraId} · ${a.deviceId}` }), h("td", { text: when(a.startedAt) })));
    out.replaceChildren(rows.length
      ? table([t("adm.audit.decidedAt"), t("adm.audit.operator"), t("decision.title"), t("decision.reason"), t("decision.comment"), t("queue.col.event"), t("queue.col.camera"), t("adm.audit.startedAt")], rows)
      : h("p", { class: "empty", text: t("adm.audit.noDecision") }));
    if (decided.length >= DECISIONS) out.prepend(h("p", { class: "notice", text: t("adm.audit.decisionsLatest", { n: DECISIONS }) }));
  }
  return { node: h("section", { "aria-labelledby": "adm-decisions-title" }, h("h3", { id: "adm-decisions-title", text: t("adm.audit.decisions") }), out), load };
}

export function renderAudit(main) {
  main.replaceChildren();
  const verdictSlot = h("div", { id: "audit-verification", "aria-live": "polite" }, h("p", { class: "muted", text: t("adm.audit.verifying") }));
  const line = h("p", { class: "status-line", role: "status" });
  const log = logSection();
  const breakdown = breakdownSection();
  const decisions = decisionsSection();
  const reports = reportsSection();
  async function verify() {
    verdictSlot.replaceChildren(h("p", { class: "muted", text: t("adm.audit.verifying") }));
    const report = await get("api/audit/verification");
    verdictSlot.replaceChildren(...verdict(report), h("p", { class: "hint", text: t("adm.audit.verifiedAt", { at: when(new Date().toISOString()) }) }));
    await log.open(report);
  }
  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-audit-title" },
    h("h2", { id: "adm-audit-title", text: t("adm.audit.title") }),
    h("p", { class: "notice", text: t("adm.audit.notice") }),
    h("h3", { text: t("adm.audit.verification") }), verdictSlot,
    h("div", { class: "actions" }, h("button", { type: "button", id: "audit-reverify", text: t("adm.audit.reverify"), onclick: () => verify().catch((err) => status(line, String(err.message ?? err), "error")) })),
    line, reports.node, log.node, breakdown.node, decisions.node));
  reports.load().catch((err) => status(line, String(err.message ?? err), "error"));
  verify().catch((err) => status(line, String(err.message ?? err), "error"));
  breakdown.load();
  decisions.load().catch((err) => status(line, String(err.message ?? err), "error"));
}
