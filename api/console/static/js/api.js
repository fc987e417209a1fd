// The supervision API client: bearer token from sessionStorage, JSON in
// and out, errors as ApiError, and route discovery from the API's own
// OpenAPI document so that views for routes the server does not serve
// say "not available" instead of failing.

import { current } from './i18n.js';

const TOKEN_KEY = 'lianjian.token';
export const BASE = '/api/v1';

/** ApiError is a failed API call: HTTP status, the API's stable code and its message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
  }
  /** missing reports a route the server does not serve. */
  get missing() { return this.status === 404 && this.code === 'not_found' && /no such route/.test(this.message); }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t.trim()); }
export function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

const listeners = new Set();
/** onUnauthenticated registers fn to run whenever the API answers 401. */
export function onUnauthenticated(fn) { listeners.add(fn); }

// url builds a request URL. API requests carry the console's language
// (lang) unless the query names one, so that messages, labels and advice
// come back in the language the reader chose; routes without texts
// ignore it.
function url(path, query) {
  const u = new URL(path.startsWith('/') ? path : `${BASE}/${path}`, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, v);
  }
  if (u.pathname.startsWith(`${BASE}/`) && !u.searchParams.has('lang')) u.searchParams.set('lang', current());
  return u.pathname + u.search;
}

/**
 * call makes one API request. path is absolute (/api/v1/…) or relative to
 * /api/v1. With raw it resolves to the Response (for downloads).
 */
export async function call(method, path, { query, body, raw, form } = {}) {
  const headers = { Accept: 'application/json' };
  const tok = token();
  if (tok) headers.Authorization = `Bearer ${tok}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(url(path, query), { method, headers, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (!r.ok) {
    let code = '', message = '';
    try {
      const e = await r.json();
      code = e?.error?.code || '';
      message = e?.error?.message || '';
    } catch { /* not JSON */ }
    const err = new ApiError(r.status, code, message);
    if (r.status === 401) for (const fn of listeners) fn(err);
    throw err;
  }
  if (raw) return r;
  return r.json();
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body) => call('POST', path, { body });

// Route discovery.
let spec = null;
let paths = null;

const norm = (p) => p.replace(/\{[^}]+\}|:[^/]+|\*[^/]*/g, '{}');

/** loadSpec reads the API's OpenAPI document; without one every route is assumed to exist. */
export async function loadSpec() {
  try {
    spec = await get('/api/v1/openapi.json');
    paths = new Map();
    for (const [p, ops] of Object.entries(spec.paths || {})) {
      paths.set(norm(p), { path: p, ops });
    }
  } catch (e) {
    if (e.status === 401) throw e;
    spec = null;
    paths = null;
  }
}

/** has reports whether the server serves method on path (a pattern like /api/v1/chains/{chain}). */
export function has(method, path) {
  if (!paths) return true;
  const e = paths.get(norm(path));
  return !!e && method.toLowerCase() in e.ops;
}

/** first returns the first of the candidate patterns the server serves, or ''. */
export function first(method, ...candidates) {
  if (!paths) return candidates[0] || '';
  return candidates.find((c) => has(method, c)) || '';
}

/** operation returns the OpenAPI operation of a route, or null. */
export function operation(method, path) {
  const e = paths?.get(norm(path));
  return e?.ops?.[method.toLowerCase()] || null;
}

/** schema resolves a $ref of the OpenAPI document. */
export function resolve(s) {
  let out = s;
  for (let i = 0; out && out.$ref && i < 8; i++) {
    const parts = out.$ref.replace(/^#\//, '').split('/');
    out = parts.reduce((o, k) => o?.[k], spec);
  }
  return out || {};
}

/** fill substitutes {name} segments of a pattern with encoded values. */
export function fill(pattern, params) {
  return pattern.replace(/\{(\w+)\}|:(\w+)/g, (m, a, b) => encodeURIComponent(params[a || b] ?? ''));
}

/**
 * collect pages through a list route following next, up to max items.
 * It returns {items, truncated}.
 */
export async function collect(path, query, max) {
  const items = [];
  let cursor = '';
  for (;;) {
    const page = await get(path, { ...query, limit: Math.min(500, max - items.length), cursor });
    items.push(...(page.items || []));
    if (!page.next) return { items, truncated: false };
    if (items.length >= max) return { items, truncated: true };
    cursor = page.next;
  }
}
