// Compliance assessment: one chain against one standard, clause by
// clause (pass, fail with the findings as evidence, not evaluated and
// why, manual review), with the printable report for download.
import * as api from '../api.js';
import { h, link, enc, fmtTime } from '../dom.js';
import { t, tv, current } from '../i18n.js';
import { panel, notAvailable, errorBox, select, sevBadge } from '../ui.js';
import { table } from './explorer.js';

const ROUTE = '/api/v1/chains/{chain}/compliance';
const ORDER = ['pass', 'fail', 'not-evaluated', 'manual'];

export async function render({ el, query }) {
  el.append(h('h1', null, t('compliance.title')));
  const route = api.first('GET', ROUTE);
  if (!route) {
    el.append(notAvailable(t('compliance.title')));
    return;
  }
  const [chains, standards] = await Promise.all([
    api.get('chains').then((r) => r.items).catch(() => []),
    api.get('standards').then((r) => r.items).catch(() => []),
  ]);
  if (!chains.length || !standards.length) {
    el.append(h('p', { class: 'muted' }, t('compliance.nothing')));
    return;
  }
  const chain = select('chain', chains.map((c) => [c.id, c.name || c.id]), query.chain || chains[0].id);
  const standard = select('standard', standards.map((s) => [s.id, `${s.code} ${s.title}`]), query.standard || standards[0].id);
  const out = h('div', { id: 'compliance-out' });
  const form = h('form', { class: 'filters', id: 'compliance-form' },
    h('label', null, t('explorer.chain'), chain),
    h('label', null, t('compliance.standard'), standard),
    h('button', { class: 'primary', type: 'submit' }, t('compliance.assess')));
  const run = async () => {
    out.replaceChildren(h('p', { class: 'loading' }, t('common.loading')));
    const path = api.fill(route, { chain: chain.value });
    try {
      const a = await api.get(path, { standard: standard.value });
      out.replaceChildren(...view(a, path));
    } catch (e) {
      out.replaceChildren(errorBox(e, t('compliance.title')));
    }
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
  el.append(panel(t('compliance.scope'), form), out);
  await run();
}

function view(a, path) {
  const summary = h('p', { id: 'compliance-summary' }, ...ORDER.map((s) =>
    h('span', { class: `badge cs ${s}`, dataset: { status: s } }, `${tv('compliance', s)} ${a.summary?.[s] ?? 0}`)), ' ',
    download(path, a));
  const head = h('p', null, h('b', null, `${a.standard.code} ${a.standard.title}`), ' · ', a.chain, ' · ',
    h('span', { class: 'muted' }, t('compliance.generated'), ' ', fmtTime(a.generated)));
  const rows = a.clauses.map((c) => [
    h('span', { class: 'mono' }, c.number),
    h('span', null, c.title, c.confirmed ? null : h('div', { class: 'muted' }, t('compliance.unconfirmed'), c.note ? '：' + c.note : ''),
      c.confirmed && c.note ? h('div', { class: 'muted' }, c.note) : null),
    h('span', { class: `badge cs ${c.status}`, dataset: { status: c.status } }, tv('compliance', c.status)),
    h('ul', { class: 'reasons' }, (c.reasons || []).map((r) => h('li', null, r))),
    c.findings?.length ? h('ul', { class: 'evidence' }, c.findings.map((f) => h('li', null, sevBadge(f.severity), ' ',
      link(`/findings/${enc(f.id)}`, f.rule), ' ', h('span', { class: 'muted' }, f.subject), ' ', f.message)),
    c.findingCount > c.findings.length ? h('li', { class: 'muted' }, t('compliance.more', { n: c.findingCount - c.findings.length })) : null) : '',
  ]);
  const tbl = table([t('compliance.clause'), t('compliance.clauseTitle'), t('compliance.result'), t('compliance.reasons'), t('compliance.evidence')], rows);
  tbl.id = 'compliance-clauses';
  a.clauses.forEach((c, i) => { tbl.querySelectorAll('tbody tr')[i]?.setAttribute('data-clause', c.number); });
  return [panel(t('compliance.result'), head, summary, tbl),
    panel(t('compliance.basis'), h('p', null, a.standard.wording),
      h('p', { class: 'muted' }, t('compliance.sources'), '：', ...a.standard.sources.flatMap((s, i) => [i ? '；' : '', h('span', { class: 'mono' }, s)])),
      h('p', { class: 'muted' }, t('compliance.disclaimer')))];
}

/** download fetches the printable HTML assessment and offers it as a file. */
function download(path, a) {
  const btn = h('button', { type: 'button', id: 'compliance-download' }, t('compliance.download'));
  btn.addEventListener('click', async () => {
    const r = await api.call('GET', path, { query: { standard: a.standard.id, format: 'html', lang: current() }, raw: true });
    const href = URL.createObjectURL(await r.blob());
    const el = h('a', { href, download: `lianjian-compliance-${a.standard.id}-${a.chain}.html` });
    document.body.append(el);
    el.click();
    el.remove();
  });
  return btn;
}
