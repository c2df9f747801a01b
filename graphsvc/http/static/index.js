/* Index page: what the service holds, and a few questions as ready-made links. */
'use strict';

(() => {
  const { api, el, $ } = GS;

  async function init() {
    const stats = $('#stats');
    const quick = $('#quick');
    quick.replaceChildren();
    try {
      const [fws, systems, certs] = await Promise.all([GS.frameworks(), api('/systems'), api('/certificates')]);
      const reqs = fws.reduce((a, f) => a + f.requirements, 0);
      $('#fwtable').replaceChildren(el('table', { class: 'data', id: 'frameworks' },
        el('thead', {}, el('tr', {}, ['id', 'framework', 'edition', 'requirements'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, fws.map((f) => el('tr', {}, el('td', {}, el('code', { text: f.id })), el('td', { text: f.title }),
          el('td', { text: f.edition }), el('td', { class: 'num', text: String(f.requirements) }))))));
      stats.textContent = fws.length + ' framework editions with ' + reqs + ' requirements, ' + systems.length + ' AI systems and ' +
        certs.length + ' certificates or attestations visible to you.';
      const ai = fws.find((f) => f.id === 'euaia') ? 'euaia' : fws.length ? fws[0].id : '';
      /* a provider's certificate, valid today: one held by an organisation whose systems others build on */
      const today = (await GS.config()).today || GS.today();
      const providers = new Set(systems.flatMap((s) => s.depends_on.map((d) => d.split('/')[0])));
      const valid = certs.filter((c) => c.kind === 'certificate' && c.systems > 0 && c.valid_from <= today && today <= c.valid_until);
      const cert = valid.find((c) => providers.has(c.id.split('/')[1])) || valid[0];
      if (cert && ai) {
        quick.append(el('li', {}, el('a', { href: 'coverage?' + new URLSearchParams({ certificate: cert.id, target: ai }), text:
          'What does "' + cert.label + '" evidence against the ' + ai + ' requirements?' })));
      }
      const customers = systems.filter((s) => s.depends_on.length).slice(0, 3);
      for (const customer of customers) {
        if (!ai) break;
        quick.append(el('li', {}, el('a', { href: 'coverage?' + new URLSearchParams({ system: customer.id, target: ai }), text:
          customer.org_label + ': "' + customer.label + '" builds on ' + customer.depends_on.join(', ') + '. What does it get from the provider, and what is left for it?' })));
      }
      if (customers.length) {
        quick.append(el('li', {}, el('a', { href: 'applicability?' + new URLSearchParams({ system: customers[0].id }), text:
          'Which AI Act obligations bind "' + customers[0].label + '", and from when (as adopted and as amended)?' })));
      }
      if (fws.some((f) => f.id === 'iso42001')) {
        quick.append(el('li', {}, el('a', { href: 'crosswalk?req=' + encodeURIComponent('iso42001:A.6.2.8'), text:
          'What does ISO/IEC 42001 A.6.2.8 (event logs) map to in the other frameworks?' })));
      }
      quick.append(el('li', {}, el('a', { href: 'sparql?named=mappings#run', text: 'Every mapping with relation, strength, status and source (named query)' })));
    } catch (e) {
      stats.textContent = e.message;
    }
  }

  document.addEventListener('gs:key', init);
  init();
})();
