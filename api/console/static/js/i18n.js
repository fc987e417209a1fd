// Translations: zh-CN is the default, English is switchable. Every string
// shown by the console is a key of both dictionaries in ../i18n.

const LANG_KEY = 'lianjian.lang';
export const LANGS = ['zh-CN', 'en'];
let dict = {};
let fallback = {};
let lang = 'zh-CN';

async function loadDict(l) {
  const r = await fetch(`i18n/${l}.json`, { cache: 'no-cache' });
  if (!r.ok) throw new Error(`dictionary ${l}: ${r.status}`);
  return r.json();
}

/** init loads the saved (or default) language. */
export async function init() {
  let want = localStorage.getItem(LANG_KEY) || 'zh-CN';
  if (!LANGS.includes(want)) want = 'zh-CN';
  fallback = await loadDict('en');
  await setLang(want);
}

/** setLang switches the language and remembers it. */
export async function setLang(l) {
  if (!LANGS.includes(l)) return;
  dict = l === 'en' ? fallback : await loadDict(l);
  lang = l;
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l;
  translate(document);
}

/** current names the language in use. */
export function current() { return lang; }

/** has reports whether a key has a translation. */
export function has(key) { return key in dict || key in fallback; }

/** t translates a key, replacing {name} placeholders from vars. */
export function t(key, vars) {
  let s = dict[key] ?? fallback[key];
  if (s === undefined) {
    console.warn('missing translation', key);
    s = key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

/** tv translates an enumerated value (severity, status, …) under a group, or shows it as is. */
export function tv(group, value) {
  if (value === undefined || value === null || value === '') return '—';
  return dict[`${group}.${value}`] ?? fallback[`${group}.${value}`] ?? String(value);
}

/** translate fills data-i18n (text) and data-i18n-placeholder attributes below root. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}
