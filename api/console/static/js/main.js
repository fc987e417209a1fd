// Console entry point: language, login, navigation and the hash router.
import * as api from './api.js';
import { h, fill } from './dom.js';
import * as i18n from './i18n.js';
import { t } from './i18n.js';
import { errorText, loading } from './ui.js';
import * as dash from './views/dashboard.js';
import * as explorer from './views/explorer.js';
import * as fisco from './views/fisco.js';
import * as config from './views/config.js';
import * as findings from './views/findings.js';
import * as nodes from './views/nodes.js';
import * as contracts from './views/contracts.js';
import * as reports from './views/reports.js';
import * as compliance from './views/compliance.js';

const routes = [
  ['/login', login, null],
  ['/dashboard', dash.render, 'dashboard'],
  ['/explorer', explorer.home, 'explorer'],
  ['/search', explorer.search, 'explorer'],
  ['/chains/:chain/blocks', explorer.blocks, 'explorer'],
  ['/chains/:chain/blocks/:ref', explorer.block, 'explorer'],
  ['/chains/:chain/txs/:id', explorer.tx, 'explorer'],
  ['/txs/:id', explorer.txAnyChain, 'explorer'],
  ['/chains/:chain/identities', explorer.identities, 'explorer'],
  ['/chains/:chain/identities/:fp', explorer.identity, 'explorer'],
  ['/chains/:chain/addresses/:addr', explorer.address, 'explorer'],
  ['/chains/:chain/config', config.render, 'explorer'],
  ['/chains/:chain/governance', fisco.governance, 'explorer'],
  ['/chains/:chain/sealers', fisco.sealers, 'explorer'],
  ['/findings', findings.list, 'findings'],
  ['/findings/:id', findings.detail, 'findings'],
  ['/nodes', nodes.list, 'nodes'],
  ['/nodes/:id', nodes.detail, 'nodes'],
  ['/contracts', contracts.list, 'contracts'],
  ['/contracts/:chain/:addr', contracts.detail, 'contracts'],
  ['/reports', reports.render, 'reports'],
  ['/compliance', compliance.render, 'compliance'],
].map(([pattern, view, nav]) => {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
  return { re, names, view, nav };
});

const main = document.getElementById('main');
const banner = document.getElementById('banner');
let session = { open: false, who: null };
let generation = 0;

/** parse splits a hash into route path and query. */
function parse(hash) {
  const raw = hash.replace(/^#/, '') || '/dashboard';
  const [path, qs] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs || '')) };
}

/** go navigates to a console route. */
export function go(route) { location.hash = '#' + route; }

function showBanner(text, kind) {
  banner.hidden = !text;
  banner.className = 'banner' + (kind ? ' ' + kind : '');
  banner.textContent = text || '';
}

async function route() {
  const { path, query } = parse(location.hash);
  const gen = ++generation;
  if (path !== '/login' && !api.token() && !session.open) {
    go('/login');
    return;
  }
  for (const r of routes) {
    const m = path.match(r.re);
    if (!m) continue;
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.nav === r.nav);
    fill(main, loading());
    const el = h('div', { class: 'view' });
    try {
      await r.view({ el, params, query, go, stale: () => gen !== generation, session });
    } catch (e) {
      console.error(e);
      el.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
    }
    if (gen === generation) fill(main, el);
    return;
  }
  fill(main, h('p', { class: 'error' }, t('error.noPage')));
}

function chrome(loggedIn) {
  document.getElementById('nav').hidden = !loggedIn;
  document.getElementById('search').hidden = !loggedIn;
  document.getElementById('logout').hidden = !loggedIn || session.open;
  const who = document.getElementById('whoami');
  who.textContent = !loggedIn ? '' : session.open ? t('login.open') : session.who ? t('login.who', session.who) : t('login.signedIn');
}

/** identify asks the API who the token belongs to, where the server offers it. */
async function identify() {
  session.who = null;
  const me = api.first('GET', '/api/v1/me', '/api/v1/whoami');
  if (!me) return;
  try {
    const v = await api.get(me);
    session.who = { name: v.name || v.holder || v.id || '', role: i18n.tv('role', v.role), org: v.org || '' };
  } catch { /* not fatal */ }
}

/** start establishes a session: with the stored token, or an open API without one. */
async function start() {
  try {
    await api.loadSpec();
    if (!api.token()) {
      // Without a token the spec loads only from an API without authentication.
      session.open = true;
    }
    await identify();
    chrome(true);
    return true;
  } catch (e) {
    chrome(false);
    if (e.status !== 401) showBanner(errorText(e));
    return false;
  }
}

async function login({ el, query }) {
  chrome(false);
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true, placeholder: 'lj_…', style: 'width:100%' });
  const reason = ['expired', 'required', 'invalid'].includes(query.reason) ? query.reason : '';
  const msg = h('p', { id: 'login-msg', class: reason ? 'error' : 'muted' }, reason ? t(`login.reason.${reason}`) : t('login.hint'));
  const form = h('form', { class: 'panel login form', id: 'login' },
    h('h1', null, t('login.title')), msg,
    h('label', null, t('login.token'), input),
    h('button', { class: 'primary', type: 'submit' }, t('login.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    api.setToken(input.value);
    session.open = false;
    msg.className = 'loading';
    msg.textContent = t('login.checking');
    try {
      await api.get('/api/v1/openapi.json');
    } catch (e) {
      api.clearToken();
      msg.className = 'error';
      msg.textContent = e.status === 401 ? t('login.reason.invalid') : errorText(e);
      return;
    }
    showBanner('');
    if (await start()) go(query.next || '/dashboard');
  });
  el.append(form);
}

async function boot() {
  await i18n.init();
  const langSel = document.getElementById('lang');
  langSel.value = i18n.current();
  langSel.addEventListener('change', async () => { await i18n.setLang(langSel.value); chrome(!document.getElementById('nav').hidden); route(); });
  document.getElementById('logout').addEventListener('click', () => {
    api.clearToken();
    session = { open: false, who: null };
    chrome(false);
    go('/login');
  });
  document.getElementById('search').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = document.getElementById('search-q').value.trim();
    if (q) go('/search?q=' + encodeURIComponent(q));
  });
  api.onUnauthenticated(() => {
    const had = !!api.token();
    api.clearToken();
    session.open = false;
    chrome(false);
    const { path } = parse(location.hash);
    if (path !== '/login') go(`/login?reason=${had ? 'expired' : 'required'}&next=${encodeURIComponent(path)}`);
  });
  // A shared demo link carries its token once: #/login?token=…; keep it
  // in sessionStorage only and drop it from the address bar.
  const first = parse(location.hash);
  if (first.path === '/login' && first.query.token) {
    api.setToken(first.query.token);
    history.replaceState(null, '', location.pathname + '#' + (first.query.next || '/dashboard'));
  }
  await start();
  window.addEventListener('hashchange', route);
  await route();
}

boot().catch((e) => { console.error(e); showBanner(String(e)); });
