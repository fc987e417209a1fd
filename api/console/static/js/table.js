// A virtualised, cursor-paged table. Pages are fetched from the API with
// its opaque cursor and appended; only the rows in view (plus a margin)
// are in the DOM, so tens of thousands of rows stay smooth.
import { h } from './dom.js';
import { t } from './i18n.js';
import { errorBox } from './ui.js';

const ROW = 32;
const OVERSCAN = 8;

/**
 * vtable returns a table element.
 * columns: [{label, width (CSS grid track), cell(row) -> Node|string}]
 * load(cursor) -> Promise<{items, next}>
 * onRow(row) -> route to open on click, optional.
 */
export function vtable({ columns, load, rowLink, empty, id }) {
  const tracks = columns.map((c) => c.width || '1fr').join(' ');
  const head = h('div', { class: 'vt-head', style: `grid-template-columns:${tracks}` }, columns.map((c) => h('div', null, c.label)));
  const spacer = h('div', { class: 'vt-spacer' });
  const body = h('div', { class: 'vt-body' }, spacer);
  const count = h('span', { class: 'muted' });
  const more = h('button', { type: 'button', class: 'vt-more' }, t('table.loadMore'));
  const status = h('span', { class: 'vt-status' });
  const foot = h('div', { class: 'vt-foot' }, count, more, status);
  const root = h('div', { class: 'vt', id, dataset: { rows: '0', done: 'false' } }, head, body, foot);
  const rows = [];
  let next = '';
  let done = false;
  let drawn = new Map();

  function cellsOf(r) {
    return columns.map((c) => {
      const v = c.cell(r);
      return h('div', { title: typeof v === 'string' ? v : undefined }, v ?? '—');
    });
  }

  function draw() {
    const height = Math.min(rows.length * ROW, window.innerHeight * 0.62);
    body.style.height = rows.length ? `${Math.max(height, ROW)}px` : '0';
    spacer.style.height = `${rows.length * ROW}px`;
    const top = body.scrollTop;
    const from = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const to = Math.min(rows.length, Math.ceil((top + body.clientHeight) / ROW) + OVERSCAN);
    const keep = new Map();
    for (let i = from; i < to; i++) {
      let el = drawn.get(i);
      if (!el) {
        const r = rows[i];
        const href = rowLink ? rowLink(r) : null;
        el = h(href ? 'a' : 'div', { class: 'vt-row', href: href ? '#' + href : undefined, style: `grid-template-columns:${tracks};top:${i * ROW}px`, dataset: { i: String(i) } }, cellsOf(r));
        body.appendChild(el);
      }
      keep.set(i, el);
    }
    for (const [i, el] of drawn) if (!keep.has(i)) el.remove();
    drawn = keep;
    count.textContent = t('table.rows', { n: rows.length.toLocaleString('en-US') }) + (done ? '' : ' +');
    more.hidden = done;
    root.dataset.rows = String(rows.length);
    root.dataset.done = String(done);
    if (!rows.length && done) {
      if (!root.querySelector('.vt-empty')) body.before(h('div', { class: 'vt-empty' }, empty || t('table.empty')));
    }
  }

  let pending = null;
  function fetchMore() {
    if (done) return Promise.resolve();
    if (!pending) pending = fetchPage().finally(() => { pending = null; });
    return pending;
  }

  async function fetchPage() {
    more.disabled = true;
    status.replaceChildren(h('span', { class: 'loading' }, t('common.loading')));
    root.dataset.loading = 'true';
    try {
      const page = await load(next);
      rows.push(...(page.items || []));
      next = page.next || '';
      done = !next;
      status.replaceChildren();
    } catch (e) {
      status.replaceChildren(errorBox(e));
      if (!rows.length) done = true;
    } finally {
      more.disabled = false;
      root.dataset.loading = 'false';
      draw();
    }
  }

  body.addEventListener('scroll', () => {
    draw();
    if (!done && body.scrollTop + body.clientHeight > rows.length * ROW - 4 * ROW) fetchMore();
  }, { passive: true });
  more.addEventListener('click', fetchMore);
  root.reload = () => { rows.length = 0; next = ''; done = false; for (const el of drawn.values()) el.remove(); drawn.clear(); root.querySelector('.vt-empty')?.remove(); return fetchMore(); };
  root.loadAll = async (max = Infinity) => { while (!done && rows.length < max) await fetchMore(); };
  queueMicrotask(fetchMore);
  return root;
}
