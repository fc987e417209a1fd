// Findings triage: filter, open, follow the subject, move through the
// workflow with comments. The API scopes operators to their org; the
// console shows whatever the API answers, and its 403s as such.
import * as api from '../api.js';
import { h, kv, link, enc, fmtTime, num } from '../dom.js';
import { t, tv, current } from '../i18n.js';
import { vtable } from '../table.js';
import { guard, panel, sevBadge, statusBadge, errorBox, errorText, select } from '../ui.js';
import { SEVERITIES } from './dashboard.js';

export const STATUSES = ['open', 'acknowledged', 'rectifying', 'resolved', 'accepted-risk', 'false-positive'];
const CATEGORIES = ['crypto', 'integrity', 'node', 'consortium', 'contract'];
const FILTERS = ['chain', 'org', 'severity', 'min_severity', 'rule', 'category', 'status', 'subject'];

/** subjectRoute links a finding to the exact block, tx, node, contract or identity it is about. */
export function subjectRoute(f) {
  const s = f.subject || {};
  const ch = enc(f.chain);
  switch (s.kind) {
    case 'tx': return `/chains/${ch}/txs/${enc(String(s.ref).split('/')[0])}`; // audit refs: txid/creator, txid/endorsement-N
    case 'block': return `/chains/${ch}/blocks/${s.height ?? enc(s.ref)}`;
    case 'contract': case 'chaincode': return `/contracts/${ch}/${enc(s.ref)}`;
    case 'node': return `/nodes/${enc(s.ref.split('#')[0])}` + (s.org ? `?org=${enc(s.org)}` : '');
    case 'config': return `/chains/${ch}/config?at=${s.height ?? ''}`;
    case 'identity':
      return /^0x[0-9a-fA-F]{40}$/.test(s.ref) ? `/chains/${ch}/addresses/${enc(s.ref)}` : `/chains/${ch}/identities/${enc(s.ref)}`;
    case 'chain': return `/chains/${ch}/blocks`;
    case 'source': return `/contracts?chain=${ch}`;
    default: return s.height !== undefined ? `/chains/${ch}/blocks/${s.height}` : `/chains/${ch}/blocks`;
  }
}

export async function list({ el, query, go }) {
  el.append(h('h1', null, t('findings.title')));
  const [chains, rules] = await Promise.all([
    api.get('chains').then((r) => r.items).catch(() => []),
    api.get('rules', { lang: current() }).then((r) => r.items).catch(() => []),
  ]);
  const f = {};
  const any = ['', t('common.any')];
  f.chain = select('chain', [any, ...chains.map((c) => [c.id, c.name || c.id])], query.chain || '');
  f.org = h('input', { name: 'org', value: query.org || '', size: 12, placeholder: 'Org1MSP' });
  f.severity = select('severity', [any, ...SEVERITIES.map((s) => [s, tv('sev', s)])], query.severity || '');
  f.min_severity = select('min_severity', [any, ...SEVERITIES.map((s) => [s, tv('sev', s)])], query.min_severity || '');
  f.rule = select('rule', [any, ...rules.map((r) => [r.id, r.title ? `${r.id} · ${r.title}` : r.id])], query.rule || '');
  f.category = select('category', [any, ...CATEGORIES.map((s) => [s, tv('cat', s)])], query.category || '');
  f.status = select('status', [any, ...STATUSES.map((s) => [s, tv('status', s)])], query.status || '');
  f.subject = h('input', { name: 'subject', value: query.subject || '', size: 14 });
  const form = h('form', { class: 'filters', id: 'finding-filters' },
    FILTERS.map((k) => h('label', null, t(`findings.f.${k}`), f[k])),
    h('button', { class: 'primary', type: 'submit' }, t('findings.apply')),
    h('button', { type: 'button', onclick: () => go('/findings') }, t('findings.reset')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of FILTERS) if (f[k].value.trim()) q.set(k, f[k].value.trim());
    go('/findings' + (q.toString() ? '?' + q : ''));
  });
  for (const k of ['chain', 'severity', 'min_severity', 'rule', 'category', 'status']) f[k].addEventListener('change', () => form.requestSubmit());
  el.append(form);
  const filter = Object.fromEntries(FILTERS.filter((k) => query[k]).map((k) => [k, query[k]]));
  el.append(vtable({
    id: 'findings',
    columns: [
      { label: t('findings.severity'), width: '90px', cell: (x) => sevBadge(x.severity) },
      { label: t('findings.status'), width: '110px', cell: (x) => statusBadge(x.status) },
      // Rule ids and objects in full: a cell too narrow for them keeps
      // the whole text in its tooltip.
      { label: t('findings.rule'), width: 'minmax(180px, 1.2fr)', cell: (x) => x.rule },
      { label: t('explorer.chain'), width: '110px', cell: (x) => x.chain },
      { label: t('findings.subject'), width: 'minmax(200px, 1.5fr)', cell: (x) => `${tv('kind', x.subject?.kind)} ${x.subject?.ref || ''}${x.subject?.org ? ' · ' + x.subject.org : ''}` },
      { label: t('findings.message'), width: '2fr', cell: (x) => x.message },
      { label: t('findings.lastSeen'), width: '160px', cell: (x) => fmtTime(x.lastSeen) },
    ],
    // Most severe first, then the newest sighting.
    load: (cursor) => api.get('findings', { ...filter, order: 'severity', cursor, limit: 500 }),
    rowLink: (x) => `/findings/${enc(x.id)}`,
    empty: t('findings.none'),
  }));
}

export async function detail({ el, params }) {
  const histRoute = api.first('GET', '/api/v1/findings/{id}/history');
  let f, hist = null;
  if (histRoute) {
    try {
      hist = await api.get(api.fill(histRoute, { id: params.id }), { lang: current() });
      f = hist.finding;
    } catch (e) {
      if (e.status !== 503 && !e.missing) throw e;
    }
  }
  if (!f) f = await api.get(`findings/${enc(params.id)}`, { lang: current() });
  el.append(h('h1', null, sevBadge(f.severity), ' ', f.rule, ' ', h('span', { id: 'finding-status' }, statusBadge(f.status))));
  const subject = subjectRoute(f);
  el.append(panel(t('findings.detail'), kv([
    [t('findings.message'), f.message],
    [t('findings.rule'), h('span', null, f.rule, ' · ', tv('cat', f.category))],
    [t('findings.ruleTitle'), f.title],
    [t('findings.description'), f.description ? h('span', { id: 'finding-description' }, f.description) : ''],
    [t('findings.effect'), h('span', { id: 'finding-effect', dataset: { risk: String(!!f.risk) } }, f.risk ? t('findings.effectRisk') : t('findings.effectCheck'))],
    [t('explorer.chain'), link(`/chains/${enc(f.chain)}/blocks`, f.chain)],
    [t('findings.subject'), link(subject, `${tv('kind', f.subject?.kind)} ${f.subject?.ref}${f.subject?.height !== undefined ? ' @ ' + num(f.subject.height) : ''}`, { id: 'finding-subject', class: 'mono' })],
    [t('findings.org'), f.subject?.org],
    [t('findings.firstSeen'), fmtTime(f.firstSeen)],
    [t('findings.lastSeen'), fmtTime(f.lastSeen)],
    [t('findings.deadline'), hist?.state?.deadline ? fmtTime(hist.state.deadline) : ''],
    [t('findings.confirmed'), hist?.state?.confirmed ? '✓' : ''],
    ['ID', h('span', { class: 'mono' }, f.id)],
  ])));
  el.append(panel(t('findings.advice'), h('div', { id: 'finding-advice' },
    f.advice ? h('p', null, f.advice) : h('p', { class: 'muted' }, t('findings.noAdvice')),
    f.clauses?.length ? h('p', null, h('b', null, t('findings.clauses')), ' ', (f.clauseNames || f.clauses).join(current() === 'en' ? '; ' : '；')) : null)));
  // evidenceList labels each key in the request's language; a server
  // without it sends the recorded keys only.
  const ev = f.evidenceList || Object.entries(f.evidence || {}).sort().map(([key, value]) => ({ key, label: key, value }));
  el.append(panel(t('findings.evidence'), ev.length ? h('table', { id: 'evidence' }, h('tbody', null, ev.map((e) => h('tr', { dataset: { key: e.key } }, h('th', { title: e.key }, e.label), h('td', { class: 'mono' }, evidenceValue(f, e.key, f.evidence?.[e.key] ?? e.value, e.value)))))) : h('p', { class: 'muted' }, t('findings.noEvidence'))));
  el.append(panel(t('findings.workflow'), transitionForm(f, () => window.dispatchEvent(new HashChangeEvent('hashchange')))));
  el.append(panel(t('findings.history'), hist ? timeline(hist.changes) : h('p', { class: 'na' }, t('common.notAvailable', { what: t('findings.history') }))));
}

/**
 * evidenceValue shows an evidence value (shown: as the reader's language
 * writes it), linking recorded values (v) that name a tx, block or
 * address of the finding's chain.
 */
function evidenceValue(f, k, v, shown = v) {
  const ch = enc(f.chain);
  if (/^(0x)?[0-9a-f]{64}$/i.test(v) && /tx/i.test(k)) return link(`/chains/${ch}/txs/${enc(v)}`, v);
  if (/^(0x)?[0-9a-f]{64}$/i.test(v) && /block/i.test(k)) return link(`/chains/${ch}/blocks/${enc(v)}`, v);
  if (/^\d+$/.test(v) && /height|block/i.test(k)) return link(`/chains/${ch}/blocks/${v}`, v);
  if (/^0x[0-9a-f]{40}$/i.test(v)) return link(`/chains/${ch}/addresses/${enc(v)}`, v);
  return shown;
}

function timeline(changes) {
  if (!changes?.length) return h('p', { class: 'muted' }, t('findings.noHistory'));
  return h('ol', { class: 'timeline', id: 'finding-history' }, changes.map((c) => h('li', null,
    h('div', null, h('b', null, tv('change', c.kind)), ' ', c.from !== c.to ? `${tv('status', c.from)} → ${tv('status', c.to)}` : '',
      ' · ', c.actor, c.role ? ` (${tv('role', c.role)})` : '', ' · ', fmtTime(c.at)),
    c.comment ? h('div', null, c.comment) : null,
    c.deadline ? h('div', { class: 'muted' }, t('findings.deadline'), ': ', fmtTime(c.deadline)) : null,
    c.evidence ? h('div', { class: 'muted mono' }, Object.entries(c.evidence).map(([k, v]) => `${k}=${v}`).join('  ')) : null)));
}

function transitionForm(f, done) {
  if (!api.has('POST', '/api/v1/findings/{id}/transitions')) {
    return h('p', { class: 'na' }, t('common.notAvailable', { what: t('findings.workflow') }));
  }
  const status = select('status', [['', t('findings.commentOnly')], ...STATUSES.filter((s) => s !== f.status).map((s) => [s, tv('status', s)])], '', { id: 'transition-status' });
  const comment = h('textarea', { name: 'comment', id: 'transition-comment', maxlength: 4096, required: true });
  const deadline = h('input', { type: 'datetime-local', name: 'deadline' });
  const confirm = h('input', { type: 'checkbox', name: 'confirm' });
  const evidence = h('textarea', { name: 'evidence', placeholder: 'key=value', rows: 2 });
  const msg = h('div', { id: 'transition-msg' });
  const form = h('form', { class: 'form', id: 'transition' },
    h('label', null, t('findings.newStatus'), status),
    h('label', null, t('findings.comment'), comment),
    h('label', null, t('findings.evidenceLines'), evidence),
    h('label', null, t('findings.deadline'), deadline),
    h('label', { class: 'row' }, confirm, t('findings.confirm')),
    h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, t('findings.submit'))), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { comment: comment.value.trim() };
    if (status.value) body.status = status.value;
    if (confirm.checked) body.confirm = true;
    if (deadline.value) body.deadline = new Date(deadline.value).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const evd = {};
    for (const line of evidence.value.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) evd[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    if (Object.keys(evd).length) body.evidence = evd;
    msg.replaceChildren(h('p', { class: 'loading' }, t('common.saving')));
    try {
      await api.post(`findings/${enc(f.id)}/transitions`, body);
      msg.replaceChildren(h('p', { class: 'badge ok' }, t('findings.saved')));
      done();
    } catch (e) {
      msg.replaceChildren(e.status === 403 ? h('p', { class: 'notice', role: 'alert' }, t('findings.forbidden')) : errorBox(e));
      console.warn(errorText(e));
    }
  });
  return form;
}
