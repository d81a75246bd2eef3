// Renders at most once per turn of the event loop. Live events update what the page holds at once and ask for a render:
// the events of one network read (a burst, or a backlog after a busy moment) then cost one render of the queue, not one
// each. A message posted to ourselves runs right after the current task, even in a background tab (where timers are
// throttled to one a second), so nothing waits longer than the work before it.
export function createRenderScheduler(render) {
  let pending = false;
  const after = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    pending = false;
    render();
    for (const then of after.splice(0)) then();
  };
  // then: what must follow the render (optional), in the order asked.
  return (then) => {
    if (then) after.push(then);
    if (!pending) {
      pending = true;
      channel.port2.postMessage(null);
    }
  };
}
