// Model rollouts, for the administrator (#/admin/rollouts, #/admin/rollout/ID): the list, and per rollout its stages, the
// gate that paused it, each device's state and gate, and Resume / Promote / Abort (each confirmed, with a reason that goes
// to the audit log). The fleet's driver moves rollouts on; this page only reads and asks (GET|POST /api/rollouts…).
import { dictionaries, t } from "../i18n.js";
import { call, get } from "./http.js";
import { h, field, table, when, status, confirmAction } from "./ui.js";

Object.assign(dictionaries.fr, {
  "adm.section.rollouts": "Déploiements de modèles",
  "adm.ro.notice": "Un déploiement envoie un paquet de modèle par étapes : un canari, puis des vagues. Chaque étape attend que ses appareils aient le modèle actif, sans recul du p95 d'inférence ni des images/s, sans redémarrages en boucle, pendant la durée d'observation. Une porte qui échoue met le déploiement en pause avec la raison.",
  "adm.ro.none": "Aucun déploiement.",
  "adm.ro.list": "Déploiements, du plus récent au plus ancien",
  "adm.ro.id": "N°", "adm.ro.package": "Paquet", "adm.ro.target": "Cible", "adm.ro.status": "État", "adm.ro.stage": "Étape",
  "adm.ro.devices": "Appareils", "adm.ro.started": "Lancé", "adm.ro.reason": "Raison",
  "adm.ro.status.running": "en cours", "adm.ro.status.paused": "en pause", "adm.ro.status.completed": "terminé", "adm.ro.status.aborted": "annulé",
  "adm.ro.title": "Déploiement n° {id}", "adm.ro.back": "← Tous les déploiements",
  "adm.ro.model": "Modèle", "adm.ro.by": "Lancé par", "adm.ro.gates": "Portes",
  "adm.ro.gatesText": "observation {soak} min · p95 au plus +{p95} % · images/s au plus −{fps} % · au plus {restarts} redémarrages · étape en moins de {timeout} min",
  "adm.ro.stages": "Étapes", "adm.ro.stageName": "Étape", "adm.ro.share": "Part cumulée", "adm.ro.stageDevices": "Appareils ajoutés",
  "adm.ro.ended": "Fin", "adm.ro.outcome": "Issue", "adm.ro.current": "en cours",
  "adm.ro.outcome.passed": "réussie", "adm.ro.outcome.promoted": "promue", "adm.ro.outcome.aborted": "annulée",
  "adm.ro.perDevice": "Appareils", "adm.ro.state": "État du modèle", "adm.ro.gate": "Porte", "adm.ro.previous": "Version précédente",
  "adm.ro.p95": "p95 avant → après (ms)", "adm.ro.fps": "images/s avant → après", "adm.ro.restarts": "Redémarrages",
  "adm.ro.pausedBecause": "En pause : {reason}",
  "adm.ro.resume": "Reprendre", "adm.ro.promote": "Promouvoir", "adm.ro.abort": "Annuler le déploiement",
  "adm.ro.confirm.resume": "Reprendre le déploiement n° {id} ? Les appareils de l'étape en échec ne la retiennent plus ; l'observation recommence.",
  "adm.ro.confirm.promote": "Passer à l'étape suivante du déploiement n° {id} sans attendre la fin de l'étape en cours ?",
  "adm.ro.confirm.abort": "Annuler le déploiement n° {id} ? Chaque appareil qui a reçu le modèle reprend celui qu'il avait avant (sa version, ou le modèle d'usine). Cette action est définitive.",
  "adm.ro.reasonPrompt": "Raison (journal d'audit)", "adm.ro.done": "Fait.",
  "adm.ro.stage.canary": "canari", "adm.ro.stage.wave": "vague {n}",
  "adm.ro.modelColumn": "Modèle",
});
Object.assign(dictionaries.en, {
  "adm.section.rollouts": "Model rollouts",
  "adm.ro.notice": "A rollout sends a model package in stages: a canary, then waves. Each stage waits until its devices run the model active, with no regression of inference p95 or frames/s and no restart loop, for the soak time. A failed gate pauses the rollout with the reason.",
  "adm.ro.none": "No rollout.",
  "adm.ro.list": "Rollouts, newest first",
  "adm.ro.id": "No.", "adm.ro.package": "Package", "adm.ro.target": "Target", "adm.ro.status": "Status", "adm.ro.stage": "Stage",
  "adm.ro.devices": "Devices", "adm.ro.started": "Started", "adm.ro.reason": "Reason",
  "adm.ro.status.running": "running", "adm.ro.status.paused": "paused", "adm.ro.status.completed": "completed", "adm.ro.status.aborted": "aborted",
  "adm.ro.title": "Rollout no. {id}", "adm.ro.back": "← All rollouts",
  "adm.ro.model": "Model", "adm.ro.by": "Started by", "adm.ro.gates": "Gates",
  "adm.ro.gatesText": "soak {soak} min · p95 at most +{p95} % · frames/s at most −{fps} % · at most {restarts} restarts · stage within {timeout} min",
  "adm.ro.stages": "Stages", "adm.ro.stageName": "Stage", "adm.ro.share": "Cumulative share", "adm.ro.stageDevices": "Devices added",
  "adm.ro.ended": "Ended", "adm.ro.outcome": "Outcome", "adm.ro.current": "current",
  "adm.ro.outcome.passed": "passed", "adm.ro.outcome.promoted": "promoted", "adm.ro.outcome.aborted": "aborted",
  "adm.ro.perDevice": "Devices", "adm.ro.state": "Model state", "adm.ro.gate": "Gate", "adm.ro.previous": "Previous version",
  "adm.ro.p95": "p95 before → after (ms)", "adm.ro.fps": "frames/s before → after", "adm.ro.restarts": "Restarts",
  "adm.ro.pausedBecause": "Paused: {reason}",
  "adm.ro.resume": "Resume", "adm.ro.promote": "Promote", "adm.ro.abort": "Abort rollout",
  "adm.ro.confirm.resume": "Resume rollout no. {id}? The devices failing the current stage no longer hold it; the soak starts again.",
  "adm.ro.confirm.promote": "Move rollout no. {id} to its next stage without waiting for the current one?",
  "adm.ro.confirm.abort": "Abort rollout no. {id}? Every device that was sent the model gets back the one it ran before (its version, or the factory model). This cannot be undone.",
  "adm.ro.reasonPrompt": "Reason (audit log)", "adm.ro.done": "Done.",
  "adm.ro.stage.canary": "canary", "adm.ro.stage.wave": "wave {n}",
  "adm.ro.modelColumn": "Model",
});

const href = (id) => `#/admin/rollout/${id}`;
const stageName = (name) => (name === "canary" ? t("adm.ro.stage.canary") : t("adm.ro.stage.wave", { n: name.replace("wave-", "") }));
const pct = (x) => Math.round(x * 1000) / 10;
const pair = (a, b) => `${a == null ? "–" : a.toFixed(1)} → ${b == null ? "–" : b.toFixed(1)}`;
const counts = (c) => Object.entries(c).map(([state, n]) => `${state} ${n}`).join(" · ");

export function renderRollouts(main) {
  const line = h("p", { class: "status-line", role: "status" });
  const list = h("div");
  main.append(h("section", { class: "admin-section", "aria-labelledby": "adm-rollouts-title" },
    h("h2", { id: "adm-rollouts-title", text: t("adm.section.rollouts") }),
    h("p", { class: "notice", text: t("adm.ro.notice") }), line, list));
  get("api/rollouts").then((rollouts) => {
    list.replaceChildren(rollouts.length ? table(
      [t("adm.ro.id"), t("adm.ro.package"), t("adm.ro.target"), t("adm.ro.status"), t("adm.ro.stage"), t("adm.ro.devices"), t("adm.ro.started"), t("adm.ro.reason")],
      rollouts.map((r) => h("tr", { "data-rollout": r.id, class: r.status === "paused" ? "broken-row" : null },
        h("td", null, h("a", { href: href(r.id), text: String(r.id) })),
        h("td", { class: "details", text: r.package.slice(0, 12) }),
        h("td", { class: "wrap", text: r.target }),
        h("td", { text: t(`adm.ro.status.${r.status}`) }),
        h("td", { text: r.stage < r.stages.length ? stageName(r.stages[r.stage].name) : "–" }),
        h("td", { class: "wrap", text: counts(r.counts) }),
        h("td", { text: `${when(r.createdAt)} · ${r.createdBy}` }),
        h("td", { class: "wrap", text: r.reason ?? "" }))), t("adm.ro.list"))
      : h("p", { class: "empty", text: t("adm.ro.none") }));
  }).catch((err) => status(line, String(err.message ?? err), "error"));
}

function actions(r, line, rerender) {
  const reasonInput = h("input", { type: "text", maxlength: "500", id: "rollout-reason-input" });
  const act = async (action) => {
    const reason = reasonInput.value.trim();
    if (!(await confirmAction(t(`adm.ro.${action}`), t(`adm.ro.confirm.${action}`, { id: r.id }), t(`adm.ro.${action}`)))) return;
    try {
      await call("POST", `api/rollouts/${r.id}/${action}`, { reason: reason || null });
      status(line, t("adm.ro.done"), "ok");
      rerender();
    } catch (err) { status(line, `${err.title ?? err.message}${err.detail ? ` — ${err.detail}` : ""}`, "error"); }
  };
  const open = r.status === "running" || r.status === "paused";
  if (!open) return null;
  return h("div", { class: "admin-form inline", id: "rollout-actions" },
    field(t("adm.ro.reasonPrompt"), reasonInput, "reason"),
    h("div", { class: "actions" },
    r.status === "paused" ? h("button", { type: "button", class: "primary", id: "rollout-resume", text: t("adm.ro.resume"), onclick: () => act("resume") }) : null,
    open ? h("button", { type: "button", class: "secondary", id: "rollout-promote", text: t("adm.ro.promote"), onclick: () => act("promote") }) : null,
    open ? h("button", { type: "button", class: "danger", id: "rollout-abort", text: t("adm.ro.abort"), onclick: () => act("abort") }) : null));
}

export function renderRollout(main, id) {
  const section = h("section", { class: "admin-section", "aria-labelledby": "adm-rollout-title" });
  main.append(section);
  const rerender = () => { section.remove(); renderRollout(main, id); };
  get(`api/rollouts/${encodeURIComponent(id)}`).then((r) => {
    const line = h("p", { class: "status-line", role: "status" });
    const g = r.gates;
    section.append(
      h("p", null, h("a", { href: "#/admin/rollouts", text: t("adm.ro.back") })),
      h("h2", { id: "adm-rollout-title", text: t("adm.ro.title", { id: r.id }) }),
      r.status === "paused" ? h("p", { class: "verdict broken", id: "rollout-reason", text: t("adm.ro.pausedBecause", { reason: r.reason }) })
        : r.reason ? h("p", { class: "verdict", id: "rollout-reason", text: r.reason }) : null,
      h("dl", { class: "facts" },
        h("dt", { text: t("adm.ro.status") }), h("dd", { id: "rollout-status", text: t(`adm.ro.status.${r.status}`) }),
        h("dt", { text: t("adm.ro.model") }), h("dd", { text: `${r.modelId ?? "?"} ${r.modelVersion ?? ""} (${r.kind}) · ${r.package}` }),
        h("dt", { text: t("adm.ro.target") }), h("dd", { text: r.target }),
        h("dt", { text: t("adm.ro.by") }), h("dd", { text: `${r.createdBy} · ${when(r.createdAt)}` }),
        h("dt", { text: t("adm.ro.gates") }), h("dd", { text: t("adm.ro.gatesText", { soak: g.soakMinutes, p95: pct(g.maxP95Increase), fps: pct(g.maxFpsDrop), restarts: g.maxRestarts, timeout: g.stageTimeoutMinutes }) }),
        h("dt", { text: t("adm.ro.devices") }), h("dd", { text: counts(r.counts) })),
      actions(r, line, rerender), line,
      h("h3", { text: t("adm.ro.stages") }),
      table([t("adm.ro.stageName"), t("adm.ro.share"), t("adm.ro.stageDevices"), t("adm.ro.started"), t("adm.ro.ended"), t("adm.ro.outcome")],
        r.stages.map((s, i) => h("tr", { class: i === r.stage && r.status === "paused" ? "broken-row" : null },
          h("td", { text: stageName(s.name) }), h("td", { text: `${s.percent} %` }), h("td", { text: String(s.devices) }),
          h("td", { text: s.startedAt ? when(s.startedAt) : "–" }), h("td", { text: s.endedAt ? when(s.endedAt) : "–" }),
          h("td", { text: s.outcome ? t(`adm.ro.outcome.${s.outcome}`) : i === r.stage ? t("adm.ro.current") : "–" })))),
      h("h3", { text: t("adm.ro.perDevice") }),
      table([t("adm.dev.device"), t("adm.ro.stageName"), t("adm.ro.state"), t("adm.ro.gate"), t("adm.ro.previous"), t("adm.ro.p95"), t("adm.ro.fps"), t("adm.ro.restarts")],
        r.devices.map((d) => h("tr", { "data-device": d.deviceId, class: d.gate.startsWith("failed") ? "broken-row" : null },
          h("td", null, h("a", { href: `#/admin/device/${encodeURIComponent(d.deviceId)}`, text: d.deviceId })),
          h("td", { text: stageName(r.stages[d.stage].name) }),
          h("td", { class: "wrap", text: d.reason ? `${d.state} — ${d.reason}` : d.state }),
          h("td", { class: "wrap", text: d.gate }),
          h("td", { text: d.previousVersion ?? "–" }),
          h("td", { text: pair(d.baselineP95, d.p95) }), h("td", { text: pair(d.baselineFps, d.fps) }),
          h("td", { text: String(d.restarts) })))));
  }).catch((err) => status(section.appendChild(h("p", { class: "status-line" })), String(err.message ?? err), "error"));
}

// The model column of the admin device board: "nanodet-coco 2.0.0 · update 3.0.0 failed (reason)"; empty without reports.
export async function deviceModels() {
  try {
    const models = await get("api/rollouts/models");
    const byDevice = new Map();
    for (const m of models.filter((x) => x.kind === "detector")) {
      const update = m.updateVersion && m.updateVersion !== m.activeVersion ? ` · ${m.updateVersion} ${m.updateState}${m.updateReason ? ` (${m.updateReason})` : ""}` : "";
      byDevice.set(m.deviceId, { text: `${m.activeId} ${m.activeVersion}${update}`, bad: m.updateState === "failed" || m.updateState === "rolled-back", rollout: m.rolloutId });
    }
    return byDevice;
  } catch { return new Map(); }
}
