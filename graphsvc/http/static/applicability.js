/* Applicability page: /applicable asked twice (adopted, amended), shown side by side. */
'use strict';

(() => {
  const { api, el, $, $$, say, fillSelect } = GS;
  const form = $('#appform');
  const LAYERS = ['adopted', 'amended'];
  let last = null;

  function mode() { return form.elements.mode.value; }
  function showMode() { for (const f of $$('[data-mode]', form)) f.hidden = f.dataset.mode !== mode(); }

  function cell(row) {
    if (!row) return el('td', { class: 'st-none', text: 'does not bind' });
    return el('td', {}, el('span', { class: 'st-' + row.status, text: row.status === 'applies' ? 'applies' : 'applies from' }),
      ' ' + row.from);
  }

  function differs(a, b) {
    if (!a || !b) return a || b ? 'binds in one layer only' : '';
    if (a.status !== b.status) return a.status === 'applies' ? 'applies now as adopted, later as amended' : 'applies now as amended, later as adopted';
    if (a.from !== b.from) return 'date moves ' + a.from + ' → ' + b.from;
    return '';
  }

  async function timeline(res, asOf) {
    const box = $('#timeline');
    const Plotly = await GS.plotly();
    const dates = [...new Set(LAYERS.flatMap((l) => res[l].items.map((i) => i.from)))].sort();
    const series = LAYERS.map((l) => {
      const ys = dates.map((d) => res[l].items.filter((i) => i.from <= d).length);
      return { layer: l, ys };
    });
    $('#timeline-desc').textContent = 'Obligations in force over time. ' + series.map((s) => 'As ' + s.layer + ': ' +
      dates.map((d, k) => d + ' ' + s.ys[k]).join(', ')).join('. ') + '. The dashed line is ' + asOf + '.';
    if (!Plotly) { box.hidden = true; return; }
    box.hidden = false;
    const x = dates.concat([dates.length ? '2031-12-31' : asOf]);
    const traces = series.map((s, k) => ({
      type: 'scatter', mode: 'lines+markers', line: { shape: 'hv', width: 3, dash: k ? 'solid' : 'dot', color: k ? '#a86400' : '#1f3a5f' },
      name: 'as ' + s.layer, x, y: s.ys.concat([s.ys[s.ys.length - 1] || 0]),
      hovertemplate: 'as ' + s.layer + ': %{y} obligations in force from %{x}<extra></extra>',
    }));
    await Plotly.react(box, traces, {
      height: 320, margin: { l: 50, r: 20, t: 40, b: 40 }, font: { family: 'system-ui, sans-serif', size: 12, color: '#1b1f24' },
      title: { text: 'Obligations in force, by date', font: { size: 14 }, x: 0.01 },
      xaxis: { type: 'date', title: { text: 'date' } }, yaxis: { title: { text: 'obligations' }, rangemode: 'tozero' },
      legend: { orientation: 'h', y: 1.12, x: 0.5 },
      shapes: [{ type: 'line', x0: asOf, x1: asOf, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dash', color: '#5a0b0b', width: 2 } }],
      annotations: [{ x: asOf, yref: 'paper', y: 1, text: asOf, showarrow: false, yanchor: 'bottom', font: { color: '#5a0b0b' } }],
    }, { displaylogo: false, responsive: true });
  }

  function render() {
    if (!last) return;
    const { res, rows } = last;
    const only = $('#only-diff').checked;
    const tbody = $('#app-table tbody');
    tbody.replaceChildren();
    for (const r of rows) {
      const d = differs(r.adopted, r.amended);
      if (only && !d) continue;
      tbody.append(el('tr', { class: d ? 'differs' : '', dataset: { curie: r.curie } },
        el('th', { scope: 'row' }, el('strong', { text: r.notation }), ' ' + r.title),
        cell(r.adopted), cell(r.amended), el('td', { class: d ? 'diff' : 'muted', text: d || 'same' }),
        el('td', { class: 'small', text: (r.amended || r.adopted).reason })));
    }
    if (!tbody.children.length) tbody.append(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No obligation differs between the layers.' })));
    const cards = $('#app-cards');
    cards.replaceChildren(...LAYERS.map((l) => {
      const now = res[l].items.filter((i) => i.status === 'applies').length;
      return el('div', { class: 'card' }, el('h3', { text: 'As ' + l }), el('div', { class: 'big', text: String(now) }),
        el('div', { class: 'small', text: 'apply on ' + res[l].as_of + '; ' + (res[l].total - now) + ' more apply later' }));
    }), el('div', { class: 'card you' }, el('h3', { text: 'Differ' }),
      el('div', { class: 'big', text: String(rows.filter((r) => differs(r.adopted, r.amended)).length) }),
      el('div', { class: 'small', text: 'obligations whose date or status changes' })));
  }

  async function run() {
    const asOf = $('#app-date').value;
    const p = { as_of: asOf };
    if (mode() === 'system') p.system = $('#app-system').value;
    else { p.role = $('#role').value; p.category = $('#category').value; }
    GS.setParams(p);
    say($('#appmsg'), 'Asking both law layers', 'busy');
    try {
      const answers = await Promise.all(LAYERS.map((l) => api('/applicable?' + new URLSearchParams(Object.assign({ law_version: l }, p)))));
      const res = Object.fromEntries(LAYERS.map((l, k) => [l, answers[k]]));
      const rows = [];
      const byCurie = new Map();
      for (const l of LAYERS) {
        for (const i of res[l].items) {
          if (!byCurie.has(i.curie)) { const r = { curie: i.curie, notation: i.notation, title: i.title }; byCurie.set(i.curie, r); rows.push(r); }
          byCurie.get(i.curie)[l] = i;
        }
      }
      last = { res, rows };
      const who = res.adopted.system ? res.adopted.system + ' (roles ' + res.adopted.roles.join(', ') + '; categories ' + res.adopted.categories.join(', ') + ')'
        : res.adopted.roles.join(', ') + ' of a ' + res.adopted.categories.join(', ') + ' system';
      $('#app-title').textContent = 'EU AI Act obligations for ' + who + ' on ' + asOf;
      $('#app-layers').textContent = LAYERS.map((l) => GS.layerText(res[l].law_layer)).join('; ') + '.';
      render();
      $('#app-result').hidden = false;
      await timeline(res, asOf);
      say($('#appmsg'), '');
    } catch (e) {
      say($('#appmsg'), e.message, 'error');
    }
  }

  function csv() {
    if (!last) return;
    const cols = ['notation', 'title', 'curie', 'adopted_status', 'adopted_from', 'amended_status', 'amended_from', 'difference'];
    const rows = last.rows.map((r) => ({
      notation: r.notation, title: r.title, curie: r.curie,
      adopted_status: r.adopted ? r.adopted.status : 'does-not-bind', adopted_from: r.adopted ? r.adopted.from : '',
      amended_status: r.amended ? r.amended.status : 'does-not-bind', amended_from: r.amended ? r.amended.from : '',
      difference: differs(r.adopted, r.amended),
    }));
    GS.saveBlob('applicability.csv', new Blob([GS.toCsv(cols, rows)], { type: 'text/csv' }));
  }

  async function init() {
    const p = GS.params();
    try {
      const [cfg, systems] = await Promise.all([GS.config(), api('/systems')]);
      fillSelect($('#role'), cfg.roles.map((r) => [r, r]), p.get('role') || 'deployer');
      fillSelect($('#category'), cfg.categories.map((c) => [c, c]), p.get('category') || 'high-risk-annex-iii');
      fillSelect($('#app-system'), systems.map((s) => [s.id, s.label + ' (' + s.id + ')']), p.get('system') || undefined);
      $('#app-date').value = p.get('as_of') || cfg.today || GS.today();
    } catch (e) {
      say($('#appmsg'), e.message, 'error');
      return;
    }
    if (p.get('system')) form.elements.mode.value = 'system';
    showMode();
    form.addEventListener('change', (ev) => { if (ev.target.name === 'mode') showMode(); if (ev.target.id === 'only-diff') render(); });
    form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
    $('#app-csv').addEventListener('click', csv);
    run();
  }

  init();
})();
