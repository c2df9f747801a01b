/* Crosswalk explorer: one requirement's links (direct and chained), and framework-to-framework views. */
'use strict';

(() => {
  const { api, el, $, $$, say, fillSelect } = GS;
  const TRANSFER_TEXT = { full: 'fully', partial: 'partly', none: 'not' };
  let fws = [];
  let fwTitle = new Map();
  let cat = null;

  /* -- the requirement picker ------------------------------------------------------------------ */
  async function loadCatalog() {
    const fw = $('#cw-fw').value;
    cat = null;
    $('#cw-count').textContent = 'Loading the catalog…';
    try {
      cat = await GS.catalog(fw);
      search();
    } catch (e) {
      $('#cw-count').textContent = e.message;
    }
  }

  function search() {
    if (!cat) return;
    const q = $('#cw-search').value.trim().toLowerCase();
    const list = $('#cw-matches');
    const hits = cat.items.filter((i) => !q || (i.notation + ' ' + i.title + ' ' + i.curie + ' ' + (i.summary || '')).toLowerCase().includes(q));
    const shown = hits.slice(0, 60);
    list.replaceChildren(...shown.map((i) => el('li', {}, el('button', {
      type: 'button', dataset: { curie: i.curie },
      on: { click: () => load(i.curie), keydown: moveInList },
    }, el('strong', { text: i.notation }), ' ' + (i.title || '') + ' ', el('span', { class: 'muted small', text: i.kind })))));
    $('#cw-count').textContent = hits.length + ' of ' + cat.items.length + ' requirements match' + (hits.length > shown.length ? '; showing the first ' + shown.length : '');
  }

  function moveInList(ev) {
    const buttons = $$('#cw-matches button');
    const i = buttons.indexOf(ev.currentTarget);
    if (ev.key === 'ArrowDown' && i < buttons.length - 1) { ev.preventDefault(); buttons[i + 1].focus(); }
    if (ev.key === 'ArrowUp') { ev.preventDefault(); (i > 0 ? buttons[i - 1] : $('#cw-search')).focus(); }
  }

  /* -- one requirement's links ----------------------------------------------------------------- */
  function node(text, fw, cls) {
    return el('span', { class: 'node ' + (cls || '') }, fw ? el('span', { class: 'fw', text: fw }) : null, text);
  }

  function chain(link) {
    const ol = el('ol', { class: 'chain', 'aria-label': (link.derived ? 'Chain' : 'Direct link') + ' from ' + link.source + ' to ' + link.target });
    const first = link.path[0];
    ol.append(el('li', {}, node(first ? first.from : link.source, (link.source_curie || '').split(':')[0], 'start')));
    link.path.forEach((h, k) => {
      const last = k === link.path.length - 1;
      ol.append(el('li', {},
        el('span', { class: 'edge' }, el('span', { class: 'rel', text: h.relation }), el('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }),
          el('span', { text: 's' + h.strength + (h.status !== 'approved' ? ' · ' + h.status : '') })),
        node(h.to, h.to_curie.split(':')[0], last ? 'target' : '')));
    });
    return ol;
  }

  function strength(n) {
    return el('span', { class: 'strength' }, el('span', { class: 'meter', 'aria-hidden': 'true' }, el('i', { style: 'width:' + (n * 10) + '%' })), n + '/10');
  }

  function linkTable(items) {
    const table = el('table', { class: 'data' },
      el('thead', {}, el('tr', {}, ['Target', 'Relation', 'Strength', 'Status', 'Chain', 'Source and rationale']
        .map((h) => el('th', { scope: 'col', text: h })))));
    const tbody = el('tbody');
    for (const l of items) {
      tbody.append(el('tr', { class: l.derived ? 'derived' : 'direct', dataset: { target: l.target_curie, derived: String(l.derived) } },
        el('th', { scope: 'row' }, el('a', { href: '?req=' + encodeURIComponent(l.target_curie), text: l.target, on: { click: (ev) => { ev.preventDefault(); load(l.target_curie); } } }),
          ' ' + (l.target_title || '')),
        el('td', {}, el('span', { class: 'rel ' + l.transfer, text: l.relation }), el('br'),
          el('span', { class: 'small', text: 'meets it ' + (TRANSFER_TEXT[l.transfer] || l.transfer) })),
        el('td', { class: 'nowrap' }, strength(l.strength)),
        el('td', {}, l.status, el('br'), el('span', { class: 'tag ' + (l.derived ? 'derived' : 'direct'), text: l.derived ? 'chained' : 'direct' })),
        el('td', { class: 'chaincell' }, chain(l)),
        el('td', { class: 'small' }, el('details', {}, el('summary', { text: l.derived ? 'sources of each hop' : 'source' }),
          l.path.map((h) => el('p', {}, el('strong', { text: h.from + ' ' + h.relation + ' ' + h.to + (h.inverted ? ' (stated the other way round)' : '') + ': ' }), h.source,
            h.comment ? el('span', { class: 'muted', text: ' ' + h.comment }) : null))))));
    }
    table.append(tbody);
    return el('div', { class: 'table-wrap' }, table);
  }

  async function load(curie) {
    const out = $('#cw-result');
    const msg = $('#cw-msg');
    const depth = $('#cw-depth').value;
    const min = $('#cw-min').value || '1';
    const proposed = $('#cw-proposed').checked;
    GS.setParams({ req: curie, depth, min_strength: min === '1' ? '' : min, include_proposed: proposed ? 'true' : '' });
    for (const b of $$('#cw-matches button')) b.setAttribute('aria-current', String(b.dataset.curie === curie));
    say(msg, 'Loading the links of ' + curie, 'busy');
    try {
      const q = new URLSearchParams({ depth, min_strength: min, include_proposed: String(proposed) });
      const d = await api('/crosswalk/' + encodeURIComponent(curie) + '?' + q);
      const r = d.requirement;
      const parts = [
        el('h3', { id: 'cw-req-title', tabindex: '-1' }, r.notation + ' ' + (r.title || '') + ' ', el('span', { class: 'muted small', text: '(' + (fwTitle.get(r.framework) || r.framework) + ')' })),
        r.summary ? el('p', { class: 'muted', text: r.summary }) : null,
        el('p', {}, d.total + ' links (' + d.items.filter((i) => !i.derived).length + ' direct, ' + d.items.filter((i) => i.derived).length +
          ' chained); mappings used: ' + d.mappings_used + '.'),
      ];
      const none = [];
      for (const f of fws) {
        if (f.id === r.framework) continue;
        const items = d.items.filter((i) => i.target_framework === f.id);
        if (!items.length) { none.push(f.id); continue; }
        const sec = el('section', { class: 'fwlinks', dataset: { framework: f.id }, 'aria-label': 'Links into ' + f.title });
        sec.append(el('h4', {}, f.title + ' ', el('span', { class: 'muted small', text: '(' + f.id + ', ' + items.length + (items.length === 1 ? ' link)' : ' links)') })));
        sec.append(linkTable(items));
        parts.push(sec);
      }
      if (none.length) parts.push(el('p', { class: 'muted', text: 'No link into ' + none.join(', ') + ' at this depth and strength.' }));
      out.replaceChildren(...parts.filter(Boolean));
      say(msg, '');
      if ($('#cw-fw').value !== r.framework) { $('#cw-fw').value = r.framework; loadCatalog(); }
      $('#cw-req-title').focus();
    } catch (e) {
      say(msg, e.message, 'error');
    }
  }

  /* -- framework to framework ------------------------------------------------------------------ */
  function groupsOf(c) {
    const out = [];
    const byKey = new Map();
    for (const item of c.items) {
      const g = c.group(item, 1);
      if (!g) continue;
      if (!byKey.has(g.curie)) {
        const entry = { g, items: [] };
        byKey.set(g.curie, entry);
        out.push(entry);
      }
      if (item.curie !== g.curie) byKey.get(g.curie).items.push(item.curie);
    }
    for (const e of out) if (!e.items.length) e.items.push(e.g.curie);
    return { list: out, byKey };
  }

  function heat(n) {
    if (!n) return 'h0';
    if (n <= 2) return 'h1';
    if (n <= 5) return 'h2';
    if (n <= 10) return 'h3';
    return 'h4';
  }

  async function drawMatrix() {
    const from = $('#mx-from').value;
    const to = $('#mx-to').value;
    const depth = $('#mx-depth').value;
    const msg = $('#mx-msg');
    if (from === to) { say(msg, 'Choose two different frameworks.', 'error'); return; }
    say(msg, 'Loading every link from ' + from + ' to ' + to, 'busy');
    try {
      const [page, src, dst] = await Promise.all([
        GS.pages('/crosswalk?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to) + '&depth=' + depth),
        GS.catalog(from), GS.catalog(to),
      ]);
      const links = page.items.filter((l) => l.transfer !== 'none');
      const unrelated = page.items.length - links.length;
      const sg = groupsOf(src);
      const tg = groupsOf(dst);
      const counts = new Map(); // 'srcKey|dstKey' → {full, partial}
      const srcLinked = new Map();
      const dstReached = new Map();
      for (const l of links) {
        const si = src.byCurie.get(l.source_curie);
        const ti = dst.byCurie.get(l.target_curie);
        if (!si || !ti) continue;
        if (!src.group(si, 1) || !dst.group(ti, 1)) continue;
        const s = src.group(si, 1).curie;
        const t = dst.group(ti, 1).curie;
        const k = s + '|' + t;
        if (!counts.has(k)) counts.set(k, { full: 0, partial: 0 });
        counts.get(k)[l.transfer === 'full' ? 'full' : 'partial'] += 1;
        if (!srcLinked.has(s)) srcLinked.set(s, new Set());
        srcLinked.get(s).add(l.source_curie);
        if (!dstReached.has(t)) dstReached.set(t, new Set());
        dstReached.get(t).add(l.target_curie);
      }
      const derived = links.filter((l) => l.derived).length;
      const reachedGroups = tg.list.filter((e) => dstReached.has(e.g.curie)).length;
      const silentSrc = sg.list.filter((e) => !srcLinked.has(e.g.curie));
      const silentDst = tg.list.filter((e) => !dstReached.has(e.g.curie));
      $('#mx-summary').textContent = links.length + ' links from ' + from + ' into ' + to + ' (' + (links.length - derived) + ' direct, ' + derived +
        ' chained; ' + links.filter((l) => l.transfer === 'full').length + ' meet the target fully)' +
        (unrelated ? ', besides ' + unrelated + ' pairs checked and found not related' : '') + '. They reach ' + reachedGroups + ' of ' +
        tg.list.length + ' ' + to + ' parts; ' + silentSrc.length + ' of ' + sg.list.length + ' ' + from + ' parts link to nothing.';
      $('#mx-result').hidden = false;
      await sankey(from, to, sg, tg, counts, srcLinked, dstReached);
      matrix(from, to, sg, tg, counts, dstReached, srcLinked);
      $('#unmet-src').replaceChildren(...silentSrc.map((e) => el('li', { text: GS.groupLabel(e.g) })));
      $('#unmet-dst').replaceChildren(...silentDst.map((e) => el('li', { text: GS.groupLabel(e.g) })));
      if (!silentSrc.length) $('#unmet-src').append(el('li', { class: 'muted', text: 'none' }));
      if (!silentDst.length) $('#unmet-dst').append(el('li', { class: 'muted', text: 'none' }));
      say(msg, '');
    } catch (e) {
      say(msg, e.message, 'error');
    }
  }

  function trim(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  async function sankey(from, to, sg, tg, counts, srcLinked, dstReached) {
    const box = $('#sankey');
    const Plotly = await GS.plotly();
    if (!Plotly) {
      box.replaceChildren(el('p', { class: 'notice', text: 'The Sankey diagram needs the plotly package on the server (pip install plotly); the matrix below has the same numbers.' }));
      box.style.minHeight = '0';
      return;
    }
    const srcs = sg.list.filter((e) => srcLinked.has(e.g.curie));
    const dsts = tg.list.filter((e) => dstReached.has(e.g.curie));
    const index = new Map();
    const labels = [];
    const colors = [];
    const custom = [];
    for (const e of srcs) {
      index.set('s' + e.g.curie, labels.length);
      labels.push(trim(GS.groupLabel(e.g), 42));
      custom.push(srcLinked.get(e.g.curie).size + ' of ' + e.items.length + ' ' + from + ' requirements linked');
      colors.push('#1f3a5f');
    }
    for (const e of dsts) {
      index.set('t' + e.g.curie, labels.length);
      labels.push(trim(GS.groupLabel(e.g), 42));
      custom.push(dstReached.get(e.g.curie).size + ' of ' + e.items.length + ' ' + to + ' requirements reached');
      colors.push('#5a6470');
    }
    const link = { source: [], target: [], value: [], color: [], customdata: [] };
    for (const [k, v] of counts) {
      const [s, t] = k.split('|');
      for (const kind of ['full', 'partial']) {
        if (!v[kind]) continue;
        link.source.push(index.get('s' + s));
        link.target.push(index.get('t' + t));
        link.value.push(v[kind]);
        link.color.push(kind === 'full' ? 'rgba(30,123,58,0.55)' : 'rgba(168,100,0,0.40)');
        link.customdata.push(kind === 'full' ? 'meet it fully' : 'meet it partly');
      }
    }
    const height = Math.max(520, 26 * Math.max(srcs.length, dsts.length));
    box.style.minHeight = height + 'px';
    await Plotly.react(box, [{
      type: 'sankey', arrangement: 'snap', valueformat: 'd',
      node: { label: labels, color: colors, pad: 10, thickness: 16, line: { color: '#fff', width: 1 }, customdata: custom,
        hovertemplate: '%{label}<br>%{customdata}<extra></extra>' },
      link: Object.assign(link, { hovertemplate: '%{source.label} → %{target.label}<br>%{value} links that %{customdata}<extra></extra>' }),
    }], {
      height, margin: { l: 10, r: 10, t: 30, b: 10 }, font: { family: 'system-ui, sans-serif', size: 12, color: '#1b1f24' },
      title: { text: from + ' (left) → ' + to + ' (right): green links meet the target fully, amber partly', font: { size: 13 }, x: 0.01 },
      paper_bgcolor: '#fff',
    }, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] });
  }

  function matrix(from, to, sg, tg, counts, dstReached, srcLinked) {
    const table = el('table', { class: 'matrix' },
      el('caption', { text: 'Rows: ' + to + ' parts; columns: ' + from + ' parts; each cell counts the links between them.' }));
    const head = el('tr', {}, el('th', { scope: 'col', text: to + ' \\ ' + from }),
      sg.list.map((e) => el('th', { scope: 'col', class: 'col', title: GS.groupLabel(e.g) }, e.g.notation,
        el('span', { class: 'visually-hidden', text: ' ' + (e.g.title || '') }))),
      el('th', { scope: 'col', text: 'reached' }));
    table.append(el('thead', {}, head));
    const tbody = el('tbody');
    for (const t of tg.list) {
      const reached = dstReached.has(t.g.curie) ? dstReached.get(t.g.curie).size : 0;
      tbody.append(el('tr', {}, el('th', { scope: 'row', title: GS.groupLabel(t.g) }, el('strong', { text: t.g.notation }), ' ' + trim(t.g.title || '', 60)),
        sg.list.map((s) => {
          const v = counts.get(s.g.curie + '|' + t.g.curie);
          const n = v ? v.full + v.partial : 0;
          return el('td', { class: 'num ' + heat(n), title: n ? n + ' links (' + v.full + ' full, ' + v.partial + ' partial)' : 'no link' , text: n ? String(n) : '·' });
        }),
        el('td', { class: 'num', text: reached + '/' + t.items.length })));
    }
    const foot = el('tr', {}, el('th', { scope: 'row', text: 'linked ' + from + ' requirements' }),
      sg.list.map((s) => el('td', { class: 'num', text: (srcLinked.has(s.g.curie) ? srcLinked.get(s.g.curie).size : 0) + '/' + s.items.length })), el('td'));
    table.append(tbody, el('tfoot', {}, foot));
    $('#matrix').replaceChildren(table);
  }

  /* -- init ----------------------------------------------------------------------------------- */
  async function init() {
    const p = GS.params();
    try {
      fws = await GS.frameworks();
    } catch (e) {
      say($('#cw-msg'), e.message, 'error');
      return;
    }
    fwTitle = new Map(fws.map((f) => [f.id, f.title]));
    const opts = fws.map((f) => [f.id, f.id + ': ' + f.title]);
    const req = p.get('req');
    fillSelect($('#cw-fw'), opts, req ? req.split(':')[0] : 'iso42001');
    fillSelect($('#mx-from'), opts, p.get('from') || 'iso42001');
    fillSelect($('#mx-to'), opts, p.get('to') || 'euaia');
    if (p.get('depth')) $('#cw-depth').value = p.get('depth');
    if (p.get('min_strength')) $('#cw-min').value = p.get('min_strength');
    $('#cw-proposed').checked = p.get('include_proposed') === 'true';
    $('#cw-fw').addEventListener('change', loadCatalog);
    $('#cw-search').addEventListener('input', search);
    $('#cw-search').addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown') { const b = $('#cw-matches button'); if (b) { ev.preventDefault(); b.focus(); } }
      if (ev.key === 'Enter') { ev.preventDefault(); const b = $('#cw-matches button'); if (b) b.click(); }
    });
    $('#pickform').addEventListener('submit', (ev) => ev.preventDefault());
    for (const id of ['#cw-depth', '#cw-min', '#cw-proposed']) {
      $(id).addEventListener('change', () => { const c = new URLSearchParams(location.search).get('req'); if (c) load(c); });
    }
    $('#mxform').addEventListener('submit', (ev) => { ev.preventDefault(); drawMatrix(); });
    document.addEventListener('gs:key', () => { loadCatalog(); });
    await loadCatalog();
    if (req) {
      $('#cw-search').value = req.split(':').slice(1).join(':');
      search();
      load(req);
    }
    drawMatrix();
  }

  init();
})();
