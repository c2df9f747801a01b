/* graphsvc pages: what every page shares (API calls with the user's key, DOM helpers, downloads). */
'use strict';

const GS = (() => {
  const KEY = 'graphsvc-key';
  /* The API lives where /ui/ is mounted: '' normally, '/prefix' behind a proxy. */
  const BASE = location.pathname.replace(/\/ui(\/.*)?$/, '');
  const STATUSES = ['satisfied', 'partial', 'gap', 'upcoming', 'conditional', 'not-applicable'];
  const STATUS_TEXT = {
    satisfied: '✓ satisfied', partial: '◐ partial', gap: '✗ gap', upcoming: '⏲ upcoming',
    conditional: '? conditional', 'not-applicable': '– not applicable',
  };

  function key() { return sessionStorage.getItem(KEY) || ''; }

  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    const k = key();
    if (k) h.Authorization = 'Bearer ' + k;
    return h;
  }

  class ApiError extends Error {
    constructor(status, message, body) { super(message); this.status = status; this.body = body; }
  }

  async function fail(r) {
    let msg = r.status + ' ' + r.statusText;
    let body = null;
    try {
      body = await r.json();
      if (body && body.error) msg = body.error;
    } catch (e) { /* not JSON */ }
    if (r.status === 401) msg += ' (enter an API key at the top of the page)';
    if (r.status === 403 || r.status === 404) msg += key() ? '' : ' (public data only: without a key, private data is invisible)';
    throw new ApiError(r.status, msg, body);
  }

  /** fetch BASE+path with the key; JSON back unless raw (then the Response). */
  async function api(path, opts) {
    const o = opts || {};
    const headers = authHeaders(Object.assign({ Accept: o.accept || 'application/json' }, o.headers || {}));
    if (o.contentType) headers['Content-Type'] = o.contentType;
    const r = await fetch(BASE + path, { method: o.method || 'GET', headers, body: o.body });
    if (!r.ok) await fail(r);
    return o.raw ? r : r.json();
  }

  /** Every item of a paged list route (limit ≤ 1000). */
  async function pages(path) {
    const sep = path.includes('?') ? '&' : '?';
    let offset = 0;
    let items = [];
    let first = null;
    for (;;) {
      const page = await api(path + sep + 'limit=1000&offset=' + offset);
      first = first || page;
      items = items.concat(page.items);
      offset += page.items.length;
      if (!page.items.length || offset >= page.total) break;
    }
    return Object.assign({}, first, { items });
  }

  /** el('tag', {attr: v, class: 'x', text: 't', on: {click: f}}, ...children) */
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') n.textContent = v;
      else if (k === 'class') n.className = v;
      else if (k === 'on') for (const [ev, f] of Object.entries(v)) n.addEventListener(ev, f);
      else if (k === 'dataset') Object.assign(n.dataset, v);
      else n.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }

  function fillSelect(select, options, value) {
    select.replaceChildren(...options.map(([v, label]) => el('option', { value: v, text: label })));
    if (value !== undefined && options.some(([v]) => v === value)) select.value = value;
  }

  /** Put a message in a page's status region (role=status / alert are in the HTML). */
  function say(region, text, kind) {
    if (!region) return;
    region.replaceChildren();
    region.className = kind === 'error' ? 'error' : kind === 'busy' ? 'notice busy' : text ? 'notice' : '';
    region.hidden = !text;
    if (text) region.textContent = text;
  }

  function saveBlob(filename, blob) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: filename, hidden: true });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
  }

  /** Download a route's answer (with the key), named by its Content-Disposition or fallback. */
  async function download(path, fallback) {
    const r = await api(path, { raw: true, accept: '*/*' });
    const cd = r.headers.get('Content-Disposition') || '';
    const m = /filename="?([^";]+)"?/.exec(cd);
    saveBlob(m ? m[1] : fallback, await r.blob());
  }

  function csvCell(v) {
    const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join('; ') : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCsv(columns, rows) {
    const lines = [columns.map(csvCell).join(',')];
    for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
    return lines.join('\r\n') + '\r\n';
  }

  function params() { return new URLSearchParams(location.search); }

  function setParams(obj) {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) if (v !== '' && v !== undefined && v !== null) p.set(k, v);
    history.replaceState(null, '', location.pathname + (p.toString() ? '?' + p : ''));
  }

  function today() { return new Date().toISOString().slice(0, 10); }

  function statusSwatch(status) {
    return el('span', { class: 'swatch st-' + status, text: STATUS_TEXT[status] || status });
  }

  let configPromise = null;
  function config() {
    configPromise = configPromise || fetch(BASE + '/ui/config.json').then((r) => r.json());
    return configPromise;
  }

  let plotlyPromise = null;
  /** Load plotly.js (served from the installed plotly package) once; resolves to window.Plotly or null. */
  function plotly() {
    if (!plotlyPromise) {
      plotlyPromise = new Promise((resolve) => {
        if (window.Plotly) { resolve(window.Plotly); return; }
        const s = el('script', { src: BASE + '/ui/vendor/plotly.min.js' });
        s.onload = () => resolve(window.Plotly || null);
        s.onerror = () => resolve(null);
        document.head.append(s);
      });
    }
    return plotlyPromise;
  }

  async function layers() {
    try {
      const r = await api('/queries/date_layers/run');
      const status = (x) => String(x.status || '').endsWith('proposal') ? 'proposal, not law'
        : 'law in force' + (x.inForceFrom ? ' since ' + x.inForceFrom : '');
      return [['in-force', 'the law in force on the date']].concat(
        r.rows.map((x) => [x.id, x.id + ': ' + (x.title || x.id) + ' (' + status(x) + ')']));
    } catch (e) {
      return [['in-force', 'the law in force on the date'], ['adopted', 'adopted'], ['amended', 'amended']];
    }
  }

  /* "law layer 'amended': ... (law in force since 2026-07-27)", from an answer's law_layer field */
  function layerText(l) {
    if (!l) return '';
    return "law layer '" + l.id + "': " + l.title + ' (' + l.statement + ')';
  }

  /* -- the API key: checked against GET /whoami when it is entered, never taken on trust -------- */
  let whoPromise = null;

  /** Ask the server who a key is (null: no key). Resolves to {ok, who} or {ok: false, status, error}. */
  async function checkKey(k) {
    const headers = { Accept: 'application/json' };
    if (k) headers.Authorization = 'Bearer ' + k;
    let r;
    try {
      r = await fetch(BASE + '/whoami', { headers });
    } catch (e) {
      return { ok: false, status: 0, error: 'the server could not be reached to check the key (' + e.message + ')' };
    }
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (r.ok && body) return { ok: true, who: body };
    let error = (body && body.error) || r.status + ' ' + r.statusText;
    if (r.status === 429) error += ' (too many refused keys from here: try again in ' + (r.headers.get('Retry-After') || 'a few') + ' s)';
    return { ok: false, status: r.status, error };
  }

  /** Who the key in use is: {ok, who} (checked once per key), for pages that say what an answer rests on. */
  function whoami() {
    whoPromise = whoPromise || checkKey(key());
    return whoPromise;
  }

  /** "reader key 'web' of contoso", "admin key 'ops'", "no key" */
  function whoText(who) {
    if (!who || who.anonymous) return 'no key';
    return who.role + " key '" + who.name + "'" + (who.tenant ? ' of ' + who.tenant : '') + (who.role === 'admin' ? ' (reads every organisation)' : '');
  }

  /** May the key in use read this organisation's private data? (null while unknown) */
  async function seesPrivate(org) {
    const res = await whoami();
    return res.ok ? res.who.private_orgs.includes(org) : null;
  }

  function initKey() {
    const form = $('#keyform');
    if (!form) return;
    const input = $('#apikey');
    const state = $('#keystate');
    const show = (res, note) => {
      input.removeAttribute('aria-invalid');
      state.classList.remove('ok', 'bad');
      if (res.ok) {
        state.classList.add('ok');
        state.textContent = res.who.anonymous ? 'no key: public data only' : '✓ ' + whoText(res.who);
        if (note) state.textContent = note + ' ' + state.textContent;
        state.title = res.who.anonymous ? 'Without a key the pages show the catalogs, the mappings and what organisations publish.' : 'reads: ' + res.who.scope;
      } else {
        state.classList.add('bad');
        input.setAttribute('aria-invalid', 'true');
        state.textContent = '✗ ' + (note || 'key refused') + ': ' + res.error;
        state.title = '';
      }
    };
    const changed = () => { document.dispatchEvent(new CustomEvent('gs:key')); };
    input.value = key();
    state.textContent = key() ? 'checking the key…' : '';
    whoami().then((res) => {
      if (res.ok) { show(res); return; }
      if (!key()) { show(res, 'no key, and this server needs one'); return; }
      /* a stored key the server no longer takes (revoked, or the server was reset): stop sending it */
      sessionStorage.removeItem(KEY);
      whoPromise = null;
      show(res, 'the key of this tab was refused, so none is in use');
      changed();
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const candidate = input.value.trim();
      if (!candidate) { $('#forgetkey').click(); return; }
      state.classList.remove('ok', 'bad');
      state.textContent = 'checking the key…';
      const res = await checkKey(candidate);
      if (!res.ok) {
        show(res, 'key refused' + (key() ? ', still using the key entered before' : ', so the pages show public data only'));
        return;
      }
      sessionStorage.setItem(KEY, candidate);
      whoPromise = Promise.resolve(res);
      show(res);
      changed();
    });
    $('#forgetkey').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      input.value = '';
      whoPromise = null;
      state.textContent = 'checking…';
      whoami().then((res) => show(res));
      changed();
    });
  }

  function groupLabel(item) { return item.notation + (item.title && item.title !== item.notation ? ' ' + item.title : ''); }

  /**
   * Index a catalog (items of /frameworks/{id}/requirements) for grouping: byCurie, byNotation,
   * ancestors(item) (top first), and group(item): the chapter / clause / function / domain a
   * requirement sits in (ISO/IEC 42001 Annex A by control objective, A.2 … A.10).
   */
  function catalogIndex(items) {
    const byNotation = new Map(items.map((i) => [i.notation, i]));
    const byCurie = new Map(items.map((i) => [i.curie, i]));
    const order = new Map(items.map((i, n) => [i.curie, n]));
    function ancestors(item) {
      const out = [];
      const seen = new Set();
      let p = item && item.parent;
      while (p && byNotation.has(p) && !seen.has(p)) {
        seen.add(p);
        const node = byNotation.get(p);
        out.unshift(node);
        p = node.parent;
      }
      return out;
    }
    /* an annex made of control objectives (ISO/IEC 42001 Annex A) is grouped by objective */
    const split = new Set(items.filter((i) => i.kind === 'annex_objective' && byNotation.has(i.parent)).map((i) => i.parent));
    function group(item, level) {
      if (split.has(item.notation)) return null;
      const chain = ancestors(item).concat([item]);
      let i = 0;
      if (chain.length > 1 && split.has(chain[0].notation)) i = 1;
      i += (level || 1) - 1;
      return chain[Math.min(i, chain.length - 1)];
    }
    return { items, byNotation, byCurie, order, ancestors, group };
  }

  const catalogs = new Map();
  function catalog(fw) {
    if (!catalogs.has(fw)) {
      catalogs.set(fw, pages('/frameworks/' + encodeURIComponent(fw) + '/requirements').then((p) => catalogIndex(p.items)));
    }
    return catalogs.get(fw);
  }

  let frameworksPromise = null;
  function frameworks() {
    frameworksPromise = frameworksPromise || api('/frameworks');
    return frameworksPromise;
  }

  document.addEventListener('gs:key', () => { catalogs.clear(); frameworksPromise = null; });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', initKey);
  else initKey();

  return {
    BASE, STATUSES, STATUS_TEXT, ApiError, api, pages, el, $, $$, fillSelect, say, saveBlob, download, toCsv,
    params, setParams, today, statusSwatch, config, plotly, layers, layerText, key, catalog, catalogIndex, frameworks,
    groupLabel, whoami, whoText, seesPrivate,
  };
})();
