/* Coverage page: a status grid of target requirements (grouped by chapter / clause) against systems. */
'use strict';

(() => {
  const { api, el, $, $$, say, fillSelect, STATUSES, STATUS_TEXT } = GS;
  const form = $('#covform');
  const msg = $('#covmsg');
  let choices = { systems: [], certs: [], orgs: [] };
  let model = null; // what is on screen
  const detailCache = new Map(); // system id → coverage with paths (org mode)

  /* a gap with no counterpart in the starting frameworks differs from one that nothing reached */
  const GAP_TEXT = { 'no-counterpart': 'no counterpart', 'not-reached': 'not reached' };

  const short = (id) => String(id || '').replace(/^gsd:/, '');
  const certOrg = (c) => c.id.split('/')[1] || '';
  const enc = (s) => s.split('/').map(encodeURIComponent).join('/');

  function mode() { return form.elements.mode.value; }

  function showMode() {
    const m = mode();
    for (const f of $$('[data-mode]', form)) f.hidden = f.dataset.mode !== m;
  }

  function fillSubjects(keep) {
    const org = $('#org').value;
    const sys = choices.systems.filter((s) => s.org === org);
    fillSelect($('#system'), sys.map((s) => [s.id, s.label + ' (' + s.id + ')']), keep && keep.system);
    const certs = choices.certs.filter((c) => certOrg(c) === org);
    fillSelect(
      $('#certificate'),
      certs.map((c) => [c.id, c.label + ' (' + c.framework + ', ' + c.valid_from + ' to ' + c.valid_until + ')']),
      keep && keep.certificate,
    );
  }

  async function loadChoices(p) {
    const [cfg, fws, layers, systems, certs, orgs] = await Promise.all([
      GS.config(), GS.frameworks(), GS.layers(), api('/systems'), api('/certificates'),
      api('/orgs').catch(() => []),
    ]);
    choices = { systems, certs, orgs };
    const labels = new Map();
    for (const s of systems) labels.set(s.org, s.org_label);
    const ids = new Set([...orgs.map((o) => o.id), ...systems.map((s) => s.org), ...certs.map(certOrg)]);
    const orgOptions = [...ids].filter(Boolean).sort().map((id) => [id, labels.has(id) ? labels.get(id) + ' (' + id + ')' : id]);
    let org = p.get('org');
    if (!org && p.get('system')) org = p.get('system').split('/')[0];
    if (!org && p.get('certificate')) org = p.get('certificate').split('/')[1];
    fillSelect($('#org'), orgOptions, org || undefined);
    fillSubjects({ system: p.get('system'), certificate: p.get('certificate') });
    fillSelect($('#target'), fws.map((f) => [f.id, f.id + ': ' + f.title]), p.get('target') || 'euaia');
    fillSelect($('#law_version'), layers, p.get('law_version') || cfg.law_version);
    $('#as_of').value = p.get('as_of') || cfg.today || GS.today();
    const m = p.get('certificate') ? 'certificate' : p.get('mode') || (p.get('system') ? 'system' : 'system');
    form.elements.mode.value = m;
    showMode();
  }

  function query(extra) {
    const q = new URLSearchParams({
      target: $('#target').value, as_of: $('#as_of').value, law_version: $('#law_version').value,
    });
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q.toString();
  }

  function routes() {
    const m = mode();
    if (m === 'system') {
      const id = $('#system').value;
      return { json: '/coverage/system/' + enc(id), export: '/export/coverage/system/' + enc(id), explain: true, stem: id };
    }
    if (m === 'certificate') {
      const id = $('#certificate').value;
      return { json: '/coverage/certificate/' + enc(id), export: '/export/coverage/certificate/' + enc(id), explain: true, stem: id };
    }
    const org = $('#org').value;
    return { json: '/coverage/org/' + encodeURIComponent(org), export: '/export/coverage/org/' + encodeURIComponent(org), explain: false, stem: org };
  }

  /* one column per system (or the certificate), each a Map curie → requirement */
  function columns(data) {
    const col = (key, label, sub, reqs, extra) => Object.assign(
      { key, label, sub, reqs: new Map(reqs.map((r) => [r.curie, r])), list: reqs }, extra || {});
    if (data.certificate) {
      return [col('certificate', data.certificate.label, data.certificate.holder, data.requirements, { summary: data.summary })];
    }
    if (data.systems) {
      return data.systems.map((s) => col(short(s.system.id), s.system.label, short(s.system.id).replace(/^system\//, ''),
        s.requirements, { summary: s.summary, by_origin: s.by_origin, systemId: short(s.system.id).replace(/^system\//, '') }));
    }
    return [col(short(data.system.id), data.system.label, short(data.system.id).replace(/^system\//, ''), data.requirements,
      { summary: data.summary, by_origin: data.by_origin, systemId: short(data.system.id).replace(/^system\//, ''), full: data })];
  }

  function countsText(counts) {
    return STATUSES.filter((s) => counts[s]).map((s) => counts[s] + ' ' + s).join(', ') || 'none';
  }

  function tally(list) {
    const c = Object.fromEntries(STATUSES.map((s) => [s, 0]));
    for (const r of list) c[r.status] = (c[r.status] || 0) + 1;
    return c;
  }

  function bar(counts) {
    const total = STATUSES.reduce((a, s) => a + (counts[s] || 0), 0) || 1;
    return el('div', { class: 'bar', 'aria-hidden': 'true' },
      STATUSES.filter((s) => counts[s]).map((s) => el('span', { class: 'st-' + s, style: 'width:' + (100 * counts[s] / total) + '%' })));
  }

  /* -- context: what was assessed, what was not counted, provider vs you --------------------- */
  function renderContext(data, cols) {
    const box = $('#context');
    box.replaceChildren();
    const cards = $('#cards');
    cards.replaceChildren();
    const summary = data.summary;
    for (const s of STATUSES) {
      cards.append(el('div', { class: 'card' }, el('h3', {}, GS.statusSwatch(s)),
        el('div', { class: 'big', text: String(summary[s] || 0) }),
        el('div', { class: 'small muted', text: s === 'gap' && data.gap_kinds ? data.gap_kinds['no-counterpart'] + ' no counterpart; ' + data.gap_kinds['not-reached'] + ' not reached'
          : { 'not-applicable': 'do not bind this system', upcoming: 'bind it from a later date', conditional: 'bind it on a condition not yet known' }[s] || 'requirements' })));
    }
    if (data.system) {
      const s = data.system;
      box.append(el('p', {},
        'Roles: ', el('strong', { text: (s.roles || []).join(', ') || 'none' }),
        '; EU AI Act categories: ', el('strong', { text: (s.categories || []).join(', ') || 'none' }),
        (s.depends_on || []).length ? '; builds on ' : '',
        (s.depends_on || []).map((d) => d.label + ' (' + d.organisation + ')').join(', '), '.'));
      const origin = data.by_origin || {};
      const gaps = data.requirements.filter((r) => r.status === 'gap').length;
      const partial = data.requirements.filter((r) => r.status === 'partial');
      const residual = new Map();
      for (const r of data.requirements) {
        if (r.status === 'not-applicable') continue;
        for (const t of r.residual || []) {
          if (!residual.has(t)) residual.set(t, []);
          residual.get(t).push(r.notation);
        }
      }
      const met = data.requirements.filter((r) => r.status === 'satisfied' || r.status === 'partial');
      const fromProvider = met.filter((r) => r.via.includes('inherited') || r.via.includes('shared')).length;
      const onlyProvider = met.filter((r) => !r.via.includes('own')).length;
      cards.append(el('div', { class: 'card provider', title: (origin.inherited || 0) + ' reached by provided items, ' + (origin.shared || 0) + ' by shared ones' },
        el('h3', { text: 'Through the provider' }),
        el('div', { class: 'big', text: String(fromProvider) }),
        el('div', { class: 'small', text: onlyProvider + ' by the provider alone' })));
      cards.append(el('div', { class: 'card' }, el('h3', { text: 'Through your own items' }),
        el('div', { class: 'big', text: String(origin.own || 0) }),
        el('div', { class: 'small', text: 'controls and certificates' })));
      cards.append(el('div', { class: 'card you' }, el('h3', { text: 'Left for you' }),
        el('div', { class: 'big', text: String(gaps) }),
        el('div', { class: 'small', text: 'gaps; ' + partial.length + ' partial; ' + residual.size + ' residual duties' })));
      if (residual.size) {
        const det = el('details', { class: 'notice' }, el('summary', {},
          el('strong', { text: 'Left for you: ' + residual.size + ' residual responsibilities from shared controls and certificates' })));
        det.append(el('ul', { class: 'residual' }, [...residual].map(([t, ns]) =>
          el('li', {}, t, el('span', { class: 'muted small', text: ' (' + ns.length + ': ' + ns.slice(0, 8).join(', ') + (ns.length > 8 ? ', …' : '') + ')' })))));
        box.append(det);
      }
      const certs = data.certificates || [];
      if (certs.length) {
        box.append(el('details', {}, el('summary', { text: certs.length + ' certificates considered' }),
          el('ul', {}, certs.map((c) => el('li', {}, c.label + ' (' + c.framework + ', valid ' + c.valid_from + ' to ' + c.valid_until + ') ',
            el('span', { class: 'tag ' + (c.valid_on_date ? 'valid' : 'expired'), text: c.valid_on_date ? 'valid on the date' : 'not valid on the date' }),
            c.inherited ? el('span', { class: 'tag', text: 'inherited' }) : null)))));
      }
      if ((data.ignored || []).length) {
        box.append(el('details', {}, el('summary', { text: data.ignored.length + ' items not counted' }),
          el('ul', {}, data.ignored.map((i) => el('li', {}, i.kind + ' ' + short(i.id) + ' (' + i.label + '): ' + i.reason)))));
      }
    } else if (data.certificate) {
      const c = data.certificate;
      box.append(el('p', {}, c.holder + '; issued by ' + (c.issuer || 'unknown') + (c.accreditation ? ', accredited by ' + c.accreditation : '') +
        '; valid ' + c.valid_from + ' to ' + c.valid_until + ' ',
        el('span', { class: 'tag ' + (c.valid_on_date ? 'valid' : 'expired'), text: c.valid_on_date ? 'valid on the date' : 'not valid on the date' })));
      if ((c.excluded || []).length) {
        box.append(el('details', {}, el('summary', { text: c.excluded.length + ' Statement of Applicability exclusions' }),
          el('ul', {}, c.excluded.map((x) => el('li', { text: x.requirement + ': ' + x.reason })))));
      }
      box.append(el('p', { class: 'small muted', text: 'A certificate alone: no applicability filter (nothing is "not applicable"); use an AI system to see what binds it.' }));
    } else {
      box.append(el('p', {}, cols.length + ' AI systems of ' + data.organisation.replace(/.*\//, '') + '.'));
    }
  }

  /* -- overview: chapters × columns ------------------------------------------------------------ */
  function renderOverview(groups, cols) {
    const table = el('table', { class: 'overview data' },
      el('caption', { class: 'visually-hidden', text: 'Status counts by chapter or clause' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Chapter / clause' }),
        cols.map((c) => el('th', { scope: 'col', text: c.label })))));
    const tbody = el('tbody');
    groups.forEach((g, gi) => {
      tbody.append(el('tr', {}, el('th', { scope: 'row' }, el('a', { href: '#g-' + gi, text: g.label })),
        cols.map((c) => {
          const counts = tally(g.rows.map((curie) => c.reqs.get(curie)).filter(Boolean));
          return el('td', {}, bar(counts), el('div', { class: 'counts', text: countsText(counts) }));
        })));
    });
    table.append(tbody);
    $('#overview').replaceChildren(table);
  }

  /* -- the grid ------------------------------------------------------------------------------- */
  function renderLegend() {
    const ul = $('#legend');
    ul.replaceChildren(...STATUSES.map((s) => el('li', {}, el('label', {},
      el('input', { type: 'checkbox', value: s, checked: true, on: { change: applyFilter } }), GS.statusSwatch(s),
      el('span', { class: 'small muted', text: String(model.data.summary[s] || 0) })))));
  }

  function applyFilter() {
    const show = new Set($$('#legend input:checked').map((i) => i.value));
    for (const tr of $$('#grid tbody tr[data-curie]')) {
      tr.hidden = !$$('button.cell', tr).some((b) => show.has(b.dataset.status));
    }
    for (const tr of $$('#grid tbody tr.group')) {
      let n = tr.nextElementSibling;
      let any = false;
      while (n && !n.classList.contains('group')) { if (!n.hidden) any = true; n = n.nextElementSibling; }
      tr.hidden = !any;
    }
  }

  function renderGrid(groups, cols) {
    const table = el('table', { class: 'heat data', id: 'heatmap' },
      el('caption', { class: 'visually-hidden', text: 'Coverage status of each requirement for each column; each cell is a button that shows its justification' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Requirement' }),
        cols.map((c) => el('th', { scope: 'col' }, c.label, el('br'), el('span', { class: 'small muted', text: c.sub || '' }))))));
    const tbody = el('tbody');
    groups.forEach((g, gi) => {
      const counts = cols.map((c) => tally(g.rows.map((curie) => c.reqs.get(curie)).filter(Boolean)));
      tbody.append(el('tr', { class: 'group' }, el('th', { colspan: cols.length + 1, id: 'g-' + gi, scope: 'colgroup' },
        g.label, el('span', { class: 'counts', text: cols.length === 1 ? countsText(counts[0]) : g.rows.length + (g.rows.length === 1 ? ' requirement' : ' requirements') }))));
      for (const curie of g.rows) {
        const any = cols.map((c) => c.reqs.get(curie)).find(Boolean);
        const tr = el('tr', { dataset: { curie } },
          el('th', { scope: 'row' }, el('span', { class: 'n', text: any.notation }), any.title));
        cols.forEach((c, ci) => {
          const r = c.reqs.get(curie);
          if (!r) { tr.append(el('td', { text: '' })); return; }
          tr.append(el('td', {}, el('button', {
            type: 'button', class: 'cell st-' + r.status, 'aria-pressed': 'false',
            'aria-label': r.notation + ' ' + r.title + ', ' + c.label + ': ' + r.status + (r.gap ? ' (' + GAP_TEXT[r.gap.kind] + ')' : '') + (r.via.length ? ' via ' + r.via.join(', ') : '') + '. Show justification',
            dataset: { curie, col: String(ci), status: r.status, gap: r.gap ? r.gap.kind : '' },
            on: { click: (ev) => showDetail(ev.currentTarget, c, r) },
          }, STATUS_TEXT[r.status], r.gap ? el('span', { class: 'via gap-' + r.gap.kind, text: ' · ' + GAP_TEXT[r.gap.kind] }) : null,
            r.via.length ? el('span', { class: 'via', text: ' · ' + r.via.join(', ') }) : null)));
        });
        tbody.append(tr);
      }
    });
    table.append(tbody);
    $('#grid').replaceChildren(table);
  }

  /* -- the detail panel ------------------------------------------------------------------------ */
  const KIND = {
    control: 'control', certificate: 'certificate', 'inherited-control': 'provider control',
    'inherited-certificate': 'provider certificate', attestation: 'attestation',
    'inherited-attestation': 'provider attestation',
  };

  function node(fw, text, cls) {
    return el('span', { class: 'node ' + (cls || '') }, fw ? el('span', { class: 'fw', text: fw }) : null, text);
  }

  function edge(label, sub, cls) {
    return el('span', { class: 'edge' }, el('span', { class: 'rel ' + (cls || ''), text: label }), el('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
      sub ? el('span', { text: sub }) : null);
  }

  const TRANSFER = { equal: 'full', superset: 'full', subset: 'partial', intersects: 'partial', 'not-related': 'none' };

  function validity(item, asOf) {
    const ok = (!item.valid_from || item.valid_from <= asOf) && (!item.valid_until || asOf <= item.valid_until);
    return el('span', { class: 'tag ' + (ok ? 'valid' : 'expired'), text: ok ? 'valid on ' + asOf : 'not valid on ' + asOf });
  }

  function pathBlock(p, i, target, asOf) {
    const st = p.start;
    const chain = el('ol', { class: 'chain', 'aria-label': 'Path ' + (i + 1) + ' from start to target' });
    chain.append(el('li', {}, node(KIND[st.kind] + ' · ' + p.origin, short(st.id).replace(/^(control|certificate|attestation)\//, '') + ': ' + st.label, 'start')));
    const certified = st.kind.endsWith('certificate') || st.kind.endsWith('attestation');
    const verb = certified ? 'certifies' : 'implements';
    const last = p.hops.length === 0;
    chain.append(el('li', {}, edge(st.extent === 'full' ? verb : 'partly ' + verb, null, st.extent),
      node(p.requirement.framework, p.requirement.notation, last ? 'target' : '')));
    p.hops.forEach((h, k) => {
      chain.append(el('li', {}, edge(h.relation, 's' + h.strength + (h.status !== 'approved' ? ' · ' + h.status : ''), TRANSFER[h.relation]),
        node(k === p.hops.length - 1 ? target : '', h.to, k === p.hops.length - 1 ? 'target' : '')));
    });
    const block = el('div', { class: 'path' },
      el('h4', {}, 'Path ' + (i + 1) + ': ', el('span', { class: 'rel ' + p.transfer, text: p.transfer === 'full' ? 'meets it fully' : 'meets it partly' }),
        ', strength ' + p.strength + ', ' + p.origin + (p.derived ? ' ' : ''), p.derived ? el('span', { class: 'tag derived', text: 'chained mapping' }) : null),
      chain);
    if (p.hops.length) {
      block.append(el('ol', { class: 'small' }, p.hops.map((h) => el('li', {},
        el('strong', { text: h.from + ' ' + h.relation + ' ' + h.to }), ' (strength ' + h.strength + ', ' + h.status + '). Source: ' + h.source))));
    } else {
      block.append(el('p', { class: 'small', text: 'Directly on the target requirement (no mapping needed).' }));
    }
    if (st.rests_on) {
      block.append(el('p', { class: 'small' }, el('strong', { text: 'Rests on: ' }), st.rests_on.label + ' (' + short(st.rests_on.id) + '), valid until ' + st.rests_on.valid_until + '; the attestation reaches the targets through this certificate.'));
    }
    if (certified) {
      block.append(el('p', { class: 'small' }, 'Certificate issued by ' + (st.issuer || 'unknown') +
        (st.accreditation ? ', accredited by ' + st.accreditation : '') + (st.valid_until ? ', valid until ' + st.valid_until + ' ' : ' '),
        st.valid_until ? validity({ valid_until: st.valid_until }, asOf) : null));
    }
    if ((st.evidence || []).length) {
      block.append(el('p', { class: 'small', text: 'Evidence:' }), el('ul', { class: 'evidence small' }, st.evidence.map((e) => el('li', {},
        el('strong', { text: short(e.id).replace(/^evidence\//, '') }), ' ' + (e.label || '') + ', valid ' + (e.valid_from || '?') + ' to ' + (e.valid_until || '?') + ' ',
        validity(e, asOf), e.document ? el('span', { class: 'muted', text: ' (' + e.document + ')' }) : null))));
    } else if (st.kind === 'control' || st.kind === 'inherited-control') {
      block.append(el('p', { class: 'small muted', text: st.kind === 'control' ? 'No evidence listed.' : 'Provider evidence stays private; the published declaration is what counts.' }));
    }
    if (st.residual) block.append(el('p', { class: 'small' }, el('strong', { text: 'Left to you: ' }), st.residual));
    return block;
  }

  async function withPaths(col, req) {
    if (req.paths) return req;
    if (req.path_count === 0) return Object.assign({ paths: [] }, req);
    if (!col.systemId) return req;
    if (!detailCache.has(col.systemId)) {
      detailCache.set(col.systemId, api('/coverage/system/' + enc(col.systemId) + '?' + query({ explain: 'true' })));
    }
    const full = await detailCache.get(col.systemId);
    return full.requirements.find((r) => r.curie === req.curie) || req;
  }

  async function showDetail(button, col, req) {
    for (const b of $$('button.cell[aria-pressed="true"]')) b.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-pressed', 'true');
    const box = $('#detail');
    $('#covlayout').classList.add('has-detail');
    box.hidden = false;
    box.replaceChildren(el('p', { class: 'busy', text: 'Loading the paths' }));
    let r = req;
    try { r = await withPaths(col, req); } catch (e) { box.replaceChildren(el('p', { class: 'error', text: e.message })); return; }
    const asOf = model.data.as_of;
    const target = model.data.target;
    const closeDetail = () => {
      box.hidden = true; $('#covlayout').classList.remove('has-detail'); button.setAttribute('aria-pressed', 'false'); button.focus();
    };
    box.onkeydown = (ev) => { if (ev.key === 'Escape') closeDetail(); };
    const close = el('button', { type: 'button', class: 'secondary', text: 'Close (Esc)', on: { click: closeDetail } });
    const parts = [
      el('div', { class: 'actions', style: 'float:right' }, el('button', { type: 'button', class: 'secondary', text: '×', 'aria-label': 'Close the justification', on: { click: closeDetail } })),
      el('h2', { id: 'detail-title' }, r.notation + ' ' + r.title),
      el('p', {}, GS.statusSwatch(r.status), ' for ', el('strong', { text: col.label }),
        r.via.length ? ' via ' + r.via.join(', ') : ''),
      el('p', { class: 'small muted', text: r.curie + ' · ' + target + ' on ' + asOf + ' (' + (GS.layerText(model.data.law_layer) || 'law layer ' + model.data.law_version) + ')' }),
    ];
    if (r.applicability) {
      parts.push(el('p', { class: 'small' }, el('strong', { text: 'Applicability: ' }),
        r.applicability.status + (r.applicability.from ? ' (from ' + r.applicability.from + ')' : '') + '. ' + r.applicability.reason));
    }
    parts.push(el('p', { class: 'explanation' }, r.explanation));
    if (r.gap) {
      parts.push(el('p', { class: 'gap-kind' }, el('strong', { text: r.gap.kind === 'no-counterpart' ? 'No counterpart: ' : 'Not reached: ' }),
        r.gap.kind === 'no-counterpart' ? 'the starting framework has nothing for this requirement (a recorded decision, with its reason).' : 'nothing that holds on the date reaches it.'));
      if (r.gap.decisions.length) {
        parts.push(el('ul', { class: 'small' }, r.gap.decisions.map((d) => el('li', {}, el('strong', { text: 'No ' + d.label + ' counterpart: ' }), d.reason + ' (' + d.source + ')'))));
      }
    }
    const paths = r.paths || [];
    parts.push(el('h3', { text: 'Justification paths (' + paths.length + (r.path_count > paths.length ? ' of ' + r.path_count : '') + ')' }));
    if (!paths.length) parts.push(el('p', { class: 'muted', text: r.status === 'not-applicable' ? 'Not applicable, so no paths are needed.' : 'Nothing that holds on the date reaches this requirement.' }));
    paths.forEach((p, i) => parts.push(pathBlock(p, i, target, asOf)));
    if ((r.residual || []).length) {
      parts.push(el('h3', { text: 'Left to you (residual responsibilities)' }), el('ul', { class: 'residual' }, r.residual.map((t) => el('li', { text: t }))));
    }
    parts.push(close);
    box.replaceChildren(...parts);
    box.focus();
  }

  /* -- run ------------------------------------------------------------------------------------ */
  async function run() {
    const rt = routes();
    const m = mode();
    if ((m === 'system' && !$('#system').value) || (m === 'certificate' && !$('#certificate').value)) {
      say(msg, 'Choose ' + (m === 'system' ? 'an AI system' : 'a certificate') + ' of this organisation first.', 'error');
      return;
    }
    const p = { mode: m, org: $('#org').value, target: $('#target').value, as_of: $('#as_of').value, law_version: $('#law_version').value };
    if (m === 'system') p.system = $('#system').value;
    if (m === 'certificate') p.certificate = $('#certificate').value;
    GS.setParams(p);
    say(msg, 'Computing coverage', 'busy');
    $('#show').disabled = true;
    detailCache.clear();
    try {
      const [data, cat] = await Promise.all([api(rt.json + '?' + query({ explain: String(rt.explain) })), GS.catalog($('#target').value)]);
      const cols = columns(data);
      const rows = [];
      const seen = new Set();
      for (const c of cols) for (const r of c.list) if (!seen.has(r.curie)) { seen.add(r.curie); rows.push(r.curie); }
      const groups = [];
      const byKey = new Map();
      for (const curie of rows) {
        const item = cat.byCurie.get(curie);
        const g = item ? cat.group(item, 1) : null;
        const key = g ? g.curie : '(other)';
        if (!byKey.has(key)) {
          const grp = { key, label: g ? GS.groupLabel(g) : 'Other', rows: [], order: g ? cat.order.get(g.curie) : 1e9 };
          byKey.set(key, grp);
          groups.push(grp);
        }
        byKey.get(key).rows.push(curie);
      }
      groups.sort((a, b) => a.order - b.order);
      model = { data, cols, groups, rt };
      const subject = data.certificate ? data.certificate.label : data.system ? data.system.label : 'Organisation ' + $('#org').value;
      $('#result-title').textContent = subject + ': ' + data.target + ' on ' + data.as_of;
      $('#result-sub').textContent = 'EU AI Act ' + (GS.layerText(data.law_layer) || 'law layer ' + data.law_version) + '; mappings used: ' + (data.mappings_used || 'approved only') +
        '; ' + countsText(data.summary) + '.';
      renderContext(data, cols);
      renderOverview(groups, cols);
      renderLegend();
      renderGrid(groups, cols);
      $('#detail').hidden = true;
      $('#covlayout').classList.remove('has-detail');
      $('#result').hidden = false;
      say(msg, '');
    } catch (e) {
      say(msg, e.message, 'error');
    } finally {
      $('#show').disabled = false;
    }
  }

  async function dl(fmt) {
    if (!model) return;
    const note = $('#dlmsg');
    note.textContent = 'Preparing the ' + fmt + ' file…';
    try {
      await GS.download(model.rt.export + '?' + query({ format: fmt }), 'coverage.' + fmt);
      note.textContent = 'Downloaded the ' + fmt + ' file.';
    } catch (e) {
      note.textContent = 'Download failed: ' + e.message;
    }
  }

  async function init() {
    const p = GS.params();
    try {
      await loadChoices(p);
    } catch (e) {
      say(msg, e.message, 'error');
      return;
    }
    form.addEventListener('change', (ev) => {
      if (ev.target.name === 'mode') showMode();
      if (ev.target.id === 'org') fillSubjects();
    });
    form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
    $('#grid').addEventListener('keydown', (ev) => {
      /* arrow keys move between the grid's cells; Tab still visits each in turn */
      const move = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1] }[ev.key];
      const cell = ev.target.closest ? ev.target.closest('button.cell') : null;
      if (!move || !cell) return;
      const rows = $$('#grid tbody tr[data-curie]').filter((tr) => !tr.hidden);
      const ri = rows.indexOf(cell.closest('tr')) + move[0];
      const ci = Number(cell.dataset.col) + move[1];
      const next = ri >= 0 && ri < rows.length ? rows[ri].querySelector('button.cell[data-col="' + ci + '"]') : null;
      if (next) { ev.preventDefault(); next.focus(); }
    });
    $('#dl-xlsx').addEventListener('click', () => dl('xlsx'));
    $('#dl-csv').addEventListener('click', () => dl('csv'));
    document.addEventListener('gs:key', async () => { await loadChoices(GS.params()); if (model) run(); });
    if (p.get('system') || p.get('certificate') || p.get('mode') === 'org') run();
  }

  init();
})();
