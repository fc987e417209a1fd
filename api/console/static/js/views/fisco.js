// FISCO BCOS: a block's sealers and quorum, a transaction's governance
// call, and a chain's governance history and sealer health.
import * as api from '../api.js';
import { h, kv, link, enc, short, fmtTime, num } from '../dom.js';
import { t, tv } from '../i18n.js';
import { vtable } from '../table.js';
import { panel, verdictBadge, validBadge, notAvailable } from '../ui.js';
import { chainInfo, chainTabs, table, hexText } from './explorer.js';

const GOV_ROUTE = '/api/v1/chains/{chain}/governance';
const SEALERS_ROUTE = '/api/v1/chains/{chain}/sealers';

/** quorumText renders "signed weight / needed" with whether it was reached. */
export function quorumText(q) {
  if (!q) return '';
  return h('span', { class: q.reached ? 'ok' : 'error', id: 'fisco-quorum' }, q.text, ' ',
    h('span', { class: 'muted' }, t('fisco.quorumOf', { total: q.totalWeight })), ' ',
    h('span', { class: `badge ${q.reached ? 'verified' : 'failed'}` }, q.reached ? t('fisco.quorumReached') : t('fisco.quorumMissed')));
}

/** blockRows are the header rows of a FISCO block. */
export function blockRows(b) {
  const f = b.fisco;
  if (!f) return [];
  return [
    [t('fisco.version'), `FISCO BCOS ${f.version}.x`],
    [t('fisco.headerVersion'), f.version >= 3 ? `${f.headerVersionHex} (${f.headerVersion})` : ''],
    [t('fisco.group'), f.group],
    [t('fisco.crypto'), tv('crypto', f.crypto)],
    [t('fisco.proposer'), f.proposer ? h('span', { class: 'mono' }, `#${f.proposer.index} · ${short(f.proposer.nodeId, 20)}`) : ''],
    [t('fisco.quorum'), quorumText(f.quorum)],
    [t('fisco.receiptsRoot'), f.receiptsRoot && h('span', { class: 'mono' }, f.receiptsRoot)],
    [t('fisco.receipts'), f.receipts ? t('fisco.receiptsChecked') : t('fisco.receiptsMissing')],
  ];
}

/** sealersPanel lists a block's sealers with their signature verdicts. */
export function sealersPanel(b) {
  const f = b.fisco;
  if (!f) return null;
  const rows = [...f.sealers, ...(f.outsiders || [])];
  return panel(t('fisco.blockSealers', { n: f.sealers.length }), h('table', { id: 'fisco-sealers' },
    h('thead', null, h('tr', null, ['#', t('fisco.nodeId'), t('fisco.weight'), t('fisco.role'), t('fisco.signature')].map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((s) => h('tr', { dataset: { verdict: s.verdict } },
      h('td', null, String(s.index)),
      h('td', { class: 'mono', title: s.nodeId }, short(s.nodeId, 24)),
      h('td', null, num(s.weight)),
      h('td', null, s.proposer ? t('fisco.proposerMark') : (s.index >= f.sealers.length ? t('fisco.outsider') : '')),
      h('td', null, s.verdict === 'unsigned' ? h('span', { class: 'muted' }, t('fisco.unsigned')) : verdictBadge({ status: s.verdict })))))));
}

/** txRows are the overview rows of a FISCO transaction. */
export function txRows(x) {
  const f = x.fisco;
  if (!f) return [];
  return [
    [t('fisco.receiptStatus'), h('span', null, validBadge(x.valid, x.status), ` (${f.receiptStatus})`)],
    [t('fisco.chainGroup'), [f.chainId, f.groupId].filter(Boolean).join(' / ')],
    [t('fisco.blockLimit'), num(f.blockLimit)],
    [t('fisco.nonce'), f.nonce && h('span', { class: 'mono' }, short(f.nonce, 40))],
    [t('fisco.publicKey'), f.publicKey && h('span', { class: 'mono', id: 'tx-pubkey' }, short(f.publicKey, 40))],
    [t('fisco.contractAddress'), f.contractAddress],
    [t('fisco.output'), f.output && h('span', { class: 'mono' }, hexText(f.output))],
  ];
}

/** governancePanel shows the system contract call a transaction makes. */
export function governancePanel(x) {
  const g = x.fisco?.governance;
  if (!g) return null;
  const args = Object.entries(g.args || {});
  return panel(t('fisco.governanceCall'), h('div', { id: 'tx-governance' }, kv([
    [t('fisco.action'), h('b', null, tv('govaction', g.action))],
    [t('fisco.contract'), tv('govcontract', g.contract)],
    [t('fisco.method'), g.method && h('span', { class: 'mono' }, g.method)],
    [t('fisco.nodeId'), g.nodeId && h('span', { class: 'mono' }, g.nodeId)],
    [t('fisco.weight'), g.weight !== undefined && g.weight !== null ? String(g.weight) : ''],
    [t('fisco.key'), g.key],
    [t('fisco.value'), g.value],
    [t('fisco.account'), g.account && h('span', { class: 'mono' }, g.account)],
    [t('fisco.outcome'), validBadge(x.valid, x.valid ? t('fisco.executed') : t('fisco.rejected'))],
    [t('fisco.decodeError'), g.error && h('span', { class: 'error' }, g.error)],
  ]), args.length ? table([t('fisco.arg'), t('fisco.value')], args.map(([k, v]) => [k, h('span', { class: 'mono' }, v)])) : null));
}

/** governance lists a FISCO chain's governance history, newest first. */
export async function governance({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('fisco.governanceOf', { chain: c.name || c.id })), chainTabs(c.id, 'governance', c.kind));
  const route = api.first('GET', GOV_ROUTE);
  if (!route) {
    el.append(notAvailable(t('fisco.governance')));
    return;
  }
  el.append(vtable({
    id: 'governance',
    columns: [
      { label: t('explorer.height'), width: '90px', cell: (r) => num(r.height) },
      { label: t('explorer.time'), width: '170px', cell: (r) => fmtTime(r.time) },
      { label: t('fisco.action'), width: '130px', cell: (r) => tv('govaction', r.governance.action) },
      { label: t('fisco.target'), width: '2fr', cell: (r) => h('span', { class: 'mono' }, target(r.governance)) },
      { label: t('explorer.from'), width: '1fr', cell: (r) => h('span', { class: 'mono' }, short(r.from, 14)) },
      { label: t('fisco.outcome'), width: '110px', cell: (r) => validBadge(r.success, r.success ? t('fisco.executed') : r.status) },
    ],
    load: (cursor) => api.get(api.fill(route, { chain: c.id }), { cursor, limit: 200 }),
    rowLink: (r) => `/chains/${enc(c.id)}/txs/${enc(r.tx)}`,
  }));
}

/** target says what a governance call changes: a node, a key or an account. */
function target(g) {
  if (g.error) return g.error;
  if (g.nodeId) return short(g.nodeId, 20) + (g.weight !== undefined && g.weight !== null ? ` · ${t('fisco.weight')} ${g.weight}` : '');
  if (g.key) return `${g.key} = ${g.value ?? ''}`;
  if (g.account) return g.account;
  return g.method || '—';
}

/** sealers lists a FISCO chain's current sealers with their signed counts. */
export async function sealers({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('fisco.sealersOf', { chain: c.name || c.id })), chainTabs(c.id, 'sealers', c.kind));
  const route = api.first('GET', SEALERS_ROUTE);
  if (!route) {
    el.append(notAvailable(t('fisco.sealers')));
    return;
  }
  const v = await api.get(api.fill(route, { chain: c.id }));
  el.append(panel(t('fisco.window'), kv([
    [t('fisco.newestBlock'), v.height !== null ? link(`/chains/${enc(c.id)}/blocks/${v.height}`, `#${num(v.height)}`) : '—'],
    [t('fisco.blocksRead'), v.blocks ? t('fisco.blocksRange', { n: num(v.blocks), from: num(v.from), to: num(v.to) }) : '—'],
    [t('fisco.quorum'), quorumText(v.quorum)],
  ])));
  el.append(panel(t('fisco.sealersN', { n: v.sealers.length }), v.sealers.length ? h('table', { id: 'sealer-health' },
    h('thead', null, h('tr', null, ['#', t('fisco.nodeId'), t('fisco.weight'), t('fisco.signed'), t('fisco.failed'), t('fisco.proposed'), t('fisco.lastSigned')].map((x) => h('th', null, x)))),
    h('tbody', null, v.sealers.map((s) => h('tr', { class: s.signed === 0 ? 'error' : undefined },
      h('td', null, String(s.index)),
      h('td', { class: 'mono', title: s.nodeId }, short(s.nodeId, 24)),
      h('td', null, num(s.weight)),
      h('td', null, `${num(s.signed)} / ${num(v.sealable ?? v.blocks)}`),
      h('td', { class: s.failed ? 'error' : undefined }, num(s.failed)),
      h('td', null, num(s.proposed)),
      h('td', null, s.lastSigned !== null ? link(`/chains/${enc(c.id)}/blocks/${s.lastSigned}`, `#${num(s.lastSigned)}`) : h('span', { class: 'error' }, t('fisco.never'))))))) : h('p', { class: 'muted' }, t('table.empty'))));
}

/** sealerBars gives the dashboard's bars: blocks each sealer signed. */
export async function sealerBars(c) {
  const route = api.first('GET', SEALERS_ROUTE);
  if (!route) return null;
  const v = await api.get(api.fill(route, { chain: c.id }), { window: 200 });
  return v.sealers.map((s) => ({ label: `#${s.index} ${short(s.nodeId, 10)}`, value: s.signed }));
}
