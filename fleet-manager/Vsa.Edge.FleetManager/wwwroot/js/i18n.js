// Every string the console shows goes through t(): French by default (it is used in French CSUs), English available.
const fr = {
  "app.title": "Console opérateur",
  "app.notice": "Chaque alerte est un signal d'attention : un agent désigné la confirme ou l'écarte. Rien n'est automatique. Aucune image n'est transmise.",
  "nav.queue": "Alertes",
  "nav.devices": "Appareils",
  "nav.evaluation": "Évaluation",
  "nav.label": "Vues",
  "lang.label": "Langue",
  "large.label": "Grands caractères",
  "sound.label": "Son",
  "account.logout": "Se déconnecter",
  "role.operator": "opérateur",
  "role.admin": "administrateur",
  "role.auditor": "auditeur",
  "broker.unknown": "Courtier MQTT : …",
  "broker.up": "Courtier MQTT : connecté",
  "broker.down": "Courtier MQTT : déconnecté",
  "broker.streamLost": "flux interrompu, reconnexion…",
  "signin.title": "Connexion",
  "signin.notice": "Accès réservé aux agents désignés et formés.",
  "signin.name": "Identifiant",
  "signin.password": "Mot de passe",
  "signin.submit": "Se connecter",
  "signin.error": "Identifiant ou mot de passe incorrect.",
  "queue.title": "Alertes à traiter",
  "queue.empty": "Aucune alerte en attente de décision.",
  "queue.col.age": "Âge",
  "queue.col.event": "Événement",
  "queue.col.camera": "Caméra",
  "queue.col.site": "Site (appareil)",
  "queue.col.zone": "Zone",
  "queue.col.time": "Heure",
  "queue.col.measure": "Mesure",
  "queue.col.state": "État",
  "queue.announce": "Nouvelle alerte : {event}, caméra {camera}, site {site}",
  "queue.hint": "Touches : j/k ou flèches pour naviguer, Entrée pour ouvrir, c confirmer, d écarter, ? aide",
  "queue.pending": "{n} en attente",
  "queue.truncated": "Plus de {n} alertes en attente : seules les {n} plus anciennes sont listées.",
  "detail.title": "Détail de l'alerte",
  "detail.none": "Sélectionnez une alerte dans la liste.",
  "detail.notFound": "Alerte introuvable.",
  "detail.event": "Événement",
  "detail.site": "Site (appareil)",
  "detail.camera": "Caméra",
  "detail.zone": "Zone ou ligne",
  "detail.state": "État",
  "detail.started": "Début",
  "detail.observed": "Dernière observation",
  "detail.ended": "Fin",
  "detail.received": "Reçue par le serveur",
  "detail.confidence": "Confiance",
  "detail.measure": "Mesure",
  "detail.objects": "Objets",
  "detail.model": "Modèle",
  "detail.alertId": "Identifiant",
  "detail.decision": "Décision",
  "detail.openCamera": "Pour voir la scène, ouvrez la caméra {camera} dans le logiciel vidéo de la ville à {time}. Aucune image n'est transmise ici.",
  "detail.layout": "Positions des objets sur le plan de la caméra",
  "detail.layoutUnknown": "plan inconnu",
  "detail.layoutAlt": "Plan de la caméra {camera} : {zones} zones, {lines} lignes, {masks} masques, {objects} objets",
  "detail.history": "Historique de la caméra",
  "detail.historyEmpty": "Aucune autre alerte sur cette caméra.",
  "state.start": "début",
  "state.update": "en cours",
  "state.end": "terminée",
  "state.interrupted": "interrompue (fin non observée)",
  "decision.title": "Décision",
  "decision.confirm": "Confirmer",
  "decision.dismiss": "Écarter",
  "decision.reason": "Motif",
  "decision.comment": "Commentaire (facultatif)",
  "decision.submit": "Enregistrer la décision",
  "decision.cancel": "Annuler",
  "decision.pending": "En attente de décision",
  "decision.confirmed": "Confirmée",
  "decision.dismissed": "Écartée",
  "decision.by": "{decision} par {by} à {at}",
  "decision.readOnly": "Lecture seule : votre rôle ne permet pas de décider.",
  "decision.reasonRequired": "Choisissez un motif pour écarter l'alerte.",
  "decision.failed": "La décision n'a pas été enregistrée : {error}",
  "decision.saved": "Décision enregistrée.",
  "reason.false_detection": "Fausse détection",
  "reason.authorised_activity": "Activité autorisée",
  "reason.duplicate": "Doublon",
  "reason.test": "Test",
  "reason.other": "Autre",
  "devices.title": "Appareils",
  "devices.empty": "Aucun appareil connu.",
  "devices.col.device": "Site (appareil)",
  "devices.col.status": "État",
  "devices.col.heartbeat": "Dernier signal",
  "devices.col.cameras": "Caméras (i/s)",
  "devices.col.provider": "Accélération",
  "devices.col.outbox": "File d'envoi",
  "devices.col.model": "Modèle",
  "devices.col.config": "Configuration",
  "devices.col.agent": "Agent",
  "devices.col.enclosure": "Boîtier / maintenance",
  "devices.online": "en ligne",
  "devices.offline": "hors ligne",
  "devices.cameraOffline": "caméra hors ligne",
  "devices.config": "voulue {desired}, appliquée {applied}",
  "devices.drift": "écart",
  "devices.notReported": "non rapportée",
  "devices.inSync": "à jour",
  "devices.rejected": "refusée",
  "devices.neverConnected": "jamais connecté",
  "devices.tamper": "boîtier ouvert",
  "devices.maintenance": "maintenance",
  "devices.normal": "normal",
  "devices.installed": "installé le {date}, {result}, par {installer}",
  "devices.selftestPassed": "auto-test réussi",
  "devices.selftestFailed": "auto-test en échec",
  "eval.title": "Évaluation",
  "eval.notice": "Alertes reçues sur la période, décisions des opérateurs et précision (confirmées / décidées). Le délai de décision court de la réception de l'alerte par le serveur à la décision.",
  "eval.from": "Du",
  "eval.to": "Au",
  "eval.refresh": "Actualiser",
  "eval.csv": "Exporter en CSV",
  "eval.byEvent": "Par type d'événement",
  "eval.byCamera": "Par caméra",
  "eval.total": "Total",
  "eval.col.event": "Événement",
  "eval.col.camera": "Caméra",
  "eval.col.raised": "Levées",
  "eval.col.confirmed": "Confirmées",
  "eval.col.dismissed": "Écartées",
  "eval.col.pending": "En attente",
  "eval.col.precision": "Précision",
  "eval.col.median": "Délai médian",
  "eval.empty": "Aucune alerte sur la période.",
  "eval.failed": "Évaluation indisponible : {error}",
  "help.title": "Raccourcis clavier",
  "help.close": "Fermer",
  "help.next": "alerte suivante",
  "help.prev": "alerte précédente",
  "help.open": "ouvrir le détail",
  "help.confirm": "confirmer l'alerte sélectionnée",
  "help.dismiss": "écarter l'alerte sélectionnée",
  "help.reasons": "choisir le motif (formulaire « écarter »)",
  "help.submit": "dans le formulaire : enregistrer la décision (Maj+Entrée : nouvelle ligne)",
  "help.escape": "fermer le formulaire ou l'aide",
  "help.views": "vues : alertes, appareils, évaluation",
  "help.help": "afficher cette aide",
  "none": "—",
  "key.enter": "Entrée",
  "key.escape": "Échap",
  "ago.s": "{n} s",
  "ago.m": "{n} min",
  "ago.h": "{n} h",
  "ago.d": "{n} j",
  "seconds": "{n} s",
  "event.intrusion": "Intrusion en zone",
  "event.wrong_way": "Contresens",
  "event.crowd_density": "Densité excessive",
  "event.crowd_movement": "Mouvement de foule",
  "event.person_down": "Personne au sol",
  "event.abandoned_object": "Objet abandonné",
  "event.weapon": "Arme",
  "event.fire": "Départ de feu",
  "measure.duration": "durée",
  "measure.count": "nombre",
  "measure.density": "densité",
  "measure.speed": "vitesse",
  "measure.distance": "distance",
};

const en = {
  "app.title": "Operator console",
  "app.notice": "Each alert is an attention signal: a designated agent confirms or dismisses it. Nothing is automatic. No image is transmitted.",
  "nav.queue": "Alerts",
  "nav.devices": "Devices",
  "nav.evaluation": "Evaluation",
  "nav.label": "Views",
  "lang.label": "Language",
  "large.label": "Large type",
  "sound.label": "Sound",
  "account.logout": "Sign out",
  "role.operator": "operator",
  "role.admin": "administrator",
  "role.auditor": "auditor",
  "broker.unknown": "MQTT broker: …",
  "broker.up": "MQTT broker: connected",
  "broker.down": "MQTT broker: disconnected",
  "broker.streamLost": "stream interrupted, reconnecting…",
  "signin.title": "Sign in",
  "signin.notice": "Restricted to designated, trained agents.",
  "signin.name": "Account",
  "signin.password": "Password",
  "signin.submit": "Sign in",
  "signin.error": "Wrong account or password.",
  "queue.title": "Alerts to review",
  "queue.empty": "No alert awaiting a decision.",
  "queue.col.age": "Age",
  "queue.col.event": "Event",
  "queue.col.camera": "Camera",
  "queue.col.site": "Site (device)",
  "queue.col.zone": "Zone",
  "queue.col.time": "Time",
  "queue.col.measure": "Measure",
  "queue.col.state": "State",
  "queue.announce": "New alert: {event}, camera {camera}, site {site}",
  "queue.hint": "Keys: j/k or arrows to move, Enter to open, c confirm, d dismiss, ? help",
  "queue.pending": "{n} pending",
  "queue.truncated": "More than {n} alerts pending: only the {n} oldest are listed.",
  "detail.title": "Alert detail",
  "detail.none": "Select an alert in the list.",
  "detail.notFound": "Alert not found.",
  "detail.event": "Event",
  "detail.site": "Site (device)",
  "detail.camera": "Camera",
  "detail.zone": "Zone or line",
  "detail.state": "State",
  "detail.started": "Started",
  "detail.observed": "Last observed",
  "detail.ended": "Ended",
  "detail.received": "Received by the server",
  "detail.confidence": "Confidence",
  "detail.measure": "Measure",
  "detail.objects": "Objects",
  "detail.model": "Model",
  "detail.alertId": "Id",
  "detail.decision": "Decision",
  "detail.openCamera": "To see the scene, open camera {camera} in the city's video software at {time}. No image is transmitted here.",
  "detail.layout": "Object positions on the camera's layout",
  "detail.layoutUnknown": "layout unknown",
  "detail.layoutAlt": "Layout of camera {camera}: {zones} zones, {lines} lines, {masks} masks, {objects} objects",
  "detail.history": "Camera history",
  "detail.historyEmpty": "No other alert on this camera.",
  "state.start": "started",
  "state.update": "ongoing",
  "state.end": "ended",
  "state.interrupted": "interrupted (end not observed)",
  "decision.title": "Decision",
  "decision.confirm": "Confirm",
  "decision.dismiss": "Dismiss",
  "decision.reason": "Reason",
  "decision.comment": "Comment (optional)",
  "decision.submit": "Record the decision",
  "decision.cancel": "Cancel",
  "decision.pending": "Awaiting a decision",
  "decision.confirmed": "Confirmed",
  "decision.dismissed": "Dismissed",
  "decision.by": "{decision} by {by} at {at}",
  "decision.readOnly": "Read only: your role cannot decide.",
  "decision.reasonRequired": "Choose a reason to dismiss the alert.",
  "decision.failed": "The decision was not recorded: {error}",
  "decision.saved": "Decision recorded.",
  "reason.false_detection": "False detection",
  "reason.authorised_activity": "Authorised activity",
  "reason.duplicate": "Duplicate",
  "reason.test": "Test",
  "reason.other": "Other",
  "devices.title": "Devices",
  "devices.empty": "No device known.",
  "devices.col.device": "Site (device)",
  "devices.col.status": "Status",
  "devices.col.heartbeat": "Last heartbeat",
  "devices.col.cameras": "Cameras (fps)",
  "devices.col.provider": "Acceleration",
  "devices.col.outbox": "Outbox",
  "devices.col.model": "Model",
  "devices.col.config": "Configuration",
  "devices.col.agent": "Agent",
  "devices.col.enclosure": "Enclosure / maintenance",
  "devices.online": "online",
  "devices.offline": "offline",
  "devices.cameraOffline": "camera offline",
  "devices.config": "desired {desired}, applied {applied}",
  "devices.drift": "drift",
  "devices.notReported": "not reported",
  "devices.inSync": "in sync",
  "devices.rejected": "rejected",
  "devices.neverConnected": "never connected",
  "devices.tamper": "enclosure open",
  "devices.maintenance": "maintenance",
  "devices.normal": "normal",
  "devices.installed": "installed {date}, {result}, by {installer}",
  "devices.selftestPassed": "self-test passed",
  "devices.selftestFailed": "self-test failed",
  "eval.title": "Evaluation",
  "eval.notice": "Alerts received in the period, operator decisions and precision (confirmed / decided). Time to decision runs from the server's receipt of the alert to the decision.",
  "eval.from": "From",
  "eval.to": "To",
  "eval.refresh": "Refresh",
  "eval.csv": "Export as CSV",
  "eval.byEvent": "By event type",
  "eval.byCamera": "By camera",
  "eval.total": "Total",
  "eval.col.event": "Event",
  "eval.col.camera": "Camera",
  "eval.col.raised": "Raised",
  "eval.col.confirmed": "Confirmed",
  "eval.col.dismissed": "Dismissed",
  "eval.col.pending": "Pending",
  "eval.col.precision": "Precision",
  "eval.col.median": "Median time",
  "eval.empty": "No alert in the period.",
  "eval.failed": "Evaluation unavailable: {error}",
  "help.title": "Keyboard shortcuts",
  "help.close": "Close",
  "help.next": "next alert",
  "help.prev": "previous alert",
  "help.open": "open the detail",
  "help.confirm": "confirm the selected alert",
  "help.dismiss": "dismiss the selected alert",
  "help.reasons": "pick the reason (dismiss form)",
  "help.submit": "in the form: record the decision (Shift+Enter: new line)",
  "help.escape": "close the form or the help",
  "help.views": "views: alerts, devices, evaluation",
  "help.help": "show this help",
  "none": "—",
  "key.enter": "Enter",
  "key.escape": "Esc",
  "ago.s": "{n} s",
  "ago.m": "{n} min",
  "ago.h": "{n} h",
  "ago.d": "{n} d",
  "seconds": "{n} s",
  "event.intrusion": "Zone intrusion",
  "event.wrong_way": "Wrong way",
  "event.crowd_density": "Excessive density",
  "event.crowd_movement": "Crowd movement",
  "event.person_down": "Person on the ground",
  "event.abandoned_object": "Abandoned object",
  "event.weapon": "Weapon",
  "event.fire": "Fire",
  "measure.duration": "duration",
  "measure.count": "count",
  "measure.density": "density",
  "measure.speed": "speed",
  "measure.distance": "distance",
};

export const dictionaries = { fr, en };
export const REASONS = ["false_detection", "authorised_activity", "duplicate", "test", "other"];
const STORAGE_KEY = "vsa.console.lang";

let current = dictionaries[localStorage.getItem(STORAGE_KEY)] ? localStorage.getItem(STORAGE_KEY) : "fr";

export function lang() { return current; }

export function setLang(code) {
  if (!dictionaries[code]) return;
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  translatePage();
}

// A missing key shows itself ("[key]") so a test or a reviewer sees it, instead of an empty cell.
export function t(key, params) {
  let text = dictionaries[current][key] ?? dictionaries.fr[key] ?? `[${key}]`;
  if (params) for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

// Static markup names its strings: data-i18n (text), data-i18n-label (aria-label), data-i18n-title (title).
export function translatePage() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  document.documentElement.lang = current;
}

export function locale() { return current === "fr" ? "fr-FR" : "en-GB"; }

// Intl formatters are costly to build (ICU data per construction) and the queue formats two values per row on every
// render: one per locale and option set, kept.
const formatters = new Map();
function formatter(kind, options) {
  const key = `${kind}\u0000${locale()}\u0000${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = kind === "date" ? new Intl.DateTimeFormat(locale(), options) : new Intl.NumberFormat(locale(), options);
    formatters.set(key, f);
  }
  return f;
}

const SAME_DAY = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
const OTHER_DAY = { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };

export function formatTime(iso) {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = today.getFullYear() === d.getFullYear() && today.getMonth() === d.getMonth() && today.getDate() === d.getDate();
  return formatter("date", sameDay ? SAME_DAY : OTHER_DAY).format(d);
}

export function formatNumber(value, digits = 1) {
  return formatter("number", { maximumFractionDigits: digits }).format(value);
}

export function formatAge(fromIso, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - new Date(fromIso).getTime()) / 1000));
  if (s < 60) return t("ago.s", { n: s });
  if (s < 3600) return t("ago.m", { n: Math.floor(s / 60) });
  if (s < 86400) return t("ago.h", { n: Math.floor(s / 3600) });
  return t("ago.d", { n: Math.floor(s / 86400) });
}

export function eventLabel(type) { return t(`event.${type}`); }

export function measureText(m) {
  if (!m) return t("none");
  const value = `${formatNumber(m.value)} ${m.unit}`;
  return `${t(`measure.${m.name}`).replace(/^\[.*\]$/, m.name)} ${value}`;
}

// The state of an alert as shown: an end nobody observed (agent died, device offline too long) is "interrupted", not live.
export const stateText = (a) => t(a.state === "end" && a.endReason === "interrupted" ? "state.interrupted" : `state.${a.state}`);
