// Charts drawn as SVG with attributes only (the CSP forbids inline style). Every chart has a
// text alternative: a <title> for screen readers and the numbers in a table or label beside it.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

/** A sparkline of `values` (oldest first) in a 100×40 box; `label` describes it. */
export function sparkline(values, label) {
  const width = 100;
  const height = 40;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, i) => [i * step, height - 2 - (value / max) * (height - 4)]);
  const line = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const area = `0,${height} ${line} ${width},${height}`;
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    svg('title', {}, label),
    svg('polygon', { class: 'spark-area', points: area }),
    svg('polyline', { class: 'spark-line', points: line }));
}

/**
 * Vertical bars for `items` [{label, short, value}] in `slots` places (at least one per item),
 * with short labels under the bars and each exact value in the bar's tooltip.
 */
export function bars(items, label, format = String, slots = items.length) {
  const width = 720;
  const height = 140;
  const max = Math.max(1, ...items.map((item) => item.value));
  const slot = width / Math.max(1, slots, items.length);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'bars', width: '100%', height },
    svg('title', {}, label));
  items.forEach((item, i) => {
    const barHeight = (item.value / max) * (height - 30);
    const rect = svg('rect', { x: i * slot + 3, y: height - 18 - barHeight, width: Math.max(2, slot - 6), height: Math.max(0, barHeight) },
      svg('title', {}, `${item.label}: ${format(item.value)}`));
    chart.append(rect);
    if (items.length <= 31 || i % Math.ceil(items.length / 24) === 0) {
      chart.append(svg('text', { x: i * slot + slot / 2, y: height - 4, 'text-anchor': 'middle' }, item.short ?? item.label));
    }
  });
  return chart;
}
