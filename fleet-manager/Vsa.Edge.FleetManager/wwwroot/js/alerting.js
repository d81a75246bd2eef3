// What calls the operator's attention besides the queue itself: the tone of a new alert, the escalation of incidents
// that waited too long (banner, tone repeated), and the banner saying the browser blocks sound.
import { t } from "./i18n.js";
import { unlockAudio, play, soundBlocked, onSoundStateChange } from "./sound.js";
import { settings } from "./settings.js";

const $ = (id) => document.getElementById(id);

let escalatedIds = new Set();
let lastEscalationTone = 0;
let signedIn = () => false;

const soundOn = () => $("sound").checked;

// After each render of the queue: which incidents are escalated now.
export function noteEscalated(incidents) {
  escalatedIds = new Set(incidents.filter((i) => i.escalated).map((i) => i.id));
}

export function showEscalation() {
  const banner = $("banner-escalated");
  banner.textContent = escalatedIds.size ? t("banner.escalated", { n: escalatedIds.size, min: Math.round(settings.escalateAfterSeconds / 60) }) : "";
  banner.classList.toggle("hidden", !signedIn() || escalatedIds.size === 0);
}

export function showSoundBanner() {
  $("banner-sound").classList.toggle("hidden", !signedIn() || !soundOn() || !soundBlocked());
}

// Every second: incidents that waited past Fleet:Console:EscalateAfterSeconds escalate (refresh() highlights them), and
// the tone repeats every EscalationRepeatSeconds while any stays escalated.
export function escalationTick(incidents, refresh) {
  const now = Date.now();
  const newly = incidents.some((i) => !escalatedIds.has(i.id) && now - i.waitingSince >= settings.escalateAfterSeconds * 1000);
  if (newly) refresh();
  // A newly escalated incident sounds at once, unless a tone just played (incidents that escalate together, one tone).
  if (escalatedIds.size && soundOn() && now - lastEscalationTone >= (newly ? 5000 : settings.escalationRepeatSeconds * 1000)) {
    lastEscalationTone = now;
    play("escalation");
  }
}

// A new alert sounds by its incident's priority; the follow-up of an incident already handled stays silent.
export function soundNewAlert(group) {
  if (soundOn() && !group?.followUp) play(group?.priority ?? 2);
}

export function initAlerting(isSignedIn) {
  signedIn = isSignedIn;
  document.addEventListener("pointerdown", unlockAudio);
  onSoundStateChange(showSoundBanner);
  $("sound").addEventListener("change", showSoundBanner);
}
