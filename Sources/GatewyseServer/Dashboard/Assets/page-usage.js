// Usage: the report of GET /api/admin/usage with its filters, and the same rows as CSV (fetched
// with the session's token, then saved from memory: a plain link could not carry the token).

import * as api from './api.js';
import { h, clear, field, input, select, handleSubmit, pageHeader, table, count, usd, time } from './ui.js';

const DAY = 86400_000;
function day(date) { return new Date(date).toISOString().slice(0, 10); }

function query(data) {
  const params = new URLSearchParams();
  params.set('from', `${data.get('from')}T00:00:00Z`);
  params.set('to', new Date(Date.parse(`${data.get('to')}T00:00:00Z`) + DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  params.set('interval', data.get('interval'));
  if (data.get('groupBy')) params.set('groupBy', data.get('groupBy'));
  return params.toString();
}

export default {
  title: 'Usage',
  permission: 'usage:read',
  own: true,
  async render(main) {
    const results = h('div');
    const download = h('button', { type: 'button', class: 'secondary' }, 'Export CSV');
    const groups = [['', 'No grouping'], ['provider', 'Provider'], ['model', 'Model'], ['apiKey', 'API key'], ['user', 'User'],
      ['organization', 'Organization'], ['department', 'Department']];
    if (api.isSuperAdmin() && api.tenant() === '') groups.push(['tenant', 'Tenant']);
    const form = h('form', { class: 'row', 'aria-label': 'Usage filters' },
      field('From', input('from', { type: 'date', value: day(Date.now() - 6 * DAY), required: true })),
      field('To', input('to', { type: 'date', value: day(Date.now()), required: true })),
      field('Per', select('interval', [['hour', 'Hour'], ['day', 'Day'], ['week', 'Week']], 'day')),
      field('Group by', select('groupBy', groups, '')),
      h('div', {}, h('button', { type: 'submit' }, 'Show usage')), download);
    const show = async (data) => {
      const report = await api.call('GET', `/api/admin/usage?${query(data)}`);
      const totals = report.data.reduce((t, r) => ({ requests: t.requests + Number(r.requests), cost: t.cost + Number(r.costUsd) }), { requests: 0, cost: 0 });
      clear(results, h('p', { id: 'usage-total' }, `${count(totals.requests)} requests, ${usd(totals.cost)} in the selected period.`), table('Usage per period', [
        { label: 'Period', value: (r) => time(r.period) }, { label: 'Group', value: (r) => r.group ?? '—' },
        { label: 'Requests', value: (r) => count(r.requests), num: true }, { label: 'Errors', value: (r) => count(r.errors), num: true },
        { label: 'Input tokens', value: (r) => count(r.inputTokens), num: true }, { label: 'Output tokens', value: (r) => count(r.outputTokens), num: true },
        { label: 'Cache hits', value: (r) => count(r.cacheHits), num: true }, { label: 'Cost', value: (r) => usd(r.costUsd), num: true },
      ], report.data, 'No usage in this period. Widen the dates, or send a request from the Playground.'));
    };
    handleSubmit(form, show);
    download.addEventListener('click', async () => {
      const response = await api.call('GET', `/api/admin/usage?${query(new FormData(form))}`, undefined, { accept: 'text/csv', raw: true });
      const blob = await response.blob();
      // A link only to start the download: clicked at once, never shown.
      const link = h('a', { href: URL.createObjectURL(blob), download: `gatewyse-usage-${day(Date.now())}.csv`, hidden: true }, 'Download the CSV');
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    });
    clear(main, pageHeader('Usage', 'Requests, tokens and cost per period. Times are UTC.'), h('div', { class: 'panel' }, form), results);
    await show(new FormData(form));
  },
};
