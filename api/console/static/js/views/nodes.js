// Node registry: nodes with their probe results, revision history and
// risk, and the register and retire forms (operators for their own org,
// regulators for all). A node is identified by its org and its id (two
// orgs may each register "peer0"), so every link to a node carries
// ?org=.
import * as api from '../api.js';
import { h, kv, link, enc, fmtTime, num } from '../dom.js';
import { t, tv } from '../i18n.js';
import { vtable } from '../table.js';
import { lines } from '../charts.js';
import { guard, panel, notAvailable, errorBox, select, sevBadge } from '../ui.js';
import { schemaForm } from '../forms.js';
import { table } from './explorer.js';

const LIST = '/api/v1/nodes';
const ONE = '/api/v1/nodes/{id}';
const RISK = '/api/v1/risk';

/** nodePath is the console route of node (org, id). */
export function nodePath(id, org) {
  return `/nodes/${enc(id)}` + (org ? `?org=${enc(org)}` : '');
}

export async function list({ el, query, go }) {
  el.append(h('h1', null, t('nodes.title')));
  if (!api.has('GET', LIST)) {
    el.append(notAvailable(t('nodes.title')));
    return;
  }
  const retired = select('retired', [['', t('nodes.active')], ['true', t('nodes.withRetired')]], query.retired || '', { id: 'nodes-retired' });
  retired.addEventListener('change', () => go('/nodes' + (retired.value ? '?retired=' + retired.value : '')));
  el.append(h('div', { class: 'filters' }, h('label', null, t('nodes.show'), retired)));
  el.append(vtable({
    id: 'nodes',
    columns: [
      { label: 'ID', width: '1fr', cell: (n) => n.id },
      { label: t('explorer.chain'), width: '110px', cell: (n) => n.chain + (n.channel ? '/' + n.channel : '') },
      { label: t('findings.org'), width: '110px', cell: (n) => n.org },
      { label: t('nodes.kind'), width: '90px', cell: (n) => tv('nodekind', n.kind) },
      { label: t('nodes.endpoint'), width: '1.5fr', cell: (n) => n.endpoint || n.address },
      { label: t('nodes.version'), width: '90px', cell: (n) => n.version },
      { label: t('nodes.status'), width: '90px', cell: (n) => h('span', { class: `badge ${n.retired ? 'st' : 'ok'}` }, n.retired ? t('nodes.retired') : t('nodes.activeOne')) },
      { label: t('nodes.changed'), width: '160px', cell: (n) => fmtTime(n.time) },
    ],
    load: (cursor) => api.get(LIST, { cursor, limit: 200, retired: query.retired }),
    rowLink: (n) => nodePath(n.id, n.org),
  }));
  if (api.has('POST', LIST)) {
    el.append(panel(t('nodes.register'), h('p', { class: 'muted' }, t('nodes.registerHint')), schemaForm('POST', LIST, {
      id: 'node-register', submitLabel: t('nodes.registerSubmit'),
      fallback: [['id', 'string'], ['chain', 'string'], ['org', 'string'], ['kind', 'string'], ['endpoint', 'string']],
      submit: async (body) => { const n = await api.post(LIST, body); go(nodePath(n.id, n.org)); return n; },
    })));
  }
}

export async function detail({ el, params, query, go }) {
  let n;
  try {
    n = await api.get(api.fill(ONE, { id: params.id }), { org: query.org });
  } catch (e) {
    // The id alone names nodes of several orgs: offer each.
    if (e.status !== 409) throw e;
    el.append(h('h1', null, t('nodes.node'), ' ', h('span', { class: 'mono' }, params.id)));
    const all = (await api.get(LIST, { retired: 'true', limit: 200 })).items.filter((x) => x.id === params.id);
    el.append(panel(t('nodes.ambiguous', { id: params.id }), h('ul', null,
      all.map((x) => h('li', null, link(nodePath(x.id, x.org), `${x.id} · ${x.org}`))))));
    return;
  }
  const org = { org: n.org };
  el.append(h('h1', null, t('nodes.node'), ' ', h('span', { class: 'mono' }, n.id), ' ', h('span', { class: 'mono muted' }, n.org), ' ',
    h('span', { class: `badge ${n.retired ? 'st' : 'ok'}` }, n.retired ? t('nodes.retired') : t('nodes.activeOne'))));
  el.append(panel(t('nodes.registry'), kv([
    [t('explorer.chain'), link(`/chains/${enc(n.chain)}/blocks`, n.chain + (n.channel ? ' / ' + n.channel : ''))],
    [t('findings.org'), n.org], [t('nodes.kind'), tv('nodekind', n.kind)], [t('nodes.endpoint'), n.endpoint],
    [t('nodes.operations'), n.operations], [t('nodes.serverName'), n.serverName], [t('explorer.address'), n.address],
    [t('nodes.version'), n.version], [t('nodes.contact'), n.contact], [t('nodes.note'), n.note],
    [t('nodes.revision'), `${n.rev} · ${n.change || ''} · ${n.actor || ''} · ${fmtTime(n.time)}`], [t('nodes.reason'), n.reason],
  ])));
  const riskEl = h('div', { id: 'node-risk' });
  if (api.has('GET', RISK)) {
    el.append(panel(t('nodes.risk'), riskEl));
    guard(riskEl, t('nodes.risk'), async () => riskEl.replaceChildren(riskView(await api.get(RISK, { kind: 'node', ref: n.id, ...org }))));
  }
  const probesEl = h('div', { id: 'node-probes' });
  el.append(panel(t('nodes.probes'), probesEl));
  const probes = api.first('GET', '/api/v1/nodes/{id}/probes');
  if (!probes) probesEl.append(notAvailable(t('nodes.probes')));
  else guard(probesEl, t('nodes.probes'), async () => probesEl.replaceChildren(probeTable((await api.get(api.fill(probes, { id: n.id }), { limit: 50, ...org })).items)));
  const histEl = h('div', { id: 'node-history' });
  const history = api.first('GET', '/api/v1/nodes/{id}/history');
  if (history) {
    el.append(panel(t('nodes.history'), histEl));
    guard(histEl, t('nodes.history'), async () => {
      const revs = (await api.get(api.fill(history, { id: n.id }), org)).items;
      histEl.replaceChildren(table([t('nodes.revision'), t('explorer.time'), t('nodes.actor'), t('nodes.change'), t('nodes.endpoint'), t('nodes.version'), t('nodes.reason')],
        revs.map((r) => [String(r.rev), fmtTime(r.time), r.actor, r.change, r.endpoint, r.version || '—', r.reason || '—'])));
    });
  }
  if (!n.retired && api.has('DELETE', ONE)) {
    const reason = h('input', { name: 'reason', size: 40, required: true, placeholder: t('nodes.reason') });
    const msg = h('div');
    const form = h('form', { class: 'row', id: 'node-retire' }, reason, h('button', { type: 'submit' }, t('nodes.retire')), msg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api.call('DELETE', api.fill(ONE, { id: n.id }), { query: { reason: reason.value.trim(), ...org } });
        go(`${nodePath(n.id, n.org)}&retired=${Date.now()}`);
      } catch (e) {
        msg.replaceChildren(errorBox(e));
      }
    });
    el.append(panel(t('nodes.retire'), h('p', { class: 'muted' }, t('nodes.retireHint')), form));
  }
}

/** riskView shows a risk score, its explanation, contributors and trend. */
export function riskView(r) {
  const cur = r.current;
  if (!cur) return h('p', { class: 'muted' }, t('dash.noRisk'));
  const trend = (r.trend || []).slice().sort((a, b) => a.time.localeCompare(b.time));
  return h('div', null,
    h('div', { class: 'stats' }, h('div', { class: 'stat' }, h('b', null, num(cur.score)), h('span', null, t('nodes.score'))),
      h('div', { class: 'stat' }, h('b', null, tv('level', cur.level)), h('span', null, t('nodes.level')))),
    h('p', null, cur.explanation),
    trend.length > 1 ? lines(trend.map((p) => fmtTime(p.time).slice(5, 16)), [{ name: t('nodes.score'), color: '#d1382f', values: trend.map((p) => p.score) }], { label: t('nodes.risk'), height: 160 }) : null,
    cur.contributors?.length ? table([t('findings.severity'), t('findings.rule'), t('nodes.points'), t('findings.message')],
      cur.contributors.map((c) => [sevBadge(c.severity), link(`/findings/${enc(c.finding)}`, c.rule), String(c.points), c.message])) : null);
}

function probeTable(ps) {
  if (!ps?.length) return h('p', { class: 'muted' }, t('nodes.noProbes'));
  return h('div', null, ps.map((p) => h('details', { class: 'sig' },
    h('summary', null, h('span', { class: `badge ${p.reachable ? 'ok' : 'bad'}` }, p.reachable ? t('nodes.reachable') : t('nodes.unreachable')), ' · ',
      fmtTime(p.time), ` · ${p.ms} ms`, p.version ? ` · ${p.version}` : '', p.head ? ` · ${t('dash.head')} ${num(p.head)}` : '',
      p.findings?.length ? ` · ${t('nodes.findingsN', { n: p.findings.length })}` : ''),
    p.findings?.length ? table([t('findings.severity'), t('findings.rule'), t('findings.message')], p.findings.map((f) => [sevBadge(f.severity), link(`/findings/${enc(f.id)}`, f.rule), f.message])) : null,
    table([t('nodes.check'), t('nodes.target'), t('nodes.result'), t('nodes.detail')], (p.evidence || []).map((e) =>
      [e.check, h('span', { class: 'mono' }, e.target), h('span', { class: `badge ${e.ok ? 'ok' : 'bad'}` }, e.ok ? '✓' : '✗'), h('span', { class: 'mono' }, e.error || e.response || '—')])))));
}
