// Explorer: chains, blocks, transactions (with a verification badge per
// signature), identities, addresses and cross-chain search.
import * as api from '../api.js';
import { h, kv, link, enc, short, fmtTime, num } from '../dom.js';
import { t, tv } from '../i18n.js';
import { vtable } from '../table.js';
import { guard, panel, verdictBadge, validBadge, checks, notAvailable, errorBox, sevBadge, statusBadge, riskBadges, checkDetail } from '../ui.js';
import * as fisco from './fisco.js';

/** chainTabs is the sub-navigation of one chain. */
export function chainTabs(chain, active, kind) {
  const tabs = [['blocks', `/chains/${enc(chain)}/blocks`, t('explorer.blocks')]];
  if (kind === 'fisco') {
    tabs.push(['governance', `/chains/${enc(chain)}/governance`, t('fisco.governance')]);
    tabs.push(['sealers', `/chains/${enc(chain)}/sealers`, t('fisco.sealers')]);
  } else if (kind !== 'evm') {
    tabs.push(['identities', `/chains/${enc(chain)}/identities`, t('explorer.identities')]);
    tabs.push(['config', `/chains/${enc(chain)}/config`, t('explorer.config')]);
  }
  tabs.push(['contracts', `/contracts?chain=${enc(chain)}`, t('nav.contracts')]);
  tabs.push(['findings', `/findings?chain=${enc(chain)}`, t('nav.findings')]);
  return h('div', { class: 'tabs' }, tabs.map(([k, r, l]) => link(r, l, { class: k === active ? 'active' : undefined })));
}

let chainCache = null;
/** chainInfo returns the chain view of id (cached per page load). */
export async function chainInfo(id) {
  if (!chainCache) chainCache = api.get('chains').then((r) => r.items).catch((e) => { chainCache = null; throw e; });
  return (await chainCache).find((c) => c.id === id) || { id, kind: '' };
}

export async function home({ el }) {
  el.append(h('h1', null, t('explorer.title')));
  const body = h('div');
  el.append(body);
  await guard(body, t('nav.explorer'), async () => {
    const chains = (await api.get('chains')).items;
    body.replaceChildren(h('table', null,
      h('thead', null, h('tr', null, [t('explorer.chain'), t('explorer.kind'), t('explorer.network'), t('dash.height'), t('dash.head'), t('dash.lag')].map((x) => h('th', null, x)))),
      h('tbody', null, chains.map((c) => h('tr', null,
        h('td', null, link(`/chains/${enc(c.id)}/blocks`, c.name || c.id), h('div', { class: 'muted mono' }, c.id)),
        h('td', null, tv('chainkind', c.kind), ' · ', tv('crypto', c.crypto)),
        h('td', null, c.network || c.channel || (c.group ? t('fisco.groupN', { group: c.group }) : '') || (c.chainId ? `chainId ${c.chainId}` : '—')),
        h('td', null, num(c.height)), h('td', null, num(c.head)), h('td', null, num(c.lag)))))));
  });
}

export async function blocks({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('explorer.blocksOf', { chain: c.name || c.id })), chainTabs(c.id, 'blocks', c.kind));
  el.append(vtable({
    id: 'blocks',
    columns: [
      { label: t('explorer.height'), width: '90px', cell: (b) => num(b.height) },
      { label: t('explorer.hash'), width: '2fr', cell: (b) => h('span', { class: 'mono' }, short(b.hash, 14)) },
      { label: t('explorer.time'), width: '170px', cell: (b) => fmtTime(b.time) },
      { label: t('explorer.txCount'), width: '70px', cell: (b) => num(b.txCount) },
      { label: t('explorer.verdict'), width: '110px', cell: (b) => verdictBadge(b.verdict) },
    ],
    load: (cursor) => api.get(`chains/${enc(c.id)}/blocks`, { cursor, limit: 100 }),
    rowLink: (b) => `/chains/${enc(c.id)}/blocks/${b.height}`,
  }));
}

export async function block({ el, params }) {
  const c = await chainInfo(params.chain);
  const b = await api.get(`chains/${enc(c.id)}/blocks/${enc(params.ref)}`);
  el.append(h('h1', null, t('explorer.blockN', { n: num(b.height) }), ' ', verdictBadge(b.verdict)), chainTabs(c.id, 'blocks', c.kind));
  const nav = h('div', { class: 'row' },
    b.height > 0 ? link(`/chains/${enc(c.id)}/blocks/${b.height - 1}`, '← ' + t('explorer.prev')) : null,
    link(`/chains/${enc(c.id)}/blocks/${b.height + 1}`, t('explorer.next') + ' →'));
  el.append(nav, panel(t('explorer.header'), kv([
    [t('explorer.hash'), h('span', { class: 'mono' }, b.hash)],
    [t('explorer.parent'), b.height > 0 ? link(`/chains/${enc(c.id)}/blocks/${b.height - 1}`, b.parentHash, { class: 'mono' }) : h('span', { class: 'mono' }, b.parentHash)],
    [t('explorer.dataHash'), b.dataHash && h('span', { class: 'mono' }, b.dataHash)],
    [t('explorer.stateRoot'), b.stateRoot && h('span', { class: 'mono' }, b.stateRoot)],
    [t('explorer.time'), fmtTime(b.time)],
    [t('explorer.proposer'), b.fisco ? '' : b.proposer && link(`/chains/${enc(c.id)}/addresses/${enc(b.proposer)}`, b.proposer, { class: 'mono' })],
    ...fisco.blockRows(b),
    [t('explorer.gas'), b.gasLimit ? `${num(b.gasUsed)} / ${num(b.gasLimit)}` : ''],
    [t('explorer.baseFee'), b.baseFee],
    [t('explorer.channel'), b.fabric?.channel],
    [t('explorer.lastConfig'), b.fabric ? link(`/chains/${enc(c.id)}/config?at=${b.height}`, String(b.fabric.lastConfig)) : ''],
    [t('explorer.ordererType'), b.fabric?.ordererType],
    [t('explorer.headerHash'), b.fabric?.headerHashAlgo],
    [t('explorer.audit'), b.audit ? h('span', null, verdictBadge(b.audit.verdict || b.audit), ' ', h('span', { class: 'muted' }, fmtTime(b.audit.at))) : ''],
  ]), checks(b.verdict)));
  if (b.fisco) el.append(fisco.sealersPanel(b));
  if (b.signatures?.length) el.append(panel(t('explorer.blockSignatures'), b.signatures.map(signature)));
  if (b.config) el.append(panel(t('explorer.config'), h('p', null, link(`/chains/${enc(c.id)}/config?at=${b.height}`, t('explorer.viewConfig', { n: b.height })))));
  el.append(panel(t('explorer.txsN', { n: b.txs.length }), b.txs.length ? h('table', { id: 'block-txs' },
    h('thead', null, h('tr', null, ['#', t('explorer.txId'), t('explorer.type'), t('explorer.status'), t('explorer.verdict')].map((x) => h('th', null, x)))),
    h('tbody', null, b.txs.map((x) => h('tr', null,
      h('td', null, String(x.index)),
      h('td', null, link(`/chains/${enc(c.id)}/txs/${enc(x.id)}`, short(x.id, 18), { class: 'mono' })),
      h('td', null, x.type), h('td', null, validBadge(x.valid, x.status)), h('td', null, verdictBadge(x.verdict)))))) : h('p', { class: 'muted' }, t('table.empty'))));
  if (b.contracts?.length) {
    el.append(panel(t('explorer.created'), h('ul', null, b.contracts.map((a) => h('li', null, link(`/contracts/${enc(c.id)}/${enc(a)}`, a, { class: 'mono' }))))));
  }
}

/** signature renders one signature with its verification badge and the signer's certificate chain. */
export function signature(s) {
  const id = s.signer || {};
  const failed = s.verdict?.checks?.filter((x) => !x.ok) || [];
  const who = id.subject || id.address || id.mspId || '—';
  return h('div', { class: `sig ${s.verdict?.status || 'unverified'}`, dataset: { role: s.role } },
    h('div', { class: 'row' }, verdictBadge(s.verdict), h('b', null, tv('sigrole', s.role)), h('span', null, who),
      id.mspId ? h('span', { class: 'badge st' }, id.mspId) : null, h('span', { class: 'muted' }, s.algorithm)),
    failed.length ? h('p', { class: 'error' }, t('explorer.whyInvalid'), ' ', failed.flatMap((x, i) => [i ? '；' : '', x.name, x.detail ? ['：', checkDetail(x.detail)] : ''])) : null,
    kv([
      [t('explorer.signer'), id.address ? h('span', { class: 'mono' }, id.address) : id.subject],
      [t('explorer.issuer'), id.issuer],
      [t('explorer.chainOfTrust'), id.issuer || id.subject ? certChain(id) : ''],
      [t('explorer.serial'), id.serial && h('span', { class: 'mono' }, id.serial)],
      [t('explorer.fingerprint'), id.fingerprint && h('span', { class: 'mono' }, id.fingerprint)],
      [t('explorer.keyAlgo'), id.keyAlgorithm],
      [t('explorer.validity'), id.notBefore ? `${fmtTime(id.notBefore)} — ${fmtTime(id.notAfter)}` : ''],
      [t('explorer.ous'), id.ous?.join(', ')],
    ]),
    checks(s.verdict));
}

function certChain(id) {
  const steps = [];
  if (id.mspId) steps.push(t('explorer.mspRoot', { msp: id.mspId }));
  if (id.issuer) steps.push(id.issuer);
  if (id.subject) steps.push(id.subject);
  return h('span', null, steps.join(' → '));
}

export async function tx({ el, params }) {
  const c = await chainInfo(params.chain);
  const x = await api.get(`chains/${enc(c.id)}/txs/${enc(params.id)}`);
  renderTx(el, c, x);
}

export async function txAnyChain({ el, params, go }) {
  const res = await api.get(`txs/${enc(params.id)}`);
  if (res.items.length === 1) {
    go(`/chains/${enc(res.items[0].chain)}/txs/${enc(res.items[0].id)}`);
    return;
  }
  el.append(h('h1', null, t('explorer.txId')), res.items.length ? h('ul', null, res.items.map((x) =>
    h('li', null, link(`/chains/${enc(x.chain)}/txs/${enc(x.id)}`, `${x.chain} · ${x.id}`)))) : h('p', { class: 'muted' }, t('error.notFound')));
}

/**
 * mergeAudit applies the audit's verdict (when the API serves one) to the
 * signatures the ingest left unverified: the audit names its checks
 * "creator" and "endorsement-N" after the signature they judge.
 */
export function mergeAudit(x) {
  const audit = x.audit?.checks ? x.audit : x.audit?.verdict;
  if (!audit?.checks) return;
  let k = 0;
  for (const s of x.signatures) {
    const name = s.role === 'creator' ? 'creator' : s.role === 'endorser' ? `endorsement-${k++}` : '';
    if (!name || (s.verdict?.status && s.verdict.status !== 'unverified')) continue;
    const cs = audit.checks.filter((c) => c.name === name || c.name.startsWith(name + '/'));
    if (cs.length) s.verdict = { status: cs.every((c) => c.ok) ? 'verified' : 'failed', checks: cs };
  }
}

function renderTx(el, c, x) {
  const ch = enc(c.id);
  mergeAudit(x);
  const audit = x.audit?.checks ? x.audit : x.audit?.verdict;
  // One verification status in the header (the API combines the ingest's
  // checks with the auditor's); open risk findings are shown beside it.
  const risks = h('span', { id: 'tx-risks' });
  el.append(h('h1', null, t('explorer.tx'), ' ', h('span', { id: 'tx-verdict' }, verdictBadge(x.verdict)), ' ', validBadge(x.valid, x.status), ' ', risks), chainTabs(c.id, '', c.kind));
  const contract = x.contract || x.fabric?.chaincode;
  el.append(panel(t('explorer.overview'), kv([
    [t('explorer.txId'), h('span', { class: 'mono', id: 'tx-id' }, x.id)],
    [t('explorer.block'), link(`/chains/${ch}/blocks/${x.height}`, `#${num(x.height)} · ${x.index}`)],
    [t('explorer.time'), fmtTime(x.time)],
    [t('explorer.type'), x.type],
    [c.kind === 'fabric' ? t('explorer.validationCode') : t('explorer.receipt'), h('span', null, validBadge(x.valid, x.status), x.fabric ? ` (${x.fabric.validationCode})` : '')],
    [t('explorer.from'), x.from && link(`/chains/${ch}/addresses/${enc(x.from)}`, x.from, { class: 'mono' })],
    [t('explorer.to'), x.to && link(`/chains/${ch}/addresses/${enc(x.to)}`, x.to, { class: 'mono' })],
    [t('explorer.contract'), contract && link(`/contracts/${ch}/${enc(contract)}`, contract + (x.fabric?.chaincodeVersion ? ` (${x.fabric.chaincodeVersion})` : ''), { id: 'tx-contract' })],
    [t('explorer.function'), x.function],
    [t('explorer.value'), x.value],
    [t('explorer.nonce'), x.from ? String(x.nonce) : ''],
    [t('explorer.gas'), x.gas ? `${num(x.gasUsed)} / ${num(x.gas)} @ ${x.gasPrice || '—'}` : ''],
    [t('explorer.creator'), x.creator ? `${x.creator.mspId || ''} ${x.creator.subject || ''}` : ''],
    [t('explorer.decodeError'), x.fabric?.decodeError],
    ...fisco.txRows(x),
    [t('explorer.audit'), audit ? h('span', { id: 'tx-audit' }, verdictBadge(audit), ' ', h('span', { class: 'muted' }, fmtTime(x.audit.at))) : ''],
  ]), checks(x.verdict)));
  if (x.fisco?.governance) el.append(fisco.governancePanel(x));
  el.append(panel(t('explorer.signaturesN', { n: x.signatures.length }), h('div', { id: 'tx-sigs' }, x.signatures.length ? x.signatures.map(signature) : h('p', { class: 'muted' }, t('table.empty')))));
  if (x.fabric) {
    const f = x.fabric;
    if (f.args?.length) el.append(panel(t('explorer.args'), h('ol', null, f.args.map((a) => h('li', { class: 'mono' }, hexText(a))))));
    el.append(panel(t('explorer.rwsets'), f.rwsets?.length ? f.rwsets.map(rwset) : h('p', { class: 'muted' }, t('table.empty'))));
    if (f.events?.length) el.append(panel(t('explorer.events'), table([t('explorer.name'), t('explorer.contract'), t('explorer.payload')], f.events.map((e) => [e.name, e.chaincode, hexText(e.payload)]))));
    if (f.response) el.append(panel(t('explorer.response'), kv([[t('explorer.status'), String(f.response.status)], [t('explorer.message'), f.response.message], [t('explorer.payload'), hexText(f.response.payload)]])));
  }
  if (c.kind !== 'fabric' || x.logs?.length) {
    el.append(panel(t('explorer.logsN', { n: x.logs?.length || 0 }), x.logs?.length ? table(['#', t('explorer.address'), t('explorer.topics'), t('explorer.data')],
      x.logs.map((l) => [String(l.index), link(`/contracts/${ch}/${enc(l.address)}`, l.address, { class: 'mono' }), h('div', { class: 'mono' }, l.topics.map((tp) => h('div', null, tp))), h('span', { class: 'mono' }, short(l.data, 40))])) : h('p', { class: 'muted' }, t('table.empty'))));
  }
  const related = h('div', { id: 'tx-findings' });
  el.append(panel(t('explorer.findings'), related));
  guard(related, t('explorer.findings'), async () => {
    // Findings name a transaction by its id, or by id/creator,
    // id/endorsement-N and id/policy:CHAINCODE for its parts.
    const refs = [x.id, `${x.id}/creator`, ...x.signatures.filter((s) => s.role === 'endorser').map((_, i) => `${x.id}/endorsement-${i}`)];
    if (x.fabric?.chaincode) refs.push(`${x.id}/policy:${x.fabric.chaincode}`);
    const pages = await Promise.all(refs.map((ref) => api.get('findings', { chain: c.id, subject: ref, limit: 50 })));
    const fs = pages.flatMap((p) => p.items);
    risks.replaceChildren(...riskBadges(fs));
    related.replaceChildren(fs.length ? table([t('findings.severity'), t('findings.rule'), t('findings.subject'), t('findings.status'), t('findings.message')],
      fs.map((f) => [sevBadge(f.severity), link(`/findings/${enc(f.id)}`, f.rule), f.subject.ref.slice(x.id.length + 1) || t('explorer.tx'), statusBadge(f.status), f.message]))
      : h('p', { class: 'muted' }, t('findings.none')));
  });
  const raw = h('div');
  el.append(panel(t('explorer.raw'), h('button', { type: 'button', onclick: () => guard(raw, '', async () => {
    const r = await api.get(`chains/${ch}/txs/${enc(x.id)}`, { raw: 1 });
    raw.replaceChildren(h('pre', { class: 'block mono' }, r.raw || '—'), ...(r.signatures || []).filter((s) => s.signer?.cert).map((s) => h('pre', { class: 'block mono' }, s.signer.cert)));
  }) }, t('explorer.showRaw')), raw));
}

function rwset(ns) {
  return h('div', null, h('h3', null, ns.namespace),
    ns.reads?.length ? table([t('explorer.read'), t('explorer.version')], ns.reads.map((r) => [r.key, r.missing ? t('explorer.missing') : `${r.blockNum}:${r.txNum}`])) : null,
    ns.writes?.length ? table([t('explorer.write'), t('explorer.value')], ns.writes.map((w) => [w.key, w.isDelete ? t('explorer.delete') : hexText(w.value)])) : null,
    ns.rangeReads?.length ? table([t('explorer.rangeRead'), t('explorer.keys')], ns.rangeReads.map((r) => [`${r.startKey} … ${r.endKey}`, String(r.keys?.length || 0)])) : null,
    ns.collections?.length ? table([t('explorer.collection'), t('explorer.writes')], ns.collections.map((col) => [col.collection, String(col.hashedWrites?.length || 0)])) : null);
}

/** hexText shows 0x-hex as text when it is printable UTF-8, else as hex. */
export function hexText(x) {
  if (!x) return '—';
  const s = String(x).replace(/^0x/, '');
  if (s.length % 2 || !/^[0-9a-f]*$/i.test(s) || s.length > 4096) return short(x, 40);
  const bytes = new Uint8Array(s.match(/../g)?.map((b) => parseInt(b, 16)) || []);
  try {
    const txt = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (/^[\x20-\x7e\u00a0-\uffff\n\t]*$/.test(txt)) return txt;
  } catch { /* not UTF-8 */ }
  return short(x, 40);
}

/** table renders a small static table from header labels and rows of cells. */
export function table(heads, rows) {
  return h('table', null, h('thead', null, h('tr', null, heads.map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((cell) => h('td', null, cell ?? '—'))))));
}

export async function identities({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('explorer.identitiesOf', { chain: c.name || c.id })), chainTabs(c.id, 'identities', c.kind));
  const route = api.first('GET', '/api/v1/chains/{chain}/identities');
  if (!route) {
    el.append(notAvailable(t('explorer.identities')));
    return;
  }
  el.append(vtable({
    id: 'identities',
    columns: [
      { label: 'MSP', width: '120px', cell: (i) => i.mspId },
      { label: t('explorer.subject'), width: '2fr', cell: (i) => i.subject },
      { label: t('explorer.keyAlgo'), width: '100px', cell: (i) => i.keyAlgorithm },
      { label: t('explorer.createdTxs'), width: '80px', cell: (i) => num(i.created) },
      { label: t('explorer.endorsed'), width: '80px', cell: (i) => num(i.endorsed) },
      { label: t('explorer.validity'), width: '170px', cell: (i) => fmtTime(i.notAfter) },
    ],
    load: (cursor) => api.get(api.fill(route, { chain: c.id }), { cursor, limit: 200 }),
    rowLink: (i) => i.fingerprint ? `/chains/${enc(c.id)}/identities/${enc(i.fingerprint)}` : null,
  }));
}

export async function identity({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('explorer.identity')), chainTabs(c.id, 'identities', c.kind));
  const route = api.first('GET', '/api/v1/chains/{chain}/identities/{fp}');
  if (!route) {
    el.append(notAvailable(t('explorer.identity')));
    return;
  }
  const i = await api.get(api.fill(route, { chain: c.id, fp: params.fp, fingerprint: params.fp, id: params.fp }));
  el.append(panel(i.subject || i.fingerprint, signature({ role: 'identity', signer: i, algorithm: i.keyAlgorithm, verdict: i.verdict }),
    kv([[t('explorer.firstSeen'), num(i.firstHeight)], [t('explorer.lastSeen'), num(i.lastHeight)], [t('explorer.createdTxs'), num(i.created)],
      [t('explorer.endorsed'), num(i.endorsed)], [t('explorer.blocksSigned'), num(i.blocksSigned)],
      [t('explorer.firstTx'), i.firstTx && link(`/chains/${enc(c.id)}/txs/${enc(i.firstTx)}`, i.firstTx, { class: 'mono' })]])));
}

export async function address({ el, params }) {
  const c = await chainInfo(params.chain);
  el.append(h('h1', null, t('explorer.address')), h('p', { class: 'mono' }, params.addr), chainTabs(c.id, '', c.kind));
  el.append(vtable({
    id: 'history',
    columns: [
      { label: t('explorer.height'), width: '90px', cell: (e) => num(e.height) },
      { label: t('explorer.txId'), width: '3fr', cell: (e) => h('span', { class: 'mono' }, e.tx) },
      { label: t('explorer.role'), width: '100px', cell: (e) => tv('histrole', e.role) },
    ],
    load: (cursor) => api.get(`chains/${enc(c.id)}/addresses/${enc(params.addr)}/history`, { cursor, limit: 200 }),
    rowLink: (e) => `/chains/${enc(c.id)}/txs/${enc(e.tx)}`,
  }));
}

/** matchRoute is the console route of a search match. */
export function matchRoute(m) {
  const ch = enc(m.chain);
  switch (m.kind) {
    case 'tx': return `/chains/${ch}/txs/${enc(m.ref)}`;
    case 'block': return `/chains/${ch}/blocks/${m.height ?? enc(m.ref)}`;
    case 'address': case 'account': return `/chains/${ch}/addresses/${enc(m.ref)}`;
    case 'contract': case 'chaincode': return `/contracts/${ch}/${enc(m.ref)}`;
    case 'identity': case 'certificate': return `/chains/${ch}/identities/${enc(m.ref)}`;
    case 'msp': case 'org': return `/chains/${ch}/identities`;
    case 'node': return `/nodes/${enc(m.ref)}` + (m.org ? `?org=${enc(m.org)}` : '');
    case 'sealer': return `/chains/${ch}/sealers`;
    default: return `/chains/${ch}/blocks`;
  }
}

export async function search({ el, query }) {
  const q = query.q || '';
  el.append(h('h1', null, t('search.title', { q })));
  const body = h('div');
  el.append(body);
  await guard(body, t('search.title', { q }), async () => {
    const res = await api.get('search', { q });
    body.replaceChildren(res.items.length ? table([t('search.kind'), t('explorer.chain'), t('explorer.channel'), t('search.org'), t('search.ref'), t('explorer.height')],
      res.items.map((m) => [tv('kind', m.kind), m.chain, m.channel || '—', m.org || '—', link(matchRoute(m), short(m.ref, 24), { class: 'mono' }), num(m.height)])) : h('p', { class: 'muted' }, t('search.none')));
  }).catch((e) => body.replaceChildren(errorBox(e)));
}
