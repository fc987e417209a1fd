// Contracts and chaincode definitions with their scan findings, and the
// auditors' upload form for a scan.
import * as api from '../api.js';
import { h, kv, link, enc, fmtTime, num, short } from '../dom.js';
import { t, tv } from '../i18n.js';
import { vtable } from '../table.js';
import { guard, panel, notAvailable, select, sevBadge, statusBadge, errorBox } from '../ui.js';
import { table } from './explorer.js';

export async function list({ el, query, go }) {
  el.append(h('h1', null, t('contracts.title')));
  // Auditors read contracts but not the ledger: without the chain list
  // the chain is typed in.
  const chains = (await api.get('chains').catch(() => ({ items: [] }))).items;
  const chain = query.chain || chains[0]?.id || '';
  const sel = chains.length ? select('chain', chains.map((c) => [c.id, c.name || c.id]), chain, { id: 'contracts-chain' })
    : h('input', { name: 'chain', id: 'contracts-chain', value: chain, size: 16, placeholder: t('contracts.chainId') });
  sel.addEventListener('change', () => go(`/contracts?chain=${enc(sel.value.trim())}`));
  el.append(h('div', { class: 'filters' }, h('label', null, t('explorer.chain'), sel)));
  if (chain) {
    el.append(vtable({
      id: 'contracts',
      columns: [
        { label: t('contracts.address'), width: '2fr', cell: (x) => h('span', { class: 'mono' }, x.address) },
        { label: t('contracts.version'), width: '110px', cell: (x) => x.version ? `${x.version}${x.sequence ? ' / ' + x.sequence : ''}` : '—' },
        { label: t('explorer.height'), width: '80px', cell: (x) => num(x.height) },
        { label: t('contracts.creator'), width: '1fr', cell: (x) => short(x.creator, 10) },
        { label: t('contracts.codeSize'), width: '90px', cell: (x) => x.codeSize ? num(x.codeSize) : '—' },
        { label: t('explorer.time'), width: '160px', cell: (x) => fmtTime(x.time) },
      ],
      load: (cursor) => api.get(`chains/${enc(chain)}/contracts`, { cursor, limit: 200 }),
      rowLink: (x) => `/contracts/${enc(chain)}/${enc(x.address)}`,
    }));
  }
  el.append(scanPanel(chains, chain));
}

/**
 * scanPanel uploads the JSON report of `lianjian scan --format json` (or a
 * scan request body) for a chain, or attaches it to a chaincode
 * definition; the API stores its findings.
 */
function scanPanel(chains, chain) {
  const route = api.first('POST', '/api/v1/chains/{chain}/scans');
  if (!route) return panel(t('contracts.scan'), notAvailable(t('contracts.scan')));
  const attach = api.first('POST', '/api/v1/chains/{chain}/chaincodes/{name}/scans');
  const chainSel = chains.length ? select('chain', chains.map((c) => [c.id, c.name || c.id]), chain, { id: 'scan-chain' })
    : h('input', { name: 'chain', id: 'scan-chain', value: chain, required: true, size: 16 });
  const file = h('input', { type: 'file', name: 'file', accept: '.json,application/json', required: true, id: 'scan-file' });
  const tool = h('input', { name: 'tool', value: 'lianjian scan', size: 20 });
  const cc = h('input', { name: 'chaincode', size: 16, placeholder: 'kvcc' });
  const version = h('input', { name: 'version', size: 8 });
  const sequence = h('input', { name: 'sequence', type: 'number', min: 1, size: 6 });
  const msg = h('div', { id: 'scan-msg' });
  const form = h('form', { class: 'form', id: 'scan-upload' },
    h('label', null, t('explorer.chain'), chainSel),
    h('label', null, t('contracts.scanFile'), file),
    h('label', null, t('contracts.tool'), tool),
    attach ? h('div', { class: 'row' }, h('label', null, t('contracts.attachTo'), cc), h('label', null, t('contracts.version'), version), h('label', null, t('contracts.sequence'), sequence)) : null,
    h('div', { class: 'row' }, h('button', { class: 'primary', type: 'submit' }, t('contracts.scanSubmit'))), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) return;
    let report;
    try {
      report = JSON.parse(await f.text());
    } catch {
      msg.replaceChildren(h('p', { class: 'error' }, t('contracts.badFile')));
      return;
    }
    const findings = Array.isArray(report) ? report : report.findings;
    if (!Array.isArray(findings)) {
      msg.replaceChildren(h('p', { class: 'error' }, t('contracts.badFile')));
      return;
    }
    const body = { tool: tool.value.trim() || undefined, source: report.source || f.name, findings };
    let path = api.fill(route, { chain: chainSel.value.trim() });
    if (attach && cc.value.trim()) {
      path = api.fill(attach, { chain: chainSel.value.trim(), name: cc.value.trim() });
      if (version.value.trim()) body.version = version.value.trim();
      if (sequence.value) body.sequence = Number(sequence.value);
    }
    msg.replaceChildren(h('p', { class: 'loading' }, t('common.saving')));
    try {
      const res = await api.post(path, body);
      msg.replaceChildren(h('p', { class: 'badge ok' }, t('contracts.stored', { n: res.stored })),
        res.findings?.length ? h('ul', null, res.findings.slice(0, 20).map((id) => h('li', null, link(`/findings/${enc(id)}`, id, { class: 'mono' })))) : null);
    } catch (e) {
      msg.replaceChildren(errorBox(e));
    }
  });
  return panel(t('contracts.scan'), h('p', { class: 'muted' }, t('contracts.scanHint')), form);
}

export async function detail({ el, params }) {
  const ch = enc(params.chain);
  const c = await api.get(`chains/${ch}/contracts/${enc(params.addr)}`);
  el.append(h('h1', null, t('contracts.contract'), ' ', h('span', { class: 'mono' }, c.address)));
  el.append(panel(t('explorer.overview'), kv([
    [t('explorer.chain'), link(`/chains/${ch}/blocks`, c.chain)],
    [t('contracts.version'), c.version],
    [t('contracts.sequence'), c.sequence ? String(c.sequence) : ''],
    [t('contracts.creator'), c.creator],
    [t('contracts.deployTx'), c.deployTx && link(`/chains/${ch}/txs/${enc(c.deployTx)}`, c.deployTx, { class: 'mono' })],
    [t('explorer.block'), link(`/chains/${ch}/blocks/${c.height}`, `#${num(c.height)}`)],
    [t('explorer.time'), fmtTime(c.time)],
    [t('contracts.codeHash'), c.codeHash && h('span', { class: 'mono' }, c.codeHash)],
    [t('contracts.codeSize'), c.codeSize ? num(c.codeSize) : ''],
    [t('contracts.policy'), c.policy && h('span', { class: 'mono' }, c.policy)],
    [t('contracts.collections'), c.collections?.join(', ')],
  ])));
  const fEl = h('div', { id: 'contract-findings' });
  el.append(panel(t('contracts.findings'), fEl));
  guard(fEl, t('contracts.findings'), async () => {
    const res = await api.get('findings', { chain: params.chain, subject: params.addr, limit: 200 });
    fEl.replaceChildren(res.items.length ? table([t('findings.severity'), t('findings.rule'), t('findings.status'), t('findings.message')],
      res.items.map((f) => [sevBadge(f.severity), link(`/findings/${enc(f.id)}`, f.rule), statusBadge(f.status), f.message])) : h('p', { class: 'muted' }, t('findings.none')));
  });
  const scans = api.first('GET', '/api/v1/chains/{chain}/contracts/{addr}/scans');
  if (scans) {
    const sEl = h('div', { id: 'contract-scans' });
    el.append(panel(t('contracts.scans'), sEl));
    guard(sEl, t('contracts.scans'), async () => {
      const res = await api.get(api.fill(scans, { chain: params.chain, addr: params.addr }), { limit: 100 });
      sEl.replaceChildren(res.items.length ? table([t('contracts.sequence'), t('contracts.scanStatus'), t('contracts.tool'), t('contracts.source'), t('contracts.counts'), t('nav.findings')],
        res.items.map((x) => [x.sequence ? String(x.sequence) : '—', h('span', { class: `badge ${x.status === 'scanned' ? 'ok' : x.status === 'failed' ? 'bad' : 'st'}` }, tv('scan', x.status)),
          `${x.tool || '—'} (${tv('scanby', x.by)})`, x.source || x.error || '—',
          Object.entries(x.counts || {}).filter(([, v]) => v).map(([k, v]) => `${tv('sev', k)} ${v}`).join(' · ') || '0',
          h('span', null, (x.findings || []).slice(0, 10).map((id) => h('span', null, link(`/findings/${enc(id)}`, id.slice(0, 8), { class: 'mono' }), ' ')))])) : h('p', { class: 'muted' }, t('contracts.noScans')));
    });
  }
  // Chaincode definitions exist on Fabric only; EVM and FISCO BCOS
  // contracts have none to ask for.
  const kind = await api.get(`chains/${ch}`).then((x) => x.kind).catch(() => '');
  const hist = kind === 'fabric' && api.first('GET', '/api/v1/chains/{chain}/chaincodes/{name}/history', '/api/v1/chains/{chain}/contracts/{addr}/history');
  if (hist) {
    const hEl = h('div');
    el.append(panel(t('contracts.definitions'), hEl));
    guard(hEl, t('contracts.definitions'), async () => {
      const res = await api.get(api.fill(hist, { chain: params.chain, name: params.addr, addr: params.addr }));
      hEl.replaceChildren(table([t('contracts.sequence'), t('contracts.version'), t('explorer.height'), t('contracts.policy'), t('contracts.collections')],
        (res.items || res).map((d) => [String(d.sequence ?? '—'), d.version || '—', link(`/chains/${ch}/blocks/${d.height}`, `#${num(d.height)}`), d.policy || '—', (d.collections || []).join(', ') || '—'])));
    });
  }
  const code = h('div');
  el.append(panel(t('contracts.code'), h('button', { type: 'button', onclick: () => guard(code, '', async () => {
    const r = await api.get(`chains/${ch}/contracts/${enc(params.addr)}`, { raw: 1 });
    code.replaceChildren(h('pre', { class: 'block mono' }, r.code || '—'));
  }) }, t('explorer.showRaw')), code));
}
