// Forms generated from the request body schema of the API's OpenAPI
// document, so that the register, retire and scan forms follow the
// server's real routes.
import * as api from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const LONG = /pem|cert|code|policy|source|comment|description|evidence/i;

/**
 * schemaForm builds a form for method+path. fallback lists [name, type]
 * fields used when the document has no schema. submit(payload) receives a
 * plain object, or FormData for multipart bodies.
 */
export function schemaForm(method, path, { id, submitLabel, fallback = [], submit }) {
  const op = api.operation(method, path);
  const content = op?.requestBody?.content || {};
  const multipart = !!content['multipart/form-data'];
  const schema = api.resolve((content['application/json'] || content['multipart/form-data'])?.schema);
  const required = new Set(schema.required || []);
  let fields = Object.entries(schema.properties || {}).map(([name, s]) => [name, api.resolve(s)]);
  if (!fields.length) fields = fallback.map(([name, type]) => [name, { type }]);
  const inputs = new Map();
  const form = h('form', { class: 'form', id });
  for (const [name, s] of fields) {
    let input;
    if (s.format === 'binary') input = h('input', { type: 'file', name });
    else if (s.enum) input = h('select', { name }, ['', ...s.enum].map((v) => h('option', { value: v }, v || '—')));
    else if (s.type === 'boolean') input = h('input', { type: 'checkbox', name });
    else if (s.type === 'integer' || s.type === 'number') input = h('input', { type: 'number', name });
    else if (s.type === 'array' || s.type === 'object' || LONG.test(name)) input = h('textarea', { name, rows: 3, placeholder: s.type === 'object' ? 'key=value' : s.type === 'array' ? t('form.oneALine') : '' });
    else input = h('input', { name, type: 'text' });
    if (required.has(name)) input.required = true;
    inputs.set(name, [input, s]);
    form.append(h('label', { class: s.type === 'boolean' ? 'row' : undefined }, name + (required.has(name) ? ' *' : ''), input));
  }
  const msg = h('div', { class: 'form-msg' });
  form.append(h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, submitLabel)), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let payload;
    if (multipart) {
      payload = new FormData(form);
    } else {
      payload = {};
      for (const [name, [input, s]] of inputs) {
        if (s.type === 'boolean') { if (input.checked) payload[name] = true; continue; }
        const v = input.value.trim();
        if (!v) continue;
        if (s.type === 'integer' || s.type === 'number') payload[name] = Number(v);
        else if (s.type === 'array') payload[name] = v.split('\n').map((x) => x.trim()).filter(Boolean);
        else if (s.type === 'object') payload[name] = Object.fromEntries(v.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')).trim(), l.slice(l.indexOf('=') + 1).trim()]));
        else payload[name] = v;
      }
    }
    msg.replaceChildren(h('p', { class: 'loading' }, t('common.saving')));
    try {
      const out = await submit(payload);
      msg.replaceChildren(h('p', { class: 'badge ok' }, t('form.done')));
      return out;
    } catch (e) {
      const { errorBox } = await import('./ui.js');
      msg.replaceChildren(errorBox(e));
    }
  });
  return form;
}
