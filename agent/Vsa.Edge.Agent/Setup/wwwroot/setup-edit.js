'use strict';
// Drawing on the live view: zones and masks (polygons by clicking), lines (A then B), allowed directions, ground
// calibration points; dragging vertices with the Move tool. Every change is sent to the agent's validator.
(() => {
  const S = window.Setup;
  const HINTS = { select: 'hintSelect', zone: 'hintZone', mask: 'hintMask', line: 'hintLine', calib: 'hintCalib', direction: 'hintDirection' };
  let tool = 'select';
  let target = null; // the zone index whose allowed direction is being drawn
  let drag = null;
  let canvas = null;
  S.state = S.state ?? {};

  const round = v => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  S.uniqueId = prefix => {
    const doc = S.state.doc;
    const taken = new Set([...(doc.zones ?? []), ...(doc.lines ?? []), ...(doc.privacyMasks ?? [])].map(x => x.id));
    for (let n = 1; ; n++) if (!taken.has(`${prefix}-${n}`)) return `${prefix}-${n}`;
  };

  // Calibration points clicked but not yet given their ground position stay here; complete ones go to the document.
  S.calibrationPoints = () => S.state.calib ?? [];
  S.syncCalibration = () => {
    const complete = S.calibrationPoints().filter(p => p.world.every(v => typeof v === 'number' && Number.isFinite(v)));
    if (complete.length === 0) delete S.state.doc.calibration;
    else S.state.doc.calibration = { points: complete.map(p => ({ image: p.image, world: p.world })) };
  };

  S.setTool = (name, zoneIndex = null) => {
    tool = name; target = zoneIndex; S.state.pending = [];
    document.querySelectorAll('#toolbar [data-tool]').forEach(b => b.classList.toggle('active', b.dataset.tool === name));
    document.getElementById('hint').textContent = S.t(HINTS[name]);
    document.getElementById('finish').hidden = !(name === 'zone' || name === 'mask');
    document.getElementById('cancel').hidden = name === 'select';
    S.draw();
  };

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    return [round((event.clientX - rect.left) / rect.width), round((event.clientY - rect.top) / rect.height)];
  }

  function near(a, b) {
    const rect = canvas.getBoundingClientRect();
    return Math.hypot((a[0] - b[0]) * rect.width, (a[1] - b[1]) * rect.height) < 10;
  }

  function finishPolygon() {
    const points = S.state.pending;
    if (points.length < 3) return;
    const doc = S.state.doc;
    if (tool === 'zone') {
      const id = S.uniqueId('zone');
      (doc.zones ??= []).push({ id, name: id, polygon: points });
    } else {
      (doc.privacyMasks ??= []).push({ id: S.uniqueId('masque'), polygon: points });
    }
    S.setTool('select');
    S.changed();
  }

  function click(event) {
    const p = point(event);
    const pending = S.state.pending;
    const doc = S.state.doc;
    if (tool === 'zone' || tool === 'mask') {
      if (pending.length >= 3 && near(p, pending[0])) { finishPolygon(); return; }
      pending.push(p);
    } else if (tool === 'line' || tool === 'direction') {
      pending.push(p);
      if (pending.length < 2) { S.draw(); return; }
      if (tool === 'line') {
        const id = S.uniqueId('ligne');
        (doc.lines ??= []).push({ id, name: id, points: [pending[0], pending[1]], forbidden: 'both' });
      } else if (doc.zones?.[target]) {
        const r4 = v => Math.round(v * 10000) / 10000;
        doc.zones[target].allowedDirection = { vector: [r4(pending[1][0] - pending[0][0]), r4(pending[1][1] - pending[0][1])] };
      }
      S.setTool('select');
      S.changed();
      return;
    } else if (tool === 'calib') {
      (S.state.calib ??= []).push({ image: p, world: [null, null] });
      S.renderPanel();
    }
    S.draw();
  }

  // Every draggable vertex: [array holding the point, index].
  function vertices() {
    const doc = S.state.doc;
    const all = [];
    for (const z of doc.zones ?? []) z.polygon.forEach((_, i) => all.push([z.polygon, i]));
    for (const m of doc.privacyMasks ?? []) m.polygon.forEach((_, i) => all.push([m.polygon, i]));
    for (const l of doc.lines ?? []) l.points.forEach((_, i) => all.push([l.points, i]));
    for (const c of S.calibrationPoints()) all.push([c, 'image']);
    return all;
  }

  S.drawPending = ctx => {
    const pending = S.state.pending ?? [];
    if (pending.length === 0) return;
    ctx.strokeStyle = '#fde047'; ctx.fillStyle = '#fde047'; ctx.lineWidth = 2; ctx.setLineDash([5, 4]);
    ctx.beginPath();
    pending.forEach(([x, y], i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...S.toCanvas(x, y)));
    ctx.stroke(); ctx.setLineDash([]);
    for (const [x, y] of pending) { ctx.beginPath(); ctx.arc(...S.toCanvas(x, y), 4, 0, 2 * Math.PI); ctx.fill(); }
  };

  S.changed = () => { S.syncCalibration(); S.renderPanel(); S.draw(); S.sendDraft(); };

  S.initEditing = element => {
    canvas = element;
    document.querySelectorAll('#toolbar [data-tool]').forEach(b => b.addEventListener('click', () => S.setTool(b.dataset.tool)));
    document.getElementById('finish').addEventListener('click', finishPolygon);
    document.getElementById('cancel').addEventListener('click', () => S.setTool('select'));
    document.addEventListener('keydown', e => {
      if (e.key === 'Escape') S.setTool('select');
      if (e.key === 'Enter' && (tool === 'zone' || tool === 'mask')) finishPolygon();
    });
    S.state.calib = (S.state.doc.calibration?.points ?? []).map(p => ({ image: [...p.image], world: [...p.world] }));
    canvas.addEventListener('mousedown', e => {
      if (tool !== 'select') return;
      const p = point(e);
      const hit = vertices().find(([holder, i]) => near(p, holder[i]));
      if (hit) drag = hit;
    });
    canvas.addEventListener('mousemove', e => {
      if (!drag) return;
      drag[0][drag[1]] = point(e);
      S.draw();
    });
    canvas.addEventListener('mouseup', e => {
      if (drag) { drag = null; S.changed(); return; }
      if (tool !== 'select') click(e);
    });
    document.getElementById('add-event').addEventListener('click', () => {
      const doc = S.state.doc;
      const zone = doc.zones?.[0]?.id;
      doc.events.push(zone ? { type: 'intrusion', zones: [zone], categories: ['person'], minDurationSeconds: 2 } : { type: 'fire' });
      S.changed();
    });
    document.getElementById('save').addEventListener('click', async () => {
      const result = document.getElementById('save-result');
      if (!S.state.valid) { result.textContent = S.t('cannotSave'); return; }
      const response = await S.api('POST', '/api/save', {});
      const body = await response.json();
      result.textContent = body.ok ? S.t('saved') + body.paths.join(', ') : body.errors.join('; ');
      result.dataset.state = body.ok ? 'saved' : 'failed';
    });
    S.setTool('select');
  };
})();
