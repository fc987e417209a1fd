// Shared widgets: badges, loading and error states.
import { h } from './dom.js';
import { t, tv, has } from './i18n.js';

/** loading is the placeholder shown while a request is in flight. */
export function loading() { return h('p', { class: 'loading', role: 'status' }, t('common.loading')); }

/** notAvailable says that the server does not offer a feature. */
export function notAvailable(what) {
  return h('p', { class: 'na', dataset: { na: '1' } }, t('common.notAvailable', { what }));
}

/** notApplicable says a section does not apply to this kind of chain. */
export function notApplicable(what) {
  return h('p', { class: 'na', dataset: { na: 'kind' } }, t('common.notApplicable', { what }));
}

/** errorText explains an ApiError in the user's language. */
export function errorText(err) {
  switch (err?.status) {
    case 0: return t('error.network');
    case 400: return t('error.badRequest', { detail: err.message });
    case 401: return t('error.unauthenticated');
    case 403: return t('error.forbidden');
    case 404: return err.missing ? t('error.noRoute') : t('error.notFound');
    case 409: return t('error.conflict', { detail: err.message });
    case 413: return t('error.tooLarge');
    case 429: return t('error.rateLimited');
    case 503: return t('error.unavailable');
    default: return t('error.generic', { detail: err?.message || String(err) });
  }
}

/** errorBox renders an error; a missing route renders as "not available". */
export function errorBox(err, what) {
  if (err?.missing) return notAvailable(what || '');
  return h('p', { class: err?.status === 403 ? 'notice' : 'error', role: 'alert', dataset: { status: String(err?.status ?? '') } }, errorText(err));
}

/** guard runs an async render into el, showing loading first and an error box on failure. */
export async function guard(el, what, fn) {
  el.replaceChildren(loading());
  try {
    await fn();
  } catch (e) {
    console.error(e);
    el.replaceChildren(errorBox(e, what));
  }
}

export function sevBadge(s) { return h('span', { class: `badge sev ${s}` }, tv('sev', s)); }
export function statusBadge(s) { return h('span', { class: `badge st ${s}` }, tv('status', s)); }

/** verdictBadge shows a verdict status (verified, failed, unverified). */
export function verdictBadge(v) {
  const s = typeof v === 'string' ? v : v?.status || 'unverified';
  return h('span', { class: `badge ${s}` }, tv('verdict', s));
}

/** CLOSED are the workflow statuses that end a finding until a reopen. */
const CLOSED = ['resolved', 'accepted-risk', 'false-positive'];

/**
 * riskBadges shows the open risk findings of an object (a replay risk, a
 * posture finding) beside its verification status: a risk never fails the
 * status, which only integrity and cryptographic checks decide.
 */
export function riskBadges(findings) {
  const open = findings.filter((f) => f.risk && !CLOSED.includes(f.status));
  return open.map((f) => h('a', { href: `#/findings/${encodeURIComponent(f.id)}`, class: `badge risk ${f.severity}`, title: f.title || f.rule, dataset: { rule: f.rule } },
    t('verdict.riskBadge', { sev: tv('sev', f.severity), rule: f.rule })));
}

/** validBadge shows a transaction's validation code or receipt status. */
export function validBadge(valid, status) {
  return h('span', { class: `badge ${valid ? 'ok' : 'bad'}` }, status || (valid ? 'VALID' : 'INVALID'));
}

/** checks lists the steps of a verdict, failures first explained. */
export function checks(v) {
  if (!v?.checks?.length) return null;
  return h('ul', { class: 'checks' }, v.checks.map((c) =>
    h('li', { class: c.ok ? 'ok' : 'bad' }, c.ok ? '✓ ' : '✗ ', checkName(c.name), c.detail ? [' — ', checkDetail(c.detail)] : '')));
}

// DETAIL_FORMS are the check details our verifiers write with values in
// them: a pattern and the dictionary key of the sentence it becomes.
const DETAIL_FORMS = [
  [/^follows block (\d+)$/, 'checkDetail.followsBlock'],
  [/^signed (\d+) of (\d+), needs (\d+)$/, 'checkDetail.signedOf'],
  [/^recovered (0x[0-9a-fA-F]+)$/, 'checkDetail.recovered'],
  [/^consenter (\d+) not in the consenter mapping$/, 'checkDetail.consenterUnknown'],
  [/^stored ([0-9a-f]+), recomputed ([0-9a-f]+)$/, 'checkDetail.storedRecomputed'],
];

/**
 * checkDetail shows why a verification step passed or failed in the
 * reader's language: fixed sentences from the dictionaries
 * (checkDetail.SENTENCE), the forms above with their values, and the
 * "not evaluated:" / "not verifiable:" prefixes; anything else (a library
 * error, data) as recorded, marked as such.
 */
export function checkDetail(s) {
  for (const p of ['not evaluated', 'not verifiable']) {
    if (s.startsWith(p + ': ')) return [t(`checkDetail.${p}`), '：', checkDetail(s.slice(p.length + 2))];
  }
  if (has(`checkDetail.${s}`)) return t(`checkDetail.${s}`);
  for (const [re, key] of DETAIL_FORMS) {
    const m = s.match(re);
    if (m) return t(key, Object.fromEntries(m.slice(1).map((v, i) => [`v${i + 1}`, v])));
  }
  return h('span', { class: 'mono', translate: 'no' }, s);
}

/** checkName translates a verification step's name where the dictionaries
 * have it (check.NAME), and shows it as recorded otherwise. */
function checkName(name) {
  const key = `check.${name}`;
  return has(key) ? t(key) : name;
}

/** panel wraps content with a heading. */
export function panel(title, ...children) {
  return h('section', { class: 'panel' }, title ? h('h2', null, title) : null, ...children);
}

/** select builds a <select> of [value, label] options with one selected. */
export function select(name, options, value, attrs) {
  return h('select', { name, ...attrs }, options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
}
