// Hand-rolled inline SVG charts: no library, no network.
import { h, svg } from './dom.js';
import { t } from './i18n.js';

export const SEV_COLORS = { critical: '#8e1020', high: '#d1382f', medium: '#e08a00', low: '#2f7fd1', info: '#8a94a6' };

function frame(w, hgt, label) {
  return svg('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'xMidYMid meet' });
}

/**
 * scale picks the y axis of counts up to v: a whole-number step of 1, 2 or
 * 5 times a power of ten, at most five steps, and a top that is a whole
 * number of steps, so every tick sits on the value it names.
 */
export function scale(v) {
  const top = Math.max(1, Math.ceil(v));
  let step = 1;
  for (let p = 1; ; p *= 10) {
    const m = [1, 2, 5].find((k) => top / (k * p) <= 5);
    if (m) { step = m * p; break; }
  }
  const max = Math.ceil(top / step) * step;
  const ticks = [];
  for (let x = 0; x <= max; x += step) ticks.push(x);
  return { max, ticks };
}

/** bars draws a vertical bar chart of [{label, value, color}]. */
export function bars(data, { label = '', height = 180, color = '#1f5fbf' } = {}) {
  const w = 600, pad = { l: 36, r: 8, t: 10, b: 34 };
  const s = frame(w, height, label);
  if (!data.length) return h('div', { class: 'chart muted' }, t('chart.noData'));
  const sc = scale(Math.max(...data.map((d) => d.value)));
  const max = sc.max;
  const iw = w - pad.l - pad.r, ih = height - pad.t - pad.b;
  const bw = iw / data.length;
  axes(s, pad, w, height, sc);
  const every = Math.ceil(data.length / 12);
  data.forEach((d, i) => {
    const bh = (d.value / max) * ih;
    const x = pad.l + i * bw;
    s.append(svg('rect', { x: x + bw * 0.15, y: pad.t + ih - bh, width: Math.max(1, bw * 0.7), height: bh, fill: d.color || color },
      svg('title', null, `${d.label}: ${d.value}`)));
    if (i % every === 0) s.append(svg('text', { x: x + bw / 2, y: height - pad.b + 14, 'text-anchor': 'middle' }, d.label));
  });
  return h('div', { class: 'chart', dataset: { chart: 'bars' } }, s);
}

/** hbars draws a horizontal ranking of [{label, value, color, href}]. */
export function hbars(data, { label = '' } = {}) {
  if (!data.length) return h('div', { class: 'chart muted' }, t('chart.noData'));
  const w = 600, row = 24, pad = 170;
  const s = frame(w, data.length * row + 6, label);
  const max = Math.max(...data.map((d) => d.value), 1);
  data.forEach((d, i) => {
    const y = 3 + i * row;
    const bw = ((w - pad - 60) * d.value) / max;
    s.append(svg('text', { x: pad - 8, y: y + 16, 'text-anchor': 'end' }, d.label.length > 26 ? d.label.slice(0, 25) + '…' : d.label));
    s.append(svg('rect', { x: pad, y: y + 4, width: Math.max(1, bw), height: row - 8, fill: d.color || '#1f5fbf', rx: 3 }, svg('title', null, `${d.label}: ${d.value}`)));
    s.append(svg('text', { x: pad + bw + 6, y: y + 16 }, String(d.value)));
  });
  return h('div', { class: 'chart', dataset: { chart: 'hbars' } }, s);
}

/**
 * lines draws series [{name, color, values: [number]}] over shared x labels.
 */
export function lines(xs, series, { label = '', height = 200 } = {}) {
  if (!xs.length) return h('div', { class: 'chart muted' }, t('chart.noData'));
  // One point in time draws better as bars, one per series.
  if (xs.length === 1) return bars(series.map((se) => ({ label: `${xs[0]} ${se.name}`, value: se.values[0], color: se.color })), { label, height });
  const w = 600, pad = { l: 36, r: 8, t: 10, b: 34 };
  const s = frame(w, height, label);
  const sc = scale(Math.max(1, ...series.flatMap((se) => se.values)));
  const max = sc.max;
  const iw = w - pad.l - pad.r, ih = height - pad.t - pad.b;
  axes(s, pad, w, height, sc);
  const x = (i) => pad.l + (xs.length === 1 ? iw / 2 : (i * iw) / (xs.length - 1));
  const y = (v) => pad.t + ih - (v / max) * ih;
  for (const se of series) {
    const d = se.values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    s.append(svg('path', { d, fill: 'none', stroke: se.color, 'stroke-width': 2 }, svg('title', null, se.name)));
    se.values.forEach((v, i) => { if (v) s.append(svg('circle', { cx: x(i), cy: y(v), r: 2.5, fill: se.color }, svg('title', null, `${se.name} ${xs[i]}: ${v}`))); });
  }
  const every = Math.ceil(xs.length / 8);
  xs.forEach((l, i) => { if (i % every === 0) s.append(svg('text', { x: x(i), y: height - pad.b + 14, 'text-anchor': 'middle' }, l)); });
  const legend = h('div', { class: 'row' }, series.map((se) => h('span', { class: 'muted' }, h('span', { style: `color:${se.color}` }, '■ '), se.name)));
  return h('div', { class: 'chart', dataset: { chart: 'lines' } }, s, legend);
}

function axes(s, pad, w, hgt, { max, ticks }) {
  const ih = hgt - pad.t - pad.b;
  for (const v of ticks) {
    const y = pad.t + ih - (v / max) * ih;
    s.append(svg('line', { x1: pad.l, x2: w - pad.r, y1: y, y2: y, class: 'axis', 'data-tick': v }));
    s.append(svg('text', { x: pad.l - 4, y: y + 4, 'text-anchor': 'end' }, String(v)));
  }
}
