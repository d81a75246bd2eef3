// Sounds through WebAudio (no file to fetch). Browsers allow them after the first click or key press; until then
// soundBlocked() is true and the page says so in a banner.
let audio = null;

export function unlockAudio() {
  if (!audio && window.AudioContext) audio = new AudioContext();
  if (audio?.state === "suspended") audio.resume().then(() => onChange()).catch(() => {});
  onChange();
}

let onChange = () => {};
export function onSoundStateChange(callback) { onChange = callback; }

export function soundBlocked() { return !audio || audio.state !== "running"; }

function tones(list) {
  if (!audio || audio.state !== "running") return false;
  const start = audio.currentTime;
  for (const [offset, freq] of list) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.16);
  }
  return true;
}

// Priority 1: three rising tones; 2: the two-tone beep; 3: one soft tone. Escalation: the urgent pattern, twice.
const PATTERNS = {
  1: [[0, 660], [0.18, 880], [0.36, 1100]],
  2: [[0, 880], [0.18, 660]],
  3: [[0, 660]],
  escalation: [[0, 1100], [0.18, 880], [0.36, 1100], [0.54, 880]],
};

// Counts what was played, for the tests and the figures (window.__sounds).
export function play(kind) {
  window.__sounds = window.__sounds ?? [];
  window.__sounds.push({ kind: String(kind), at: Date.now(), played: tones(PATTERNS[kind] ?? PATTERNS[2]) });
}

export function beep() { play(2); }
