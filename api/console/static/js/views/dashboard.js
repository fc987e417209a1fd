// Dashboard: per chain head, ingested height, lag and audit progress;
// findings by severity with a trend; transactions per minute and per org;
// a risk ranking of nodes and orgs.
import * as api from '../api.js';
import { h, fill, num, enc, link } from '../dom.js';
import { t, tv } from '../i18n.js';
import { bars, hbars, lines, SEV_COLORS } from '../charts.js';
import { guard, panel, notAvailable, notApplicable, errorBox } from '../ui.js';
import * as fisco from './fisco.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const WEIGHT = { critical: 10, high: 5, medium: 2, low: 1, info: 0 };
const CLOSED = new Set(['resolved', 'accepted-risk', 'false-positive']);
/** SAMPLE bounds the findings read to draw the dashboard. */
const SAMPLE = 2000;
/** MAX_RISK bounds the subjects whose risk score the dashboard asks for. */
const MAX_RISK = 40;
const RISK = '/api/v1/risk';

export async function render({ el, stale }) {
  el.append(h('h1', null, t('dash.title')));
  const chainsEl = h('div', { class: 'grid', id: 'dash-chains' });
  const riskEl = h('div');
  el.append(chainsEl, panel(t('dash.risk'), riskEl));
  let chains = [];
  await guard(chainsEl, t('nav.dashboard'), async () => {
    try {
      chains = (await api.get('chains')).items;
    } catch (e) {
      if (e.status !== 403) throw e;
      // Operators and auditors read findings, not the ledger: show what
      // their role sees, beside the API's answer.
      chainsEl.replaceChildren(h('p', { class: 'notice', role: 'alert', dataset: { status: '403' } }, t('dash.ledgerForbidden')), ownFindings());
      return;
    }
    chainsEl.replaceChildren();
    if (!chains.length) chainsEl.append(h('p', { class: 'muted' }, t('dash.noChains')));
    for (const c of chains) chainsEl.append(chainCard(c));
  });
  if (stale()) return;
  guard(riskEl, t('dash.risk'), () => risk(riskEl));
}

function chainCard(c) {
  const body = h('div');
  const card = panel(null,
    h('h2', null, link(`/chains/${enc(c.id)}/blocks`, c.name || c.id), ' ',
      h('span', { class: 'badge st' }, tv('chainkind', c.kind)), ' ', h('span', { class: 'badge st' }, tv('crypto', c.crypto)),
      c.group ? h('span', { class: 'badge st' }, t('fisco.groupN', { group: c.group })) : null),
    h('div', { class: 'stats' },
      stat(t('dash.head'), num(c.head)),
      stat(t('dash.height'), num(c.height)),
      stat(t('dash.lag'), c.lag === null || c.lag === undefined ? '—' : num(c.lag), c.lag > 10 ? 'error' : ''),
      stat(t('dash.audit'), auditText(c), auditText(c) === t('common.na') ? 'small muted' : '')),
    body);
  card.dataset.chain = c.id;
  if (api.has('GET', RISK)) {
    const riskStat = h('b', { class: 'small muted' }, '…');
    card.querySelector('.stats').append(h('div', { class: 'stat' }, riskStat, h('span', null, t('nodes.score'))));
    api.get(RISK, { kind: 'chain', chain: c.id }).then((r) => {
      riskStat.className = '';
      riskStat.textContent = r.current ? `${r.current.score} · ${tv('level', r.current.level)}` : '0';
    }).catch(() => { riskStat.textContent = '—'; });
  }
  guard(body, c.id, () => chainDetail(body, c));
  return card;
}

function stat(label, value, cls) {
  return h('div', { class: 'stat' }, h('b', { class: cls || undefined }, value), h('span', null, label));
}

/** auditText shows audit progress when the chain view carries it. */
function auditText(c) {
  const a = c.audit ?? c.audited ?? c.auditHeight;
  if (a === undefined || a === null) return t('common.na');
  if (typeof a === 'number') return c.height ? `${Math.floor((100 * a) / Math.max(1, c.height))}%` : num(a);
  if (typeof a === 'object' && a.height !== undefined) return c.height ? `${Math.floor((100 * a.height) / Math.max(1, c.height))}%` : num(a.height);
  return String(a);
}

async function chainDetail(body, c) {
  body.replaceChildren();
  const sevEl = h('div'), trendEl = h('div'), tpmEl = h('div', { class: 'tx-per-minute' }), orgEl = h('div', { class: 'tx-per-org' });
  body.append(h('h3', null, t('dash.findingsBySeverity')), sevEl, h('h3', null, t('dash.trend')), trendEl,
    h('h3', null, t('dash.txPerMinute')), tpmEl, h('h3', null, c.kind === 'fisco' ? t('dash.sealerSigned') : t('dash.txPerOrg')), orgEl);
  await Promise.all([
    guard(sevEl, t('nav.findings'), () => findingCharts(c, sevEl, trendEl)),
    guard(tpmEl, t('dash.txPerMinute'), () => txPerMinute(c, tpmEl)),
    guard(orgEl, t('dash.txPerOrg'), () => (c.kind === 'fisco' ? sealerSigned(c, orgEl) : txPerOrg(c, orgEl))),
  ]);
}

/** ownFindings summarises the findings the caller may see, across chains. */
function ownFindings() {
  const sevEl = h('div'), trendEl = h('div');
  const card = panel(t('dash.visibleFindings'), h('h3', null, t('dash.findingsBySeverity')), sevEl, h('h3', null, t('dash.trend')), trendEl);
  card.id = 'dash-own';
  guard(sevEl, t('nav.findings'), () => findingCharts({ id: '' }, sevEl, trendEl));
  return card;
}

async function findingCharts(c, sevEl, trendEl) {
  const { items, truncated } = await api.collect('findings', { chain: c.id }, SAMPLE);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of items) counts[f.severity] = (counts[f.severity] || 0) + 1;
  fill(sevEl,
    h('div', { class: 'stats' }, SEVERITIES.map((s) =>
      h('div', { class: 'stat' }, h('b', null, link(`/findings?${c.id ? `chain=${enc(c.id)}&` : ''}severity=${s}`, String(counts[s]))), h('span', null, tv('sev', s))))),
    truncated ? h('p', { class: 'muted' }, t('dash.sampled', { n: SAMPLE })) : null);
  // Trend: findings first seen per day, one line per severity.
  const days = [...new Set(items.map((f) => (f.firstSeen || '').slice(0, 10)).filter(Boolean))].sort();
  const series = SEVERITIES.map((s) => ({
    name: tv('sev', s), color: SEV_COLORS[s],
    values: days.map((d) => items.filter((f) => f.severity === s && (f.firstSeen || '').startsWith(d)).length),
  })).filter((se) => se.values.some((v) => v));
  trendEl.replaceChildren(lines(days.map((d) => d.slice(5)), series, { label: t('dash.trend') }));
}

async function txPerMinute(c, el) {
  const page = await api.get(`chains/${enc(c.id)}/blocks`, { limit: 200 });
  const byMin = new Map();
  for (const b of page.items) {
    // A block without a time (geth's genesis says 0, the Unix epoch) has
    // no minute to count in.
    if (!b.time || !(Date.parse(b.time) > 0)) continue;
    const m = b.time.slice(0, 16);
    byMin.set(m, (byMin.get(m) || 0) + (b.txCount || 0));
  }
  const keys = [...byMin.keys()].sort();
  if (keys.length) {
    // Fill the minutes without blocks so the rate reads right.
    const start = Date.parse(keys[0] + ':00Z'), end = Date.parse(keys[keys.length - 1] + ':00Z');
    if ((end - start) / 60000 <= 240) {
      for (let x = start; x <= end; x += 60000) {
        const k = new Date(x).toISOString().slice(0, 16);
        if (!byMin.has(k)) byMin.set(k, 0);
      }
    }
  }
  const minutes = [...byMin.entries()].sort(([a], [b]) => a.localeCompare(b)).slice(-60);
  const data = minutes.map(([m, v]) => ({ label: m.slice(11), value: v }));
  if (minutes.length) Object.assign(el.dataset, { from: minutes[0][0], to: minutes[minutes.length - 1][0] });
  el.replaceChildren(bars(data, { label: t('dash.txPerMinute') }), h('p', { class: 'muted' }, t('dash.recentBlocks', { n: page.items.length })));
}

async function txPerOrg(c, el) {
  const route = api.first('GET', '/api/v1/chains/{chain}/orgs');
  if (c.kind !== 'fabric') {
    // Only Fabric attributes transactions to member organisations.
    el.replaceChildren(notApplicable(t('dash.txPerOrg')));
    return;
  }
  if (!route) {
    el.replaceChildren(notAvailable(t('dash.txPerOrg')));
    return;
  }
  const res = await api.get(api.fill(route, { chain: c.id }));
  const orgs = res.items || res;
  el.replaceChildren(hbars(orgs.map((o) => ({ label: o.mspId || o.org || o.id, value: o.created ?? o.txs ?? 0 })), { label: t('dash.txPerOrg') }));
}

/** sealerSigned charts how many of the newest blocks each FISCO sealer signed. */
async function sealerSigned(c, el) {
  const bars = await fisco.sealerBars(c);
  el.replaceChildren(bars ? hbars(bars, { label: t('dash.sealerSigned') }) : notAvailable(t('dash.sealerSigned')));
}

/** risk ranks nodes and orgs: by the API's risk scores when it serves them, else by open findings. */
async function risk(el) {
  const parts = [];
  const scored = api.has('GET', RISK);
  const ranked = async (subjects) => {
    const out = await Promise.all(subjects.slice(0, MAX_RISK).map(async (s) => {
      try {
        const r = await api.get(RISK, s.query);
        return { label: s.label, value: r.current?.score ?? 0, href: s.href };
      } catch {
        return { label: s.label, value: 0 };
      }
    }));
    return out.filter((d) => d.value > 0).sort((a, b) => b.value - a.value).slice(0, 12);
  };
  // Organisations.
  let orgs = [];
  if (scored) {
    const chains = (await api.get('chains').catch(() => ({ items: [] }))).items.filter((c) => c.kind === 'fabric');
    const orgRoute = api.first('GET', '/api/v1/chains/{chain}/orgs');
    const subjects = [];
    for (const c of orgRoute ? chains : []) {
      const list = (await api.get(api.fill(orgRoute, { chain: c.id })).catch(() => ({ items: [] }))).items;
      for (const o of list) subjects.push({ label: `${o.mspId} · ${c.id}`, query: { kind: 'org', chain: c.id, ref: o.mspId } });
    }
    orgs = await ranked(subjects);
  } else {
    const { items } = await api.collect('findings', {}, SAMPLE);
    const m = new Map();
    for (const f of items) {
      if (CLOSED.has(f.status) || !f.subject?.org) continue;
      m.set(f.subject.org, (m.get(f.subject.org) || 0) + (WEIGHT[f.severity] ?? 0));
    }
    orgs = [...m.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([label, value]) => ({ label, value }));
  }
  parts.push(h('h3', null, t('dash.riskOrgs')), orgs.length ? hbars(orgs.map((d) => ({ ...d, color: '#d1382f' })), { label: t('dash.riskOrgs') }) : h('p', { class: 'muted' }, t('dash.noRisk')));
  // Nodes.
  parts.push(h('h3', null, t('dash.riskNodes')));
  const nodesRoute = api.first('GET', '/api/v1/nodes');
  if (nodesRoute && scored) {
    try {
      const ns = (await api.get(nodesRoute, { limit: 200 })).items || [];
      const top = await ranked(ns.map((n) => ({ label: `${n.id} · ${n.org}`, query: { kind: 'node', ref: n.id, org: n.org } })));
      parts.push(top.length ? hbars(top.map((d) => ({ ...d, color: '#e08a00' })), { label: t('dash.riskNodes') }) : h('p', { class: 'muted' }, t('dash.noRisk')));
    } catch (e) {
      parts.push(errorBox(e, t('dash.riskNodes')));
    }
  } else {
    parts.push(notAvailable(t('dash.riskNodes')));
  }
  parts.push(h('p', { class: 'muted' }, scored ? t('dash.riskScored') : t('dash.riskBasis')));
  el.replaceChildren(...parts);
}
