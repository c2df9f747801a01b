/* Review queue: one proposed mapping at a time, the two texts side by side, keyboard shortcuts. */
'use strict';

(() => {
  const { api, $, say } = GS;
  const RELATIONS = ['intersects', 'subset', 'superset', 'equal', 'not-related'];
  const WHO = 'graphsvc-reviewer';
  let org = '';
  let items = [];
  let at = 0;

  function current() { return items[at]; }

  function show() {
    const card = $('#rv-card');
    $('#rv-edit').hidden = true;
    if (!items.length) {
      card.hidden = true;
      say($('#rvmsg'), 'No proposals are waiting for ' + org + '.', 'ok');
      return;
    }
    at = Math.max(0, Math.min(at, items.length - 1));
    const p = current();
    card.hidden = false;
    card.dataset.id = p.id;
    $('#rv-title').textContent = 'Proposal ' + (at + 1) + ' of ' + items.length + ' waiting';
    $('#rv-meta').textContent = p.id + ' · confidence ' + p.confidence + ' · shared words: ' + (p.matched || '(none)') +
      ' · suggested: ' + p.relation + ', strength ' + p.strength;
    $('#rv-control-h').textContent = 'Control ' + p.control_label;
    $('#rv-control-text').textContent = p.control_text || '(no description)';
    $('#rv-req-h').textContent = p.requirement + ' ' + (p.requirement_title || '');
    $('#rv-req-text').textContent = p.requirement_text || '(no summary)';
  }

  async function load(ev) {
    if (ev) ev.preventDefault();
    org = $('#rv-org').value.trim();
    sessionStorage.setItem(WHO, $('#rv-reviewer').value.trim());
    say($('#rvmsg'), 'Loading the queue of ' + org + '…');
    try {
      items = await api('/orgs/' + encodeURIComponent(org) + '/proposals?status=proposed&texts=true');
      at = 0;
      $('#rvmsg').hidden = true;
      show();
    } catch (e) {
      $('#rv-card').hidden = true;
      say($('#rvmsg'), e.message, 'error');
    }
  }

  async function decide(body) {
    const p = current();
    if (!p) return;
    const reviewer = $('#rv-reviewer').value.trim();
    if (!reviewer) { say($('#rvmsg'), 'Enter your name first: it is recorded with each decision.', 'error'); $('#rv-reviewer').focus(); return; }
    try {
      const r = await api('/orgs/' + encodeURIComponent(org) + '/proposals/' + encodeURIComponent(p.id) + '/review', {
        method: 'POST', contentType: 'application/json', body: JSON.stringify(Object.assign({ reviewer }, body)),
      });
      const row = r.reviewed[0];
      items.splice(at, 1);
      show();
      say($('#rvmsg'), p.id + ' ' + row.status + ' (' + row.relation + ', strength ' + row.strength + ') by ' + row.reviewer + '.', 'ok');
    } catch (e) {
      say($('#rvmsg'), e.message, 'error');
    }
  }

  function openEdit() {
    const p = current();
    if (!p) return;
    $('#rv-edit').hidden = false;
    $('#rv-relation').value = p.relation;
    $('#rv-strength').value = p.strength;
    $('#rv-comment').value = '';
    $('#rv-relation').focus();
  }

  function saveEdit(ev) {
    ev.preventDefault();
    decide({
      decision: 'edit', relation: $('#rv-relation').value, strength: Number($('#rv-strength').value), comment: $('#rv-comment').value,
    });
  }

  function move(step) { at += step; show(); }

  function onKey(ev) {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || $('#rv-card').hidden) return;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) {
      if (ev.key === 'Escape') { $('#rv-edit').hidden = true; t.blur(); }
      return;
    }
    const actions = { a: () => decide({ decision: 'accept' }), r: () => decide({ decision: 'reject' }), e: openEdit, j: () => move(1), k: () => move(-1), ArrowRight: () => move(1), ArrowLeft: () => move(-1) };
    const f = actions[ev.key];
    if (f) { ev.preventDefault(); f(); }
  }

  function init() {
    const params = new URLSearchParams(location.search);
    $('#rv-org').value = params.get('org') || '';
    $('#rv-reviewer').value = sessionStorage.getItem(WHO) || '';
    $('#rv-relation').replaceChildren(...RELATIONS.map((r) => new Option(r, r)));
    $('#rvform').addEventListener('submit', load);
    $('#rv-edit').addEventListener('submit', saveEdit);
    $('#rv-accept').addEventListener('click', () => decide({ decision: 'accept' }));
    $('#rv-reject').addEventListener('click', () => decide({ decision: 'reject' }));
    $('#rv-edit-open').addEventListener('click', openEdit);
    $('#rv-next').addEventListener('click', () => move(1));
    $('#rv-prev').addEventListener('click', () => move(-1));
    document.addEventListener('keydown', onKey);
    if ($('#rv-org').value && $('#rv-reviewer').value) load();
  }

  init();
})();
