// Fabric channel config at any height, and a readable diff between two
// versions. Uses the API's config routes when served; otherwise follows
// each block's last-config pointer to the CONFIG blocks themselves.
import * as api from '../api.js';
import { h, kv, link, enc, num, fmtTime, short } from '../dom.js';
import { t, tv } from '../i18n.js';
import { panel, notAvailable, guard, select } from '../ui.js';
import { chainInfo, chainTabs, table } from './explorer.js';

const MAX_WALK = 32;

export async function render({ el, params, query, go }) {
  const c = await chainInfo(params.chain);
  const ch = enc(c.id);
  el.append(h('h1', null, t('config.title', { chain: c.name || c.id })), chainTabs(c.id, 'config', c.kind));
  if (c.kind === 'evm') {
    el.append(notAvailable(t('config.title', { chain: c.id })));
    return;
  }
  const at = query.at !== undefined ? Number(query.at) : c.height;
  if (at === null || at === undefined || Number.isNaN(at)) {
    el.append(h('p', { class: 'muted' }, t('table.empty')));
    return;
  }
  const versions = await listVersions(c, at);
  const cur = versions.find((v) => v.height <= at) || versions[versions.length - 1];
  if (!cur) {
    el.append(h('p', { class: 'muted' }, t('config.none')));
    return;
  }
  const older = versions.filter((v) => v.height < cur.height);
  const vs = query.vs !== undefined ? Number(query.vs) : older[0]?.height;
  const opts = versions.map((v) => [String(v.height), t('config.version', { h: num(v.height), seq: v.sequence ?? '?', time: fmtTime(v.time) })]);
  const atSel = select('at', opts, String(cur.height), { id: 'config-at' });
  const vsSel = select('vs', [['', t('config.noCompare')], ...opts], vs === undefined ? '' : String(vs), { id: 'config-vs' });
  const apply = () => go(`/chains/${ch}/config?at=${atSel.value}${vsSel.value ? '&vs=' + vsSel.value : ''}`);
  atSel.addEventListener('change', apply);
  vsSel.addEventListener('change', apply);
  el.append(h('div', { class: 'filters' }, h('label', null, t('config.at'), atSel), h('label', null, t('config.compare'), vsSel)));
  const cfg = await configAt(c, cur.height);
  const diffEl = h('div', { id: 'config-diff' });
  if (vs !== undefined && !Number.isNaN(vs)) {
    el.append(panel(t('config.diffTitle', { from: num(vs), to: num(cur.height) }), diffEl));
    guard(diffEl, t('config.diff'), async () => diffEl.replaceChildren(await diff(c, vs, cur.height, cfg)));
  }
  el.append(summary(c, cfg, cur.height));
}

/** listVersions returns config versions newest first, each {height, sequence, time}. */
async function listVersions(c, at) {
  const route = api.first('GET', '/api/v1/chains/{chain}/configs');
  if (route) {
    const res = await api.get(api.fill(route, { chain: c.id }));
    return (res.items || res).slice().sort((a, b) => b.height - a.height);
  }
  const out = [];
  let h0 = Math.max(at, c.height ?? at);
  for (let i = 0; i < MAX_WALK && h0 >= 0; i++) {
    const b = await api.get(`chains/${enc(c.id)}/blocks/${h0}`);
    const cfgHeight = b.config ? b.height : b.fabric?.lastConfig ?? 0;
    const cb = cfgHeight === b.height ? b : await api.get(`chains/${enc(c.id)}/blocks/${cfgHeight}`);
    if (!cb.config) break;
    out.push({ height: cb.height, sequence: cb.config.sequence, time: cb.config.time || cb.time });
    if (cfgHeight === 0) break;
    h0 = cfgHeight - 1;
  }
  return out;
}

async function configAt(c, height) {
  const route = api.first('GET', '/api/v1/chains/{chain}/config');
  if (route) return api.get(api.fill(route, { chain: c.id }), { height });
  const b = await api.get(`chains/${enc(c.id)}/blocks/${height}`);
  if (b.config) return b.config;
  return (await api.get(`chains/${enc(c.id)}/blocks/${b.fabric?.lastConfig ?? 0}`)).config;
}

async function diff(c, from, to, toCfg) {
  const route = api.first('GET', '/api/v1/chains/{chain}/config/diff');
  let changes;
  if (route) {
    const d = await api.get(api.fill(route, { chain: c.id }), { from, to });
    changes = (d.changes || d.Changes || []).map((x) => ({ section: x.section, path: x.path, kind: x.kind, from: x.from, to: x.to }));
  } else {
    changes = diffConfigs(flatten(await configAt(c, from)), flatten(toCfg));
  }
  if (!changes.length) return h('p', { class: 'muted' }, t('config.same'));
  return h('table', { class: 'diff' },
    h('thead', null, h('tr', null, [t('config.section'), t('config.path'), t('config.change'), t('config.from'), t('config.to')].map((x) => h('th', null, x)))),
    h('tbody', null, changes.map((x) => h('tr', null,
      h('td', null, tv('section', x.section)), h('td', { class: 'mono' }, x.path), h('td', { class: x.kind }, tv('change', x.kind)),
      h('td', { class: x.kind === 'added' ? '' : x.kind }, h('pre', null, pemShort(x.from))), h('td', { class: x.kind === 'removed' ? '' : x.kind }, h('pre', null, pemShort(x.to)))))));
}

/** pemShort abbreviates PEM blocks in a value so a diff stays readable. */
function pemShort(v) {
  if (!v) return '';
  return String(v).replace(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END [A-Z0-9 ]+-----/g,
    (_, typ, body) => `[${typ} …${body.replace(/\s/g, '').slice(-24)}]`);
}

/** flatten maps a ConfigView onto section → path → readable value. */
export function flatten(cfg) {
  const out = [];
  const put = (section, path, v) => out.push([section, path, Array.isArray(v) ? v.join('\n') : v === undefined || v === null ? '' : String(v)]);
  put('channel', 'hashingAlgorithm', cfg.hashingAlgorithm);
  put('channel', 'blockDataHashingStructure', cfg.blockDataHashingStructure);
  put('channel', 'ordererType', cfg.ordererType);
  put('channel', 'ordererAddresses', cfg.ordererAddresses || []);
  for (const [k, v] of Object.entries(cfg.batch || {})) put('batch', k, v);
  for (const [g, caps] of Object.entries(cfg.capabilities || {})) put('capability', g, (caps || []).slice().sort());
  for (const cs of cfg.consenters || []) put('consenter', `${cs.host}:${cs.port}`, [cs.mspId, cs.id ? `id ${cs.id}` : '', cs.identity].filter(Boolean));
  for (const m of cfg.msps || []) {
    for (const k of ['rootCerts', 'intermediateCerts', 'tlsRootCerts', 'tlsIntermediateCerts', 'admins', 'crls', 'anchorPeers', 'endpoints']) put('msp', `${m.id}/${k}`, m[k] || []);
    put('msp', `${m.id}/nodeOUs`, m.nodeOUs);
    put('msp', `${m.id}/signingAlgorithm`, m.signingAlgorithm);
  }
  for (const p of cfg.policies || []) put('policy', p.path, `${p.type}: ${p.rule}${p.modPolicy ? ` (mod: ${p.modPolicy})` : ''}`);
  for (const [k, v] of Object.entries(cfg.acls || {})) put('acl', k, v);
  return out;
}

/** diffConfigs compares two flattened configs. */
export function diffConfigs(a, b) {
  const key = ([s, p]) => `${s}\u0000${p}`;
  const am = new Map(a.map((x) => [key(x), x])), bm = new Map(b.map((x) => [key(x), x]));
  const out = [];
  for (const [k, [s, p, v]] of am) {
    const w = bm.get(k)?.[2];
    if (w === undefined) { if (v !== '') out.push({ section: s, path: p, kind: 'removed', from: v, to: '' }); }
    else if (v !== w) out.push({ section: s, path: p, kind: v === '' ? 'added' : w === '' ? 'removed' : 'changed', from: v, to: w });
  }
  for (const [k, [s, p, w]] of bm) if (!am.has(k) && w !== '') out.push({ section: s, path: p, kind: 'added', from: '', to: w });
  return out.sort((x, y) => x.section.localeCompare(y.section) || x.path.localeCompare(y.path));
}

function summary(c, cfg, height) {
  const ch = enc(c.id);
  return h('div', null,
    panel(t('config.summary', { h: num(height) }), kv([
      [t('explorer.channel'), cfg.channel],
      [t('config.sequence'), String(cfg.sequence)],
      [t('explorer.block'), link(`/chains/${ch}/blocks/${cfg.height ?? height}`, `#${num(cfg.height ?? height)}`)],
      [t('explorer.time'), fmtTime(cfg.time)],
      [t('config.hashing'), cfg.hashingAlgorithm],
      [t('explorer.ordererType'), cfg.ordererType],
      [t('config.batch'), cfg.batch ? `${cfg.batch.timeout} · ${cfg.batch.maxMessageCount} msgs · ${num(cfg.batch.preferredMaxBytes)} B` : ''],
      [t('config.capabilities'), Object.entries(cfg.capabilities || {}).map(([g, v]) => `${g}: ${(v || []).join(', ')}`).join(' · ')],
      [t('config.ordererAddrs'), (cfg.ordererAddresses || []).join(', ')],
    ])),
    panel(t('config.msps'), table(['MSP', t('config.group'), t('config.signing'), t('config.roots'), t('config.crls'), 'NodeOUs', t('config.anchors')],
      (cfg.msps || []).map((m) => [m.id, m.group, m.signingAlgorithm || '—', String(m.rootCerts?.length || 0), String(m.crls?.length || 0), m.nodeOUs ? '✓' : '—', (m.anchorPeers || []).join(', ') || '—']))),
    cfg.consenters?.length ? panel(t('config.consenters'), table([t('config.host'), 'MSP', 'ID', t('config.identity')],
      cfg.consenters.map((x) => [`${x.host}:${x.port}`, x.mspId || '—', x.id ? String(x.id) : '—', x.identity ? short(pemShort(x.identity), 40) : '—']))) : null,
    panel(t('config.policies'), table([t('config.path'), t('config.type'), t('config.rule')], (cfg.policies || []).map((p) => [h('span', { class: 'mono' }, p.path), p.type, p.rule]))),
    cfg.acls && Object.keys(cfg.acls).length ? panel('ACL', table([t('config.resource'), t('config.policy')], Object.entries(cfg.acls).sort().map(([k, v]) => [k, v]))) : null);
}
