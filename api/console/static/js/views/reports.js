// Supervision reports: choose a scope, generate, preview and download.
import * as api from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import * as i18n from '../i18n.js';
import { panel, notAvailable, errorBox, select } from '../ui.js';

const CANDIDATES = ['/api/v1/reports', '/api/v1/reports/supervision', '/api/v1/report'];

export async function render({ el, query }) {
  el.append(h('h1', null, t('reports.title')));
  const route = api.first('GET', ...CANDIDATES);
  if (!route) {
    el.append(notAvailable(t('reports.title')));
    return;
  }
  const chains = (await api.get('chains').catch(() => ({ items: [] }))).items;
  const params = new Set(api.operation('GET', route)?.parameters?.map((p) => p.name) || ['chain', 'org', 'from', 'to', 'format', 'lang']);
  const chain = select('chain', [['', t('common.any')], ...chains.map((c) => [c.id, c.name || c.id])], query.chain || '');
  const org = h('input', { name: 'org', value: query.org || '', size: 12 });
  const from = h('input', { type: 'date', name: 'from', value: query.from || '' });
  const to = h('input', { type: 'date', name: 'to', value: query.to || '' });
  const format = select('format', [['html', 'HTML'], ['json', 'JSON'], ['csv', 'CSV']], query.format || 'html');
  const out = h('div', { id: 'report-out' });
  const form = h('form', { class: 'filters', id: 'report-form' },
    params.has('chain') ? h('label', null, t('explorer.chain'), chain) : null,
    params.has('org') ? h('label', null, t('findings.org'), org) : null,
    params.has('from') ? h('label', null, t('reports.from'), from) : null,
    params.has('to') ? h('label', null, t('reports.to'), to) : null,
    h('label', null, t('reports.format'), format),
    h('button', { class: 'primary', type: 'submit' }, t('reports.generate')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.replaceChildren(h('p', { class: 'loading' }, t('reports.generating')));
    const q = { chain: chain.value, org: org.value.trim(), format: format.value };
    if (from.value) q.from = new Date(from.value + 'T00:00:00Z').toISOString().replace('.000', '');
    if (to.value) q.to = new Date(to.value + 'T23:59:59Z').toISOString().replace('.000', '');
    if (params.has('lang')) q.lang = i18n.current();
    try {
      const r = await api.call('GET', route, { query: q, raw: true });
      const blob = await r.blob();
      const name = (r.headers.get('Content-Disposition') || '').match(/filename="?([^";]+)/)?.[1] || `lianjian-report${q.chain ? '-' + q.chain : ''}.${q.format}`;
      const href = URL.createObjectURL(blob);
      const parts = [h('a', { href, download: name, id: 'report-download', class: 'badge ok' }, t('reports.download', { name })),
        h('span', { class: 'muted' }, ` ${Math.ceil(blob.size / 1024)} KiB`)];
      if (q.format !== 'html') parts.push(h('pre', { class: 'block mono' }, (await blob.text()).slice(0, 20000)));
      else parts.push(h('p', { class: 'muted' }, t('reports.htmlHint')));
      out.replaceChildren(...parts);
    } catch (e) {
      out.replaceChildren(errorBox(e, t('reports.title')));
    }
  });
  el.append(panel(t('reports.scope'), form, out));
}
