// Overview: the last 24 hours at a glance (GET /api/admin/usage by hour), latency of the newest
// requests, provider health and the budgets' status. Each block shows only when the role may
// read its source.

import * as api from './api.js';
import { h, clear, count, usd, ms, percent, time, pageHeader, table, statusBadge, badge } from './ui.js';
import { sparkline, bars } from './charts.js';

const HOUR = 3600_000;

function iso(date) { return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z'); }

/** The 24 hourly buckets ending with the current hour, filled from the report's rows. */
function hourly(rows, now) {
  const start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const buckets = Array.from({ length: 24 }, (_, i) => ({ period: start + i * HOUR, requests: 0, errors: 0, costUsd: 0, cacheHits: 0 }));
  for (const row of rows) {
    const index = Math.round((Date.parse(row.period) - start) / HOUR);
    if (index < 0 || index >= 24) continue;
    const bucket = buckets[index];
    bucket.requests += Number(row.requests);
    bucket.errors += Number(row.errors);
    bucket.costUsd += Number(row.costUsd);
    bucket.cacheHits += Number(row.cacheHits);
  }
  return buckets;
}

function card(label, value, detail, values) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value),
    detail ? h('div', { class: 'hint' }, detail) : null, values ? sparkline(values, `${label}, hourly over the last 24 hours`) : null);
}

function trend(buckets, key) {
  const first = buckets.slice(0, 12).reduce((sum, b) => sum + b[key], 0);
  const last = buckets.slice(12).reduce((sum, b) => sum + b[key], 0);
  if (first === 0) return last === 0 ? 'No change over the last 12 hours' : 'New in the last 12 hours';
  const change = ((last - first) / first) * 100;
  return `${change >= 0 ? 'Up' : 'Down'} ${Math.abs(change).toFixed(0)} % on the 12 hours before`;
}

/** Request volume per hour (24), day (30) or week (12), empty periods drawn as empty slots. */
async function volume(section, interval) {
  const spans = { hour: [24, HOUR], day: [30, 24 * HOUR], week: [12, 7 * 24 * HOUR] };
  const [periods, length] = spans[interval];
  const now = Date.now();
  const report = await api.call('GET', `/api/admin/usage?interval=${interval}&from=${iso(now - periods * length)}&to=${iso(now + 1000)}`);
  const label = (time) => {
    const date = new Date(time);
    return interval === 'hour' ? `${String(date.getUTCHours()).padStart(2, '0')}h` : `${date.getUTCDate()}/${date.getUTCMonth() + 1}`;
  };
  let items;
  if (interval === 'week') {
    // Weeks start where the store says; only the rows it answered are drawn.
    items = report.data.map((row) => ({ label: row.period, short: label(row.period), value: Number(row.requests) }));
  } else {
    const start = Math.floor(now / length) * length - (periods - 1) * length;
    items = Array.from({ length: periods }, (_, i) => ({ label: iso(start + i * length), short: label(start + i * length), value: 0 }));
    for (const row of report.data) {
      const index = Math.round((Date.parse(row.period) - start) / length);
      if (index >= 0 && index < periods) items[index].value += Number(row.requests);
    }
  }
  const total = items.reduce((sum, item) => sum + item.value, 0);
  clear(section, total ? bars(items, `Requests per ${interval}`, count, periods) : h('p', { class: 'empty' }, 'No requests in this period yet.'));
}

export default {
  title: 'Overview',
  permission: 'usage:read',
  own: true,
  async render(main) {
    const now = Date.now();
    const blocks = [];
    const report = await api.call('GET', `/api/admin/usage?interval=hour&from=${iso(now - 24 * HOUR)}&to=${iso(now + 1000)}`);
    const buckets = hourly(report.data, now);
    const total = (key) => buckets.reduce((sum, b) => sum + b[key], 0);
    const requests = total('requests');
    let latency = null;
    if (api.can('requests:read')) {
      const recent = await api.call('GET', '/api/admin/requests?limit=100');
      const latencies = recent.data.map((r) => Number(r.latencyMs)).sort((a, b) => a - b);
      if (latencies.length) latency = { mean: latencies.reduce((a, b) => a + b, 0) / latencies.length, p95: latencies[Math.floor(latencies.length * 0.95)] };
      blocks.push(h('h2', {}, 'Newest requests'), table('The ten newest requests', [
        { label: 'Time', value: (r) => time(r.time) }, { label: 'Model', value: (r) => r.model || '—' }, { label: 'Provider', value: (r) => r.provider || '—' },
        { label: 'Status', value: (r) => statusBadge(Number(r.status) < 400 ? 'ok' : 'failed') }, { label: 'HTTP', value: (r) => r.status, num: true },
        { label: 'Latency', value: (r) => ms(Number(r.latencyMs)), num: true }, { label: 'Cost', value: (r) => usd(r.costUsd), num: true },
      ], recent.data.slice(0, 10), 'No request yet. Create an API key and send one from the Playground.'));
    }
    const cards = h('div', { class: 'cards' },
      card('Requests, last 24 h', count(requests), trend(buckets, 'requests'), buckets.map((b) => b.requests)),
      card('Errors, last 24 h', count(total('errors')), requests ? `${percent((total('errors') / requests) * 100)} of requests` : 'No requests yet',
        buckets.map((b) => b.errors)),
      card('Cost, last 24 h', usd(total('costUsd')), trend(buckets, 'costUsd'), buckets.map((b) => b.costUsd)),
      card('Latency, newest 100', latency ? ms(latency.mean) : '—', latency ? `95th percentile ${ms(latency.p95)}` : 'Needs the requests:read permission or traffic'),
      card('Cache hit rate, 24 h', requests ? percent((total('cacheHits') / requests) * 100) : '—', `${count(total('cacheHits'))} answers from the cache`));

    const volumeSection = h('div', { class: 'panel' });
    const toggles = ['hour', 'day', 'week'].map((interval) => h('button', {
      type: 'button', class: interval === 'hour' ? '' : 'secondary', 'aria-pressed': interval === 'hour' ? 'true' : 'false',
      onclick: async (event) => {
        toggles.forEach((b) => { b.className = 'secondary'; b.setAttribute('aria-pressed', 'false'); });
        event.currentTarget.className = ''; event.currentTarget.setAttribute('aria-pressed', 'true');
        await volume(volumeSection, interval);
      },
    }, { hour: 'Hourly', day: 'Daily', week: 'Weekly' }[interval]));
    await volume(volumeSection, 'hour');

    if (api.can('usage:read')) {
      const byProvider = await api.call('GET', `/api/admin/usage?interval=day&groupBy=provider&from=${iso(now - 24 * HOUR)}&to=${iso(now + 1000)}`);
      const merged = new Map();
      for (const row of byProvider.data) {
        const entry = merged.get(row.group || 'none') || { provider: row.group || '(no provider)', requests: 0, cost: 0 };
        entry.requests += Number(row.requests); entry.cost += Number(row.costUsd);
        merged.set(row.group || 'none', entry);
      }
      blocks.unshift(h('h2', {}, 'Cost by provider, last 24 h'), table('Cost and requests per provider', [
        { label: 'Provider', value: (r) => r.provider }, { label: 'Requests', value: (r) => count(r.requests), num: true },
        { label: 'Cost', value: (r) => usd(r.cost), num: true },
      ], [...merged.values()].sort((a, b) => b.cost - a.cost), 'No traffic in the last 24 hours.'));
    }
    if (api.can('providers:read')) {
      const health = await api.call('GET', '/api/admin/providers/health');
      blocks.unshift(h('h2', {}, 'Provider health'), health.data.length ? h('div', { class: 'health-grid' }, health.data.map((p) =>
        h('div', { class: 'card' }, h('div', { class: 'label' }, p.type), h('div', {}, h('strong', {}, p.id)), statusBadge(p.status),
          h('div', { class: 'hint' }, `latency ${p.latencyMs === null ? '—' : ms(Number(p.latencyMs))} · circuit ${p.circuit}`))))
        : h('p', { class: 'empty' }, 'No provider yet: add one on the Providers page.'));
    }
    if (api.can('budgets:read') && !(api.isSuperAdmin() && api.tenant() === '')) {
      const list = await api.listAll('/api/admin/budgets');
      blocks.push(h('h2', {}, 'Budgets'), table('Budgets and how much of each is spent', [
        { label: 'Budget', value: (b) => b.name }, { label: 'Status', value: (b) => statusBadge(b.status) },
        { label: 'Most used limit', value: (b) => {
          const meters = Object.entries(b.usage || {});
          if (!meters.length) return '—';
          const [name, meter] = meters.sort((x, y) => Number(y[1].percent) - Number(x[1].percent))[0];
          return `${name}: ${percent(meter.percent)}`;
        } },
      ], list, 'No budget yet: add one on the Budgets page.'));
    }
    clear(main, pageHeader('Overview', 'What the gateway did in the last 24 hours.'), cards,
      h('h2', {}, 'Request volume'), h('div', { class: 'actions', role: 'group', 'aria-label': 'Chart period' }, toggles), volumeSection,
      blocks, h('p', { class: 'hint' }, `Updated ${time(new Date(now).toISOString())}. `, badge('live numbers', 'neutral'),
        ' Usage is written in batches: a request shows here within a few seconds.'));
  },
};
