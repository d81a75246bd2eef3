'use strict';
// The live view: polls the latest analysed frame (JPEG, masks blanked as the model saw them) and its overlay, draws
// zones, lines, masks, the ground grid, detections and tracks; sends each edit to the agent's validator.
(() => {
  const S = window.Setup;
  const canvas = document.getElementById('frame');
  const ctx = canvas.getContext('2d');
  const latencies = [];
  let frames = 0;
  S.state = { doc: null, width: 768, height: 576, calibration: null, errors: [], valid: true, live: null, bitmap: null, pending: [] };

  S.api = async (method, url, body) => {
    const init = { method, cache: 'no-store', credentials: 'same-origin', headers: {} };
    if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
    const response = await fetch(url, init);
    if (response.status === 401) { document.body.textContent = S.t('signedOut'); throw new Error('signed out'); }
    return response;
  };

  let timer = null;
  let inFlight = Promise.resolve();
  // Every edit is checked by the agent's own validator; a valid one runs at once on the live view.
  S.sendDraft = () => {
    clearTimeout(timer);
    S.state.validating = true;
    document.body.dataset.draft = 'pending';
    document.getElementById('save').disabled = true;
    timer = setTimeout(() => {
      inFlight = inFlight.then(async () => {
        const response = await S.api('PUT', '/api/draft', S.state.doc);
        const result = await response.json();
        S.state.errors = result.errors;
        S.state.valid = result.ok;
        S.state.calibration = result.calibration ?? null;
        S.state.validating = false;
        S.showErrors();
        S.renderCalibrationReport();
        document.getElementById('save').disabled = !result.ok;
        document.body.dataset.draft = result.ok ? 'valid' : 'invalid';
        S.draw();
      }).catch(() => {});
    }, 120);
  };

  S.toCanvas = (x, y) => [x * canvas.width, y * canvas.height];

  // The whole frame fits on screen (1280 × 800 laptops included): as wide as the column, as tall as the window allows.
  function fit() {
    const top = canvas.getBoundingClientRect().top + window.scrollY;
    const room = Math.max(240, window.innerHeight - top - 150);
    const width = Math.min(canvas.parentElement.clientWidth, room * canvas.width / canvas.height);
    canvas.style.width = `${Math.floor(width)}px`;
  }
  window.addEventListener('resize', fit);
  S.fit = fit;

  function polygon(points, stroke, fill, dash) {
    if (!points || points.length === 0) return;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...S.toCanvas(x, y)));
    ctx.closePath();
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    ctx.setLineDash(dash ?? []);
    ctx.strokeStyle = stroke; ctx.lineWidth = 2; ctx.stroke();
    ctx.setLineDash([]);
  }

  function label(text, x, y, colour) {
    ctx.font = '13px system-ui, sans-serif';
    const w = ctx.measureText(text).width + 6;
    ctx.fillStyle = 'rgba(0,0,0,.65)'; ctx.fillRect(x, y - 15, w, 16);
    ctx.fillStyle = colour; ctx.fillText(text, x + 3, y - 3);
  }

  function arrow(x0, y0, x1, y1, colour, both) {
    const head = (ax, ay, bx, by) => {
      const a = Math.atan2(by - ay, bx - ax);
      ctx.beginPath(); ctx.moveTo(bx, by);
      ctx.lineTo(bx - 10 * Math.cos(a - 0.4), by - 10 * Math.sin(a - 0.4));
      ctx.lineTo(bx - 10 * Math.cos(a + 0.4), by - 10 * Math.sin(a + 0.4));
      ctx.closePath(); ctx.fill();
    };
    ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1, y1); ctx.stroke();
    head(x0, y0, x1, y1);
    if (both) head(x1, y1, x0, y0);
  }

  function drawLine(line) {
    const [[ax, ay], [bx, by]] = line.points.map(([x, y]) => S.toCanvas(x, y));
    ctx.strokeStyle = '#facc15'; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
    const len = Math.hypot(bx - ax, by - ay) || 1;
    // Left of A→B (image y down) is (dy, -dx): the forbidden crossing goes from one side to the other.
    const [nx, ny] = [(by - ay) / len * 28, -(bx - ax) / len * 28];
    const [mx, my] = [(ax + bx) / 2, (ay + by) / 2];
    const forbidden = line.forbidden ?? 'both';
    if (forbidden === 'right_to_left') arrow(mx - nx, my - ny, mx + nx, my + ny, '#ef4444');
    else arrow(mx + nx, my + ny, mx - nx, my - ny, '#ef4444', forbidden === 'both');
    label(`A ${line.name ?? line.id}`, ax + 4, ay, '#facc15');
    label('B', bx + 4, by, '#facc15');
  }

  function drawDocument(doc) {
    const errors = S.state.errors.join('\n');
    for (const mask of doc.privacyMasks ?? []) polygon(mask.polygon, '#9ca3af', 'rgba(0,0,0,.35)', [6, 4]);
    (doc.zones ?? []).forEach((zone, i) => {
      const bad = errors.includes(`zones[${i}]`);
      polygon(zone.polygon, bad ? '#ef4444' : '#3b82f6', bad ? 'rgba(239,68,68,.15)' : 'rgba(59,130,246,.15)', bad ? [8, 4] : null);
      const [x, y] = S.toCanvas(...zone.polygon[0]);
      label(zone.name ?? zone.id, x + 4, y, bad ? '#fca5a5' : '#bfdbfe');
      const v = zone.allowedDirection?.vector;
      if (v) {
        const cx = zone.polygon.reduce((s, p) => s + p[0], 0) / zone.polygon.length;
        const cy = zone.polygon.reduce((s, p) => s + p[1], 0) / zone.polygon.length;
        const [px, py] = S.toCanvas(cx, cy); const n = Math.hypot(v[0], v[1]) || 1;
        arrow(px - v[0] / n * 30, py - v[1] / n * 30, px + v[0] / n * 30, py + v[1] / n * 30, '#22c55e');
      }
    });
    for (const line of doc.lines ?? []) drawLine(line);
    if (S.state.calibration?.grid && document.getElementById('show-grid').checked) {
      ctx.strokeStyle = 'rgba(34,211,238,.7)'; ctx.lineWidth = 1;
      for (const flat of S.state.calibration.grid) {
        ctx.beginPath();
        for (let i = 0; i < flat.length; i += 2) (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...S.toCanvas(flat[i], flat[i + 1]));
        ctx.stroke();
      }
    }
    S.calibrationPoints().forEach((p, i) => {
      const [x, y] = S.toCanvas(...p.image);
      ctx.fillStyle = '#f0abfc'; ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill();
      label(`${i + 1}`, x + 6, y - 4, '#f0abfc');
    });
    canvas.dataset.gridLines = String(S.state.calibration?.grid?.length ?? 0);
  }

  function drawLive(live) {
    const inZone = new Set(live.tracks.filter(t => t.zones.length > 0).map(t => t.id));
    for (const t of live.tracks) {
      ctx.strokeStyle = 'rgba(255,255,255,.6)'; ctx.lineWidth = 1; ctx.beginPath();
      for (let i = 0; i < t.trail.length; i += 2) (i ? ctx.lineTo : ctx.moveTo).call(ctx, ...S.toCanvas(t.trail[i], t.trail[i + 1]));
      ctx.stroke();
    }
    for (const d of live.detections) {
      const colour = inZone.has(d.track) ? '#22c55e' : '#f97316';
      const [x, y] = S.toCanvas(d.x, d.y);
      ctx.strokeStyle = colour; ctx.lineWidth = inZone.has(d.track) ? 3 : 2;
      ctx.strokeRect(x, y, d.w * canvas.width, d.h * canvas.height);
      label(`${d.label}${d.track >= 0 ? ' #' + d.track : ''} ${S.num(d.score, 2)}`, x, y, colour);
    }
  }

  S.draw = () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (S.state.bitmap) ctx.drawImage(S.state.bitmap, 0, 0, canvas.width, canvas.height);
    if (S.state.doc) drawDocument(S.state.doc);
    if (S.state.live) drawLive(S.state.live);
    S.drawPending?.(ctx);
  };

  function percentile(values, p) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  }

  function recordLatency(ms) {
    latencies.push(ms);
    if (latencies.length > 300) latencies.shift();
    frames++;
    const out = document.getElementById('latency');
    const p50 = percentile(latencies, 0.5), p95 = percentile(latencies, 0.95);
    out.value = `${Math.round(p50)} ms (p95 ${Math.round(p95)} ms)`;
    out.dataset.p50 = String(p50); out.dataset.p95 = String(p95); out.dataset.samples = String(latencies.length);
  }
  setInterval(() => { document.getElementById('fps').textContent = `${frames} img/s`; frames = 0; }, 1000);

  async function liveLoop() {
    let after = 0;
    for (;;) {
      try {
        const response = await S.api('GET', `/api/live?after=${after}`);
        const arrived = performance.now();
        const status = document.getElementById('source-status');
        if (response.status === 204) {
          status.hidden = false;
          status.textContent = decodeURIComponent(response.headers.get('X-Status') || '') || S.t('noFrame');
          continue;
        }
        const live = await response.json();
        const image = await S.api('GET', `/api/frame?seq=${live.seq}`);
        const bitmap = await createImageBitmap(await image.blob());
        status.hidden = !live.status; status.textContent = live.status ?? '';
        if (canvas.width !== live.width || canvas.height !== live.height) { canvas.width = live.width; canvas.height = live.height; fit(); }
        S.state.bitmap?.close();
        S.state.bitmap = bitmap; S.state.live = live; after = live.seq;
        S.draw();
        S.renderLive(live);
        // Captured → displayed: the frame's age when the agent sent it, plus the time until the next paint here.
        requestAnimationFrame(() => recordLatency(live.ageMs + (performance.now() - arrived)));
      } catch (e) {
        if (e.message === 'signed out') return;
        await new Promise(r => setTimeout(r, 1000));
      }
    }
  }

  async function start() {
    S.setLang(document.getElementById('lang').value);
    const state = await (await S.api('GET', '/api/state')).json();
    S.state.doc = state.document;
    S.state.eventTypes = state.eventTypes;
    S.state.categories = state.categories;
    S.state.calibration = state.calibration ?? null;
    if (state.width > 0) { canvas.width = state.width; canvas.height = state.height; }
    document.getElementById('camera-id').textContent = state.cameraId;
    document.getElementById('lang').addEventListener('change', e => { S.setLang(e.target.value); S.renderPanel(); S.renderCalibrationReport(); });
    document.getElementById('show-grid').addEventListener('change', S.draw);
    fit();
    S.initEditing(canvas);
    S.renderPanel();
    S.renderCalibrationReport();
    document.body.dataset.ready = 'true';
    liveLoop();
  }

  start();
})();
