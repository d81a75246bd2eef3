// The console's keyboard (the "?" dialog lists it): g + a letter changes view, u undoes, and in the queue j/k move,
// Enter opens, c/d decide, p claims, v opens the video software, arrows expand or collapse an incident. A key typed in
// a field, or with a modifier, is the field's own.
import { unlockAudio } from "./sound.js";
import { vmsAction } from "./vms.js";

const $ = (id) => document.getElementById(id);

function typing(target) {
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) && target.type !== "radio" && target.type !== "checkbox";
}

// ctx: me(), view(), selectedId() and the app's detail, decider, move(step), select(id, focusDetail), expandSelected(open).
export function createKeyHandler(ctx) {
  let pendingG = false;
  return function onKey(e) {
    unlockAudio();
    const me = ctx.me();
    if (!me) return;
    const { detail } = ctx;
    if (detail.handleFormKey(e)) return;
    if (typing(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
    // Enter on a focused button or link is that control's own activation.
    if (e.key === "Enter" && ["BUTTON", "A"].includes(e.target.tagName)) return;
    const help = $("help");
    if (e.key === "?") { e.preventDefault(); help.open ? help.close() : help.showModal(); return; }
    if (pendingG) {
      pendingG = false;
      const target = { a: "queue", p: "devices", e: "evaluation", h: "history" }[e.key];
      if (target) { location.hash = `#/${target}`; e.preventDefault(); }
      return;
    }
    if (e.key === "g") { pendingG = true; return; }
    if (e.key === "u" && ctx.decider.undo()) { e.preventDefault(); return; }
    if (ctx.view() !== "queue") return;
    switch (e.key) {
      case "j": case "ArrowDown": e.preventDefault(); ctx.move(1); break;
      case "k": case "ArrowUp": e.preventDefault(); ctx.move(-1); break;
      case "Enter": if (ctx.selectedId()) { e.preventDefault(); ctx.select(ctx.selectedId(), true); } break;
      case "c": e.preventDefault(); detail.openForm("confirmed"); break;
      case "d": e.preventDefault(); detail.openForm("dismissed"); break;
      case "p": if (me.role === "operator" && detail.current) { e.preventDefault(); $("btn-claim").click(); } break;
      case "v": if (detail.current) { e.preventDefault(); vmsAction(detail.current); } break;
      case "ArrowRight": e.preventDefault(); ctx.expandSelected(true); break;
      case "ArrowLeft": e.preventDefault(); ctx.expandSelected(false); break;
      default: break;
    }
  };
}
