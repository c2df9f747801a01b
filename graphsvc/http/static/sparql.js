/* SPARQL page: named queries with their parameters, a plain editor, results as a table with downloads. */
'use strict';

(() => {
  const { api, el, $, $$, say, fillSelect } = GS;
  const EXAMPLE = [
    'PREFIX gs: <https://w3id.org/graphsvc/ontology#>',
    'PREFIX skos: <http://www.w3.org/2004/02/skos/core#>',
    'SELECT ?subject ?relation ?object ?strength',
    'WHERE {',
    '  ?m a gs:Mapping ; gs:subject ?s ; gs:object ?o ; gs:relation ?relation ; gs:strength ?strength .',
    '  ?s skos:notation ?subject . ?o skos:notation ?object .',
    '}',
    'ORDER BY DESC(?strength)',
    'LIMIT 20',
    '',
  ].join('\n');
  let queries = [];
  let result = null; // {name, columns, rows, raw, rawType}

  function current() { return queries.find((q) => q.name === $('#nq').value); }

  function paramInput(p) {
    const id = 'p-' + p.name;
    const type = p.kind === 'integer' ? 'number' : p.kind === 'date' ? 'date' : 'text';
    let input;
    if (p.kind === 'boolean') {
      input = el('select', { id, name: p.name }, el('option', { value: '', text: '(not set)' }), el('option', { value: 'true', text: 'true' }), el('option', { value: 'false', text: 'false' }));
      if (p.default) input.value = p.default;
    } else {
      input = el('input', { id, name: p.name, type, value: p.default || '', required: p.required && !p.default,
        placeholder: p.kind === 'iri' ? 'IRI or CURIE' : p.kind, 'aria-describedby': id + '-hint', size: 28 });
    }
    return el('div', { class: 'field' },
      el('label', { for: id }, p.name, p.required ? el('span', { class: 'muted', text: ' (required)' }) : el('span', { class: 'muted', text: ' (optional)' })),
      input, el('span', { class: 'hint', id: id + '-hint', text: (p.help || p.kind) + (p.default ? '; default ' + p.default : '') }));
  }

  async function choose(name) {
    const q = queries.find((x) => x.name === name);
    if (!q) return;
    $('#nq-about').textContent = q.summary + (q.description && q.description !== q.summary ? ' ' + q.description : '') +
      (q.tags.length ? ' [' + q.tags.join(', ') + ']' : '');
    $('#nq-params').replaceChildren(...(q.params.length ? q.params.map(paramInput) : [el('p', { class: 'small muted', text: 'No parameters.' })]));
  }

  let prefixes = [];
  function shorten(v) {
    if (typeof v !== 'string' || !/^https?:/.test(v) || $('#full-iris').checked) return null;
    for (const [p, ns] of prefixes) if (v.startsWith(ns) && v.length > ns.length) return p + ':' + v.slice(ns.length);
    return null;
  }

  function table(columns, rows) {
    const t = el('table', { class: 'data', id: 'results' },
      el('thead', {}, el('tr', {}, columns.map((c) => el('th', { scope: 'col', text: c })))));
    const tb = el('tbody');
    for (const r of rows.slice(0, 2000)) {
      tb.append(el('tr', {}, columns.map((c) => {
        const v = r[c] === undefined || r[c] === null ? '' : Array.isArray(r[c]) ? r[c].join('; ') : String(r[c]);
        const s = shorten(v);
        return s ? el('td', { title: v, text: s }) : el('td', { text: v });
      })));
    }
    t.append(tb);
    return t;
  }

  const EXT = {
    'application/sparql-results+json': 'json', 'application/json': 'json', 'text/csv': 'csv', 'text/tab-separated-values': 'tsv',
    'application/sparql-results+xml': 'srx', 'text/turtle': 'ttl', 'application/n-triples': 'nt', 'application/ld+json': 'jsonld',
    'application/rdf+xml': 'rdf',
  };
  const extOf = (type) => EXT[type] || 'txt';

  function show(res, info) {
    result = res;
    $('#dl-json').textContent = 'Download ' + (extOf(res.rawType) === 'json' ? 'JSON' : 'as received (.' + extOf(res.rawType) + ')');
    $('#sq-info').textContent = info;
    $('#sq-table').replaceChildren(res.columns ? table(res.columns, res.rows) : el('pre', { text: res.raw }));
    $('#dl-csv').disabled = !res.columns;
    $('#sq-result').hidden = false;
    say($('#sq-msg'), '');
  }

  function term(b) {
    if (!b) return '';
    if (b.type === 'literal') return b.value + (b['xml:lang'] ? '@' + b['xml:lang'] : '');
    return b.type === 'bnode' ? '_:' + b.value : b.value;
  }

  async function runNamed() {
    const q = current();
    if (!q) return;
    const p = new URLSearchParams();
    for (const input of $$('#nq-params input, #nq-params select')) if (input.value !== '') p.set(input.name, input.value);
    GS.setParams({ named: q.name });
    say($('#sq-msg'), 'Running ' + q.name, 'busy');
    const t0 = performance.now();
    try {
      const r = await api('/queries/' + encodeURIComponent(q.name) + '/run' + (p.toString() ? '?' + p : ''), { raw: true });
      const text = await r.text();
      const data = JSON.parse(text);
      const columns = [];
      for (const row of data.rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
      show({ name: q.name, columns, rows: data.rows, raw: text, rawType: 'application/json' },
        'Named query ' + q.name + ': ' + data.total + ' rows' + (data.total > data.rows.length ? ' (showing ' + data.rows.length + ')' : '') +
        ', ' + Math.round(performance.now() - t0) + ' ms.');
    } catch (e) {
      say($('#sq-msg'), e.message, 'error');
    }
  }

  async function runText() {
    const text = $('#q').value;
    if (!text.trim()) { say($('#sq-msg'), 'Write a query first.', 'error'); return; }
    say($('#sq-msg'), 'Running the query', 'busy');
    const t0 = performance.now();
    try {
      const r = await api('/sparql', {
        method: 'POST', body: text, contentType: 'application/sparql-query',
        accept: $('#ed-fmt').value || 'application/sparql-results+json, text/turtle;q=0.9', raw: true,
      });
      const ms = Math.round(performance.now() - t0);
      const type = (r.headers.get('Content-Type') || '').split(';')[0];
      const raw = await r.text();
      const cut = r.headers.get('X-Graphsvc-Truncated') ? ' (cut at the server\'s result cap)' : '';
      if (type === 'application/sparql-results+json') {
        const data = JSON.parse(raw);
        if ('boolean' in data) {
          show({ name: 'query', columns: ['boolean'], rows: [{ boolean: String(data.boolean) }], raw, rawType: type }, 'ASK: ' + data.boolean + ', ' + ms + ' ms.');
          return;
        }
        const rows = data.results.bindings.map((b) => Object.fromEntries(data.head.vars.map((v) => [v, term(b[v])])));
        show({ name: 'query', columns: data.head.vars, rows, raw, rawType: type }, rows.length + ' rows' + cut + ', ' + ms + ' ms.');
      } else {
        const what = type.includes('sparql-results') || type === 'text/csv' || type === 'text/tab-separated-values' ? 'Result' : 'Graph result';
        show({ name: 'query', columns: null, rows: [], raw, rawType: type || 'text/plain' }, what + ' (' + type + ')' + cut + ', ' + ms + ' ms.');
      }
    } catch (e) {
      say($('#sq-msg'), e.message, 'error');
    }
  }

  async function init() {
    $('#endpoint').textContent = location.origin + GS.BASE + '/sparql';
    GS.config().then((cfg) => {
      /* longest namespace first, so a framework's requirement IRIs read as iso42001:A.6.2.8, not gs… */
      prefixes = Object.entries(cfg.prefixes || {}).sort((a, b) => b[1].length - a[1].length);
    });
    $('#full-iris').addEventListener('change', () => { if (result && result.columns) $('#sq-table').replaceChildren(table(result.columns, result.rows)); });
    const p = GS.params();
    $('#q').value = p.get('query') || EXAMPLE;
    try {
      queries = await api('/queries');
    } catch (e) {
      say($('#sq-msg'), e.message, 'error');
      return;
    }
    fillSelect($('#nq'), queries.map((q) => [q.name, q.name + ': ' + q.summary.slice(0, 70)]), p.get('named') || 'mappings');
    await choose($('#nq').value);
    $('#nq').addEventListener('change', () => choose($('#nq').value));
    $('#nqform').addEventListener('submit', (ev) => { ev.preventDefault(); runNamed(); });
    $('#nq-load').addEventListener('click', async () => {
      try {
        const q = await api('/queries/' + encodeURIComponent($('#nq').value));
        $('#q').value = q.text;
        $('#q').focus();
      } catch (e) { say($('#sq-msg'), e.message, 'error'); }
    });
    $('#edform').addEventListener('submit', (ev) => { ev.preventDefault(); runText(); });
    $('#q').addEventListener('keydown', (ev) => { if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); runText(); } });
    $('#dl-csv').addEventListener('click', () => {
      if (result && result.columns) GS.saveBlob(result.name + '.csv', new Blob([GS.toCsv(result.columns, result.rows)], { type: 'text/csv' }));
    });
    $('#dl-json').addEventListener('click', () => {
      if (!result) return;
      GS.saveBlob(result.name + '.' + extOf(result.rawType), new Blob([result.raw], { type: result.rawType }));
    });
    if (p.get('named') && location.hash === '#run') runNamed();
    else if (p.get('query') && location.hash === '#run') runText();
  }

  init();
})();
