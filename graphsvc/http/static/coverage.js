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
  /* the id an organisation gave a thing: gsd:control/contoso/HR-HO-01 → HR-HO-01 */
  const local = (id) => String(id || '').split('/').pop();
  const certOrg = (c) => c.id.replace(/^gsd:/, '').split('/')[1] || '';
  const enc = (s) => s.split('/').map(encodeURIComponent).join('/');

  function mode() { return form.elements.mode.value; }

  function showMode() {
    const m = mode();
    for (const f of $$('[data-mode]', form)) f.hidden = !f.dataset.mode.split(' ').includes(m);
  }

  /* every certificate the caller may see (its own organisation's, and what others publish), one
     group per holder: the chosen organisation's first, then the others by name */
  function fillCertificates(keep) {
    const select = $('#certificate');
    const value = keep || select.value;
    const org = $('#org').value;
    const groups = new Map();
    for (const c of choices.certs) {
      const o = certOrg(c);
      if (!groups.has(o)) groups.set(o, { org: o, holder: c.holder || o, certs: [] });
      groups.get(o).certs.push(c);
    }
    const ordered = [...groups.values()].sort((a, b) => (a.org === org ? -1 : b.org === org ? 1 : a.holder.localeCompare(b.holder)));
    select.replaceChildren(...ordered.map((g) => el('optgroup', { label: g.holder + ' (' + g.org + ')', dataset: { org: g.org } },
      g.certs.map((c) => el('option', { value: c.id, dataset: { org: g.org },
        text: c.label + ' (' + c.framework + ', ' + c.valid_from + ' to ' + c.valid_until + ')' })))));
    if (value && choices.certs.some((c) => c.id === value)) select.value = value;
  }

  function fillSubjects(keep) {
    const org = $('#org').value;
    const sys = choices.systems.filter((s) => s.org === org);
    fillSelect($('#system'), sys.map((s) => [s.id, s.label + ' (' + s.id + ')']), keep && keep.system);
    fillCertificates(keep && keep.certificate);
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
    const sysPath = (id) => '/coverage/system/' + enc(short(id).replace(/^system\//, ''));
    if (data.certificate) {
      return [col('certificate', data.certificate.label, data.certificate.holder, data.requirements,
        { summary: data.summary, detailPath: '/coverage/certificate/' + enc(short(data.certificate.id)), full: data, certificate: true })];
    }
    if (data.systems) {
      return data.systems.map((s) => col(short(s.system.id), s.system.label, short(s.system.id).replace(/^system\//, ''),
        s.requirements, { summary: s.summary, by_origin: s.by_origin, detailPath: sysPath(s.system.id) }));
    }
    return [col(short(data.system.id), data.system.label, short(data.system.id).replace(/^system\//, ''), data.requirements,
      { summary: data.summary, by_origin: data.by_origin, detailPath: sysPath(data.system.id), full: data })];
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
          el('ul', {}, data.ignored.map((i) => el('li', {}, i.kind + ' ', el('strong', { text: local(i.id) }), ': ' + i.label + '. ',
            el('span', { class: 'muted', text: 'Not counted: ' + readable(i.reason, labelsOf(data)) + '.' }))))));
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
            'aria-label': r.notation + ' ' + r.title + ', ' + c.label + ': ' + r.status + (r.gap ? ' (' + GAP_TEXT[r.gap.kind] + ')' : '') + (r.via.length && !c.certificate ? ' via ' + r.via.join(', ') : '') + '. Show justification',
            dataset: { curie, col: String(ci), status: r.status, gap: r.gap ? r.gap.kind : '' },
            on: { click: (ev) => showDetail(ev.currentTarget, c, r) },
          }, STATUS_TEXT[r.status], r.gap ? el('span', { class: 'via gap-' + r.gap.kind, text: ' · ' + GAP_TEXT[r.gap.kind] }) : null,
            r.via.length && !c.certificate ? el('span', { class: 'via', text: ' · ' + r.via.join(', ') }) : null)));
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

  /* id → label of everything an answer names: the system and what it builds on, certificates,
     controls, evidence, what was not counted */
  function labelsOf(answer) {
    if (answer._labels) return answer._labels;
    const m = new Map();
    const put = (id, label) => { if (id && label && !m.has(id)) m.set(id, label); };
    if (answer.system) {
      put(answer.system.id, answer.system.label);
      for (const d of answer.system.depends_on || []) put(d.system, d.label);
    }
    for (const s of answer.systems || []) {
      put(s.system.id, s.system.label);
      for (const d of s.system.depends_on || []) put(d.system, d.label);
    }
    if (answer.certificate) {
      put(answer.certificate.id, answer.certificate.label);
      if (answer.certificate.rests_on) put(answer.certificate.rests_on.id, answer.certificate.rests_on.label);
    }
    for (const c of answer.certificates || []) put(c.id, c.label);
    for (const i of answer.ignored || []) put(i.id, i.label);
    for (const s of answer.systems || [answer]) {
      for (const r of s.requirements || []) {
        for (const p of r.paths || []) {
          put(p.start.id, p.start.label);
          for (const e of p.start.evidence || []) put(e.id, e.label);
          if (p.start.rests_on) put(p.start.rests_on.id, p.start.rests_on.label);
        }
      }
    }
    Object.defineProperty(answer, '_labels', { value: m, enumerable: false });
    return m;
  }

  /* a text of the server's with its gsd: ids made readable: the id its organisation gave a thing
     when its label is already in the text, else its label */
  function readable(value, labels) {
    const text = String(value || '');
    return text.replace(/gsd:[A-Za-z0-9._~\-\/]*[A-Za-z0-9_~\-\/]/g, (id) => {
      const label = labels.get(id);
      return label && !text.includes(label) ? label : local(id);
    });
  }

  function node(fw, text, cls, sub) {
    return el('span', { class: 'node ' + (cls || '') }, fw ? el('span', { class: 'fw', text: fw }) : null, text,
      sub ? el('span', { class: 'sub', text: sub }) : null);
  }

  function edge(label, sub, cls) {
    return el('span', { class: 'edge' }, el('span', { class: 'rel ' + (cls || ''), text: label }), el('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
      sub ? el('span', { text: sub }) : null);
  }

  const TRANSFER = { equal: 'full', superset: 'full', subset: 'partial', intersects: 'partial', 'not-related': 'none' };
  const fwOf = (curie) => (String(curie || '').includes(':') ? curie.split(':')[0] : '');

  function validity(item, asOf) {
    const ok = (!item.valid_from || item.valid_from <= asOf) && (!item.valid_until || asOf <= item.valid_until);
    return el('span', { class: 'tag ' + (ok ? 'valid' : 'expired'), text: ok ? 'valid on ' + asOf : 'not valid on ' + asOf });
  }

  /* the same start, requirement and mappings reached through several of a provider's systems is one
     path: shown once, naming every system it comes through (best first, as the API orders them) */
  function uniquePaths(paths) {
    const out = new Map();
    for (const p of paths) {
      const key = JSON.stringify([p.start.kind, p.start.id, p.requirement.curie, p.transfer, p.strength, p.origin,
        p.hops.map((h) => [h.from_curie || h.from, h.to_curie || h.to, h.relation, h.strength, h.status])]);
      if (!out.has(key)) out.set(key, Object.assign({}, p, { systems: [] }));
      const u = out.get(key);
      if (p.start.system && !u.systems.includes(p.start.system)) u.systems.push(p.start.system);
    }
    return [...out.values()];
  }

  function pathBlock(p, i, target, asOf, labels, assessed) {
    const st = p.start;
    const chain = el('ol', { class: 'chain', 'aria-label': 'Path ' + (i + 1) + ' from start to target' });
    const isControl = st.kind.endsWith('control');
    chain.append(el('li', {}, node(KIND[st.kind] + ' · ' + p.origin, st.label, 'start', isControl ? local(st.id) : null)));
    const certified = st.kind.endsWith('certificate') || st.kind.endsWith('attestation');
    const verb = certified ? 'certifies' : 'implements';
    const last = p.hops.length === 0;
    chain.append(el('li', {}, edge(st.extent === 'full' ? verb : 'partly ' + verb, null, st.extent),
      node(p.requirement.framework, p.requirement.notation, last ? 'target' : '', p.requirement.title)));
    p.hops.forEach((h, k) => {
      const end = k === p.hops.length - 1;
      chain.append(el('li', {}, edge(h.relation, 's' + h.strength + (h.status !== 'approved' ? ' · ' + h.status : ''), TRANSFER[h.relation]),
        node(end ? target : fwOf(h.to_curie), h.to, end ? 'target' : '', end ? null : h.to_title)));
    });
    const block = el('div', { class: 'path' },
      el('h4', {}, 'Path ' + (i + 1) + ': ', el('span', { class: 'rel ' + p.transfer, text: p.transfer === 'full' ? 'meets it fully' : 'meets it partly' }),
        ', strength ' + p.strength + ', ' + p.origin + (p.derived ? ' ' : ''), p.derived ? el('span', { class: 'tag derived', text: 'chained mapping' }) : null),
      chain);
    const provider = p.systems.filter((x) => x !== assessed);
    if (provider.length) {
      block.append(el('p', { class: 'small' }, el('strong', { text: provider.length > 1 ? "On the provider's systems: " : "On the provider's system: " }),
        provider.map((x) => labels.get(x) || local(x)).join('; ')));
    }
    if (p.hops.length) {
      block.append(el('ol', { class: 'small' }, p.hops.map((h) => el('li', {},
        el('strong', { text: h.from + ' ' + h.relation + ' ' + h.to }), ' (strength ' + h.strength + ', ' + h.status + '). Source: ' + h.source))));
    } else {
      block.append(el('p', { class: 'small', text: 'Directly on the target requirement (no mapping needed).' }));
    }
    if (st.rests_on) {
      block.append(el('p', { class: 'small' }, el('strong', { text: 'Rests on: ' }), st.rests_on.label + ', valid until ' + st.rests_on.valid_until + '; the attestation reaches the targets through this certificate.'));
    }
    if (certified) {
      block.append(el('p', { class: 'small' }, 'Certificate issued by ' + (st.issuer || 'unknown') +
        (st.accreditation ? ', accredited by ' + st.accreditation : '') + (st.valid_until ? ', valid until ' + st.valid_until + ' ' : ' '),
        st.valid_until ? validity({ valid_until: st.valid_until }, asOf) : null));
    }
    if ((st.evidence || []).length) {
      block.append(el('p', { class: 'small', text: 'Evidence:' }), el('ul', { class: 'evidence small' }, st.evidence.map((e) => el('li', {},
        el('strong', { text: e.label || local(e.id) }), ' (' + local(e.id) + '), valid ' + (e.valid_from || '?') + ' to ' + (e.valid_until || '?') + ' ',
        validity(e, asOf), e.document ? el('span', { class: 'muted', text: ' (' + e.document + ')' }) : null))));
    } else if (st.kind === 'control' || st.kind === 'inherited-control') {
      block.append(el('p', { class: 'small muted', text: st.kind === 'control' ? 'No evidence listed.' : 'Provider evidence stays private; the published declaration is what counts.' }));
    }
    if (st.residual) block.append(el('p', { class: 'small' }, el('strong', { text: 'Left to you: ' }), readable(st.residual, labels)));
    return block;
  }

  /* the requirement with every one of its paths (the grid's answer carries the first few), and the
     answer it comes from (for labels) */
  async function withPaths(col, req) {
    if (req.path_count === 0) return { req: Object.assign({ paths: [] }, req), answer: col.full || model.data };
    if (req.paths && req.paths.length >= req.path_count) return { req, answer: col.full || model.data };
    if (!detailCache.has(col.detailPath)) {
      detailCache.set(col.detailPath, api(col.detailPath + '?' + query({ explain: 'true', max_paths: '1000' })));
    }
    const full = await detailCache.get(col.detailPath);
    return { req: full.requirements.find((r) => r.curie === req.curie) || req, answer: full };
  }

  async function showDetail(button, col, req) {
    for (const b of $$('button.cell[aria-pressed="true"]')) b.setAttribute('aria-pressed', 'false');
    button.setAttribute('aria-pressed', 'true');
    const box = $('#detail');
    $('#covlayout').classList.add('has-detail');
    box.hidden = false;
    box.replaceChildren(el('p', { class: 'busy', text: 'Loading the paths' }));
    let r = req;
    let answer = model.data;
    try { ({ req: r, answer } = await withPaths(col, req)); } catch (e) { box.replaceChildren(el('p', { class: 'error', text: e.message })); return; }
    const labels = labelsOf(answer);
    const assessed = answer.system ? answer.system.id : '';
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
        r.via.length && !col.certificate ? ' via ' + r.via.join(', ') : ''),
      el('p', { class: 'small muted', text: r.curie + ' · ' + target + ' on ' + asOf + ' (' + (GS.layerText(model.data.law_layer) || 'law layer ' + model.data.law_version) + ')' }),
    ];
    if (r.applicability) {
      parts.push(el('p', { class: 'small' }, el('strong', { text: 'Applicability: ' }),
        r.applicability.status + (r.applicability.from ? ' (from ' + r.applicability.from + ')' : '') + '. ' + readable(r.applicability.reason, labels)));
    }
    parts.push(el('p', { class: 'explanation' }, readable(r.explanation, labels)));
    if (r.gap) {
      parts.push(el('p', { class: 'gap-kind' }, el('strong', { text: r.gap.kind === 'no-counterpart' ? 'No counterpart: ' : 'Not reached: ' }),
        r.gap.kind === 'no-counterpart' ? 'the starting framework has nothing for this requirement (a recorded decision, with its reason).' : 'nothing that holds on the date reaches it.'));
      if (r.gap.decisions.length) {
        parts.push(el('ul', { class: 'small' }, r.gap.decisions.map((d) => el('li', {}, el('strong', { text: 'No ' + d.label + ' counterpart: ' }), d.reason + ' (' + d.source + ')'))));
      }
    }
    const all = r.paths || [];
    const paths = uniquePaths(all);
    parts.push(el('h3', { text: 'Justification paths (' + paths.length + (r.path_count > all.length ? ' of ' + r.path_count : '') + ')' }));
    if (paths.length < all.length) {
      parts.push(el('p', { class: 'small muted', text: (all.length - paths.length) + ' more reach it through the same provider item on another of the provider\'s systems; each is shown once, naming its systems.' }));
    }
    if (!paths.length) parts.push(el('p', { class: 'muted', text: r.status === 'not-applicable' ? 'Not applicable, so no paths are needed.' : 'Nothing that holds on the date reaches this requirement.' }));
    paths.forEach((p, i) => parts.push(pathBlock(p, i, target, asOf, labels, assessed)));
    if ((r.residual || []).length) {
      parts.push(el('h3', { text: 'Left to you (residual responsibilities)' }), el('ul', { class: 'residual' }, r.residual.map((t) => el('li', { text: readable(t, labels) }))));
    }
    parts.push(close);
    box.replaceChildren(...parts);
    box.focus();
  }

  /* -- public data only: said above the answer, never silently -------------------------------- */
  async function renderAccess(data) {
    const box = $('#publicnote');
    box.hidden = true;
    let org = '';
    let name = '';
    if (data.certificate) { org = certOrg(data.certificate); name = data.certificate.holder; }
    else if (data.system) { org = local(data.system.org); name = data.system.org_label; }
    else { org = local(data.organisation); name = (choices.systems.find((s) => s.org === org) || {}).org_label || org; }
    const sees = await GS.seesPrivate(org);
    if (sees !== false) return;
    const who = (await GS.whoami()).who;
    const whose = who.anonymous ? 'No API key is in use' : 'Your key (' + GS.whoText(who) + ') cannot read ' + name + "'s private data";
    const what = data.certificate
      ? 'the certificate as ' + name + ' publishes it (scope, validity, exclusions)'
      : 'what ' + name + ' publishes: its certificates and the controls it declares provided or shared. Its own controls, evidence and private certificates are not counted';
    box.replaceChildren(
      el('strong', { id: 'publicnote-title', text: 'Public data only' }),
      whose + ', so this answer uses only ' + what + '. ',
      'For ' + name + "'s own answer, enter one of its API keys at the top of the page.");
    box.hidden = false;
  }

  /* -- the plan tab: what is left for the system, as actions (GET /plan/{org}/{system}) ---------- */
  const KIND_TEXT = { gap: 'gap', partial: 'partial', residual: 'residual (left to you)' };
  let planFor = null; // the plan query on screen (or loading)

  function selectTab(name) {
    const plan = name === 'plan';
    $('#tab-answer').setAttribute('aria-selected', String(!plan));
    $('#tab-plan').setAttribute('aria-selected', String(plan));
    $('#tab-answer').tabIndex = plan ? -1 : 0;
    $('#tab-plan').tabIndex = plan ? 0 : -1;
    $('#panel-answer').hidden = plan;
    $('#panel-plan').hidden = !plan;
    /* the tab is part of the page's address, so a link or a reload opens the plan again */
    GS.setParams({ ...Object.fromEntries(GS.params()), tab: plan ? 'plan' : '' });
    if (plan) loadPlan();
  }

  function suggestionCell(a) {
    const s = (a.suggestions || [])[0];
    if (!s) return el('td', { class: 'muted', text: 'none found' });
    return el('td', {}, el('strong', { text: s.framework + ' ' + s.notation }), s.title ? ' ' + s.title : '',
      el('div', { class: 'small muted', text: s.relation + ', strength ' + s.strength + (s.transfer === 'full' ? ', would meet it' : ', would meet it partly') +
        (s.derived ? ', chained mapping' : '') + (s.rank ? ' (pick ' + s.rank + ' of the cover)' : '') }));
  }

  function renderPlan(answer) {
    const sys = answer.systems[0];
    const actions = sys ? sys.actions : [];
    const counts = (sys && sys.counts) || {};
    const overdue = actions.filter((a) => a.overdue).length;
    $('#plan-sub').textContent = (sys ? sys.label : answer.target) + ': ' + actions.length + (actions.length === 1 ? ' action' : ' actions') +
      ' (' + ['gap', 'partial', 'residual'].map((k) => (counts[k] || 0) + ' ' + k).join(', ') + ')' +
      (overdue ? '; ' + overdue + ' overdue on ' + answer.as_of : '') + '; suggestions from ' + (answer.sources.join(', ') || 'no framework') + '.';
    if (!actions.length) {
      $('#plan-table').replaceChildren(el('p', { class: 'muted', text: 'Nothing is left: no gap, partial or residual responsibility on the date.' }));
      return;
    }
    const head = ['Due', 'Requirement', 'Kind', 'Coverage', 'Status', 'Owner', 'First suggestion'];
    const table = el('table', { class: 'data plan', id: 'plantable' },
      el('caption', { class: 'visually-hidden', text: 'Actions of the plan, by due date' }),
      el('thead', {}, el('tr', {}, head.map((h) => el('th', { scope: 'col', text: h })))));
    const tbody = el('tbody');
    for (const a of actions) {
      tbody.append(el('tr', { class: a.overdue ? 'overdue' : null, dataset: { curie: a.requirement, kind: a.kind, overdue: String(a.overdue) } },
        el('td', { class: 'nowrap' }, a.due || el('span', { class: 'muted', text: 'no date' }),
          a.overdue ? [el('br'), el('span', { class: 'tag overdue', text: 'overdue' })] : null),
        el('th', { scope: 'row' }, el('span', { class: 'n', text: a.notation }), ' ' + a.title,
          a.group ? el('div', { class: 'small muted', text: a.group }) : null),
        el('td', {}, el('span', { class: 'tag kind-' + a.kind, text: KIND_TEXT[a.kind] || a.kind })),
        el('td', {}, GS.statusSwatch(a.coverage), a.would_be ? el('div', { class: 'small muted', text: 'would be ' + a.would_be }) : null),
        el('td', { text: a.status }),
        el('td', {}, a.owner || el('span', { class: 'muted', text: 'not set' })),
        suggestionCell(a)));
    }
    table.append(tbody);
    $('#plan-table').replaceChildren(table);
  }

  async function loadPlan() {
    if (!model || !model.plan) return;
    const pl = model.plan;
    if (planFor === pl.json) return;
    planFor = pl.json;
    for (const fmt of ['csv', 'xlsx', 'oscal']) $('#plan-' + fmt).href = GS.BASE + pl.export + '&format=' + fmt;
    $('#plan-table').replaceChildren();
    $('#plan-sub').textContent = '';
    say($('#planmsg'), 'Computing the plan', 'busy');
    try {
      const answer = await api(pl.json);
      if (planFor !== pl.json) return;
      renderPlan(answer);
      say($('#planmsg'), '');
    } catch (e) {
      if (planFor === pl.json) { planFor = null; say($('#planmsg'), e.message, 'error'); }
    }
  }

  async function planDownload(ev, fmt) {
    ev.preventDefault();
    if (!model || !model.plan) return;
    const note = $('#plandlmsg');
    const ext = { csv: 'csv', xlsx: 'xlsx', oscal: 'poam.json' }[fmt];
    note.textContent = 'Preparing the ' + fmt + ' file…';
    try {
      await GS.download(model.plan.export + '&format=' + fmt, 'plan.' + ext);
      note.textContent = 'Downloaded the ' + fmt + ' file.';
    } catch (e) {
      note.textContent = 'Download failed: ' + e.message;
    }
  }

  /* -- run ------------------------------------------------------------------------------------ */
  async function run() {
    const rt = routes();
    const m = mode();
    if ((m === 'system' && !$('#system').value) || (m === 'certificate' && !$('#certificate').value)) {
      say(msg, m === 'system' ? 'Choose an AI system of this organisation first.' : 'Choose a certificate first (none is visible to you).', 'error');
      return;
    }
    const p = { mode: m, org: $('#org').value, target: $('#target').value, as_of: $('#as_of').value, law_version: $('#law_version').value };
    if (m === 'system') p.system = $('#system').value;
    if (m === 'certificate') p.certificate = $('#certificate').value;
    const wantPlan = GS.params().get('tab') === 'plan';
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
      const plan = m === 'system' ? '/plan/' + enc($('#system').value) : null;
      model = { data, cols, groups, rt, plan: plan && { json: plan + '?' + query(), export: plan + '/export?' + query() } };
      planFor = null;
      const subject = data.certificate ? data.certificate.label : data.system ? data.system.label : 'Organisation ' + $('#org').value;
      $('#result-title').textContent = subject + ': ' + data.target + ' on ' + data.as_of;
      $('#result-sub').textContent = 'EU AI Act ' + (GS.layerText(data.law_layer) || 'law layer ' + data.law_version) + '; mappings used: ' + (data.mappings_used || 'approved only') +
        '; ' + countsText(data.summary) + '.';
      await renderAccess(data);
      renderContext(data, cols);
      renderOverview(groups, cols);
      renderLegend();
      renderGrid(groups, cols);
      $('#detail').hidden = true;
      $('#covlayout').classList.remove('has-detail');
      $('#covtabs').hidden = !model.plan;
      selectTab(model.plan && (wantPlan || $('#tab-plan').getAttribute('aria-selected') === 'true') ? 'plan' : 'answer');
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
    $('#tab-answer').addEventListener('click', () => selectTab('answer'));
    $('#tab-plan').addEventListener('click', () => selectTab('plan'));
    $('#covtabs').addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
      ev.preventDefault();
      const next = $('#tab-plan').getAttribute('aria-selected') === 'true' ? 'answer' : 'plan';
      selectTab(next);
      $('#tab-' + next).focus();
    });
    for (const fmt of ['csv', 'xlsx', 'oscal']) $('#plan-' + fmt).addEventListener('click', (ev) => planDownload(ev, fmt));
    document.addEventListener('gs:key', async () => { await loadChoices(GS.params()); if (model) run(); });
    if (p.get('system') || p.get('certificate') || p.get('mode') === 'org') run();
  }

  init();
})();
