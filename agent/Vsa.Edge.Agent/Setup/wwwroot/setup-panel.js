'use strict';
// The side panel (fields of zones, lines, masks, calibration, events, each with the validator's error next to it) and
// the live lists (what each enabled event would do now, the tracks and the zones they are in).
(() => {
  const S = window.Setup;

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'on') Object.entries(v).forEach(([type, f]) => e.addEventListener(type, f));
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
    }
    e.append(...children.filter(c => c !== null && c !== undefined));
    return e;
  }
  const err = path => el('small', { class: 'error', 'data-err-for': path });
  const text = (path, value, onInput, cls) => el('input', { type: 'text', class: cls, value: value ?? '', 'data-path': path, on: { change: e => onInput(e.target.value) } });
  const remove = onClick => el('button', { type: 'button', class: 'danger', on: { click: onClick } }, S.t('remove'));

  function renameEverywhere(oldId, newId) {
    for (const ev of S.state.doc.events) {
      ev.zones = ev.zones?.map(z => (z === oldId ? newId : z));
      ev.lines = ev.lines?.map(l => (l === oldId ? newId : l));
    }
  }

  function dropReferences(id) {
    for (const ev of S.state.doc.events) {
      if (ev.zones) ev.zones = ev.zones.filter(z => z !== id);
      if (ev.lines) { ev.lines = ev.lines.filter(l => l !== id); if (ev.lines.length === 0) delete ev.lines; }
    }
  }

  function zoneFields(zone, i) {
    const at = `zones[${i}]`;
    const direction = zone.allowedDirection?.vector ? 'vector' : zone.allowedDirection?.fromLine ? 'lines' : 'none';
    return el('fieldset', { 'data-path': at },
      el('legend', {}, zone.name ?? zone.id),
      el('label', {}, S.t('id'), text(`${at}.id`, zone.id, v => { renameEverywhere(zone.id, v); zone.id = v; S.changed(); }, 'id')),
      el('label', {}, S.t('name'), text(`${at}.name`, zone.name, v => { zone.name = v || undefined; S.changed(); })), err(`${at}.id`),
      err(`${at}.polygon`), err(at),
      el('label', {}, S.t('direction'), el('select', { 'data-path': `${at}.allowedDirection`, on: { change: e => {
        if (e.target.value === 'none') delete zone.allowedDirection;
        else if (e.target.value === 'vector') { S.setTool('direction', i); return; }
        else zone.allowedDirection = { fromLine: S.state.doc.lines?.[0]?.id ?? '', toLine: S.state.doc.lines?.[1]?.id ?? '' };
        S.changed();
      } } }, ...[['none', S.t('none')], ['vector', S.t('vector')], ['lines', S.t('fromTo')]].map(([v, label]) => el('option', { value: v, selected: v === direction }, label)))),
      direction === 'lines' ? el('span', {},
        ...['fromLine', 'toLine'].map(k => el('select', { on: { change: e => { zone.allowedDirection[k] = e.target.value; S.changed(); } } },
          ...(S.state.doc.lines ?? []).map(l => el('option', { value: l.id, selected: l.id === zone.allowedDirection[k] }, l.id))))) : null,
      direction === 'vector' ? el('button', { type: 'button', on: { click: () => S.setTool('direction', i) } }, S.t('draw')) : null,
      err(`${at}.allowedDirection`),
      remove(() => { S.state.doc.zones.splice(i, 1); dropReferences(zone.id); S.changed(); }));
  }

  function lineFields(line, i) {
    const at = `lines[${i}]`;
    return el('fieldset', { 'data-path': at },
      el('legend', {}, line.name ?? line.id),
      el('label', {}, S.t('id'), text(`${at}.id`, line.id, v => { renameEverywhere(line.id, v); line.id = v; S.changed(); }, 'id')),
      el('label', {}, S.t('name'), text(`${at}.name`, line.name, v => { line.name = v || undefined; S.changed(); })), err(`${at}.id`),
      el('label', {}, S.t('forbidden'), el('select', { 'data-path': `${at}.forbidden`, on: { change: e => { line.forbidden = e.target.value; S.changed(); } } },
        ...['both', 'left_to_right', 'right_to_left'].map(v => el('option', { value: v, selected: (line.forbidden ?? 'both') === v }, S.t(v))))),
      err(`${at}.forbidden`), err(`${at}.points`), err(at),
      remove(() => { S.state.doc.lines.splice(i, 1); dropReferences(line.id); S.changed(); }));
  }

  function maskFields(mask, i) {
    const at = `privacyMasks[${i}]`;
    return el('fieldset', { 'data-path': at }, el('legend', {}, mask.id ?? `#${i + 1}`), err(`${at}.polygon`), err(at),
      remove(() => { S.state.doc.privacyMasks.splice(i, 1); S.changed(); }));
  }

  function calibrationFields() {
    const points = S.calibrationPoints();
    const number = (p, k) => el('input', { type: 'number', step: '0.01', value: p.world[k] ?? '', 'aria-label': `${k ? 'y' : 'x'} (m)`,
      on: { change: e => { p.world[k] = e.target.value === '' ? null : Number(e.target.value); S.changed(); } } });
    return el('div', {},
      el('table', { id: 'calib-points' }, el('tr', {}, el('th', {}, S.t('point')), el('th', {}, S.t('image')), el('th', {}, S.t('ground')), el('th', {})),
        ...points.map((p, i) => el('tr', { 'data-path': `calibration.points[${i}]` },
          el('td', {}, String(i + 1)), el('td', {}, `${S.num(p.image[0], 3)} ; ${S.num(p.image[1], 3)}`),
          el('td', {}, number(p, 0), number(p, 1), err(`calibration.points[${i}]`)),
          el('td', {}, remove(() => { points.splice(i, 1); S.changed(); }))))),
      el('p', { id: 'calib-report', 'aria-live': 'polite' }), err('calibration'));
  }

  function eventFields(ev, i) {
    const at = `events[${i}]`;
    const doc = S.state.doc;
    const toggle = (key, id) => el('input', { type: 'checkbox', checked: (ev[key] ?? []).includes(id), on: { change: e => {
      const list = new Set(ev[key] ?? []);
      if (e.target.checked) list.add(id); else list.delete(id);
      ev[key] = [...list];
      if (key === 'lines' && ev.lines.length === 0) delete ev.lines;
      S.changed();
    } } });
    return el('fieldset', { 'data-path': at },
      el('legend', {}, S.eventName(ev.type)),
      el('label', {}, S.t('type'), el('select', { 'data-path': `${at}.type`, on: { change: e => { ev.type = e.target.value; S.changed(); } } },
        ...S.state.eventTypes.map(t => el('option', { value: t, selected: t === ev.type }, S.eventName(t))))),
      el('label', {}, el('input', { type: 'checkbox', checked: ev.enabled !== false, on: { change: e => { if (e.target.checked) delete ev.enabled; else ev.enabled = false; S.changed(); } } }), S.t('enabled')),
      err(`${at}.type`),
      el('div', {}, S.t('zones') + ' : ', ...(doc.zones ?? []).map(z => el('label', {}, toggle('zones', z.id), z.name ?? z.id))), err(`${at}.zones`),
      (doc.lines ?? []).length ? el('div', {}, S.t('lines') + ' : ', ...doc.lines.map(l => el('label', {}, toggle('lines', l.id), l.name ?? l.id))) : null, err(`${at}.lines`),
      el('label', {}, S.t('minDuration'), el('input', { type: 'number', step: '0.5', min: '0', value: ev.minDurationSeconds ?? '', 'data-path': `${at}.minDurationSeconds`,
        on: { change: e => { if (e.target.value === '') delete ev.minDurationSeconds; else ev.minDurationSeconds = Number(e.target.value); S.changed(); } } })),
      err(`${at}.minDurationSeconds`), err(`${at}.categories`), err(`${at}.parameters`), err(`${at}.schedule`), err(at),
      remove(() => { doc.events.splice(i, 1); S.changed(); }));
  }

  S.renderPanel = () => {
    const doc = S.state.doc;
    document.getElementById('zones').replaceChildren(...(doc.zones ?? []).map(zoneFields));
    document.getElementById('lines').replaceChildren(...(doc.lines ?? []).map(lineFields));
    document.getElementById('masks').replaceChildren(...(doc.privacyMasks ?? []).map(maskFields));
    document.getElementById('calibration').replaceChildren(calibrationFields());
    document.getElementById('events').replaceChildren(...doc.events.map(eventFields));
    S.applyI18n();
    S.showErrors();
    S.renderCalibrationReport();
  };

  // Each error goes next to the field whose path is the longest prefix of its own; the rest above the panel.
  S.showErrors = () => {
    const slots = [...document.querySelectorAll('[data-err-for]')];
    slots.forEach(s => { s.textContent = ''; });
    document.querySelectorAll('.invalid').forEach(e => e.classList.remove('invalid'));
    const general = [];
    for (const error of S.state.errors ?? []) {
      const split = error.indexOf(': ');
      const path = split > 0 ? error.slice(0, split) : '$';
      const message = split > 0 ? error.slice(split + 2) : error;
      const fits = s => path === s.dataset.errFor || path.startsWith(s.dataset.errFor + '.') || path.startsWith(s.dataset.errFor + '[');
      const slot = slots.filter(fits).sort((a, b) => b.dataset.errFor.length - a.dataset.errFor.length)[0];
      if (slot) { slot.textContent += (slot.textContent ? ' · ' : '') + `${path} : ${S.gloss(message)}`; slot.closest('fieldset')?.classList.add('invalid'); }
      else general.push(`${path} : ${S.gloss(message)}`);
    }
    const box = document.getElementById('errors');
    box.hidden = general.length === 0;
    box.textContent = general.join('\n');
  };

  S.renderCalibrationReport = () => {
    const out = document.getElementById('calib-report');
    if (!out) return;
    const c = S.state.calibration;
    if (!c) { out.textContent = S.t('noCalibration'); delete out.dataset.rmsPixels; return; }
    if (c.problem) { out.textContent = c.problem; delete out.dataset.rmsPixels; return; }
    out.textContent = `${S.t('reprojection')} : ${S.num(c.rmsPixels, 2)} px (RMS), ${S.num(c.rmsMetres, 3)} m au sol · ` +
      c.pointErrorsPixels.map((e, i) => `${i + 1} : ${S.num(e, 1)} px`).join(', ');
    out.dataset.rmsPixels = String(c.rmsPixels);
    out.dataset.rmsMetres = String(c.rmsMetres);
  };

  function status(s) {
    const name = S.eventName(s.type);
    const what = s.count === 0 ? `${S.t('nobody')} ${S.noun(s.category, 1)}` : `${s.count} ${S.noun(s.category, s.count)}`;
    let line;
    if (s.line) line = `${name} : ${S.t('onLine')} « ${s.line} » ${S.t('watched')}`;
    else if (s.zone) line = `${name} : ${what} ${S.t('inTheZone')} « ${s.zone} »`;
    else line = `${name} : ${what} ${S.t('inFrame')}`;
    if (s.seconds !== null && s.seconds !== undefined && s.count > 0) line += ` ${S.t('since')} ${S.num(s.seconds)} s`;
    if (!s.enabled) return `${line} (${S.t('disabled')})`;
    if (s.alertSeconds !== null && s.alertSeconds !== undefined) return `${line} — ${S.t('alertOpen')} ${S.num(s.alertSeconds)} s`;
    return `${line} — ${S.t('alertAfter')} ${S.num(s.minDuration)} s`;
  }

  S.renderLive = live => {
    document.getElementById('status-events').replaceChildren(...live.events.map(s =>
      el('li', { class: s.alertSeconds != null ? 'alert' : null, dataset: { event: s.type, zone: s.zone ?? s.line ?? '', count: String(s.count) } }, status(s))));
    document.getElementById('tracks').replaceChildren(...live.tracks.map(t =>
      el('li', { class: t.zones.length ? 'in-zone' : null, dataset: { track: String(t.id), zones: t.zones.join(' ') } },
        `#${t.id} ${t.label} — ${t.zones.length ? `${S.t('inZone')} « ${t.zones.join(' », « ')} »` : S.t('outside')}` +
        t.lines.map(l => ` · ${l.line} : ${S.t(l.side)}`).join(''))));
  };
})();
