// Budgets: spending, token and request limits on the tenant or one of its units, with the
// share of each limit used (a <meter> with its number beside it, so colour is never the signal).

import * as api from './api.js';
import { h, clear, field, input, select, handleSubmit, pageHeader, table, statusBadge, readOnlyNote, confirmAction, toast, time, numberOrNull, percent } from './ui.js';

const LIMITS = [['dailyUsd', 'Daily spend (USD)'], ['weeklyUsd', 'Weekly spend (USD)'], ['monthlyUsd', 'Monthly spend (USD)'],
  ['dailyTokens', 'Daily tokens'], ['monthlyTokens', 'Monthly tokens'], ['dailyRequests', 'Daily requests']];

function usageCell(budget) {
  const meters = Object.entries(budget.usage || {});
  if (!meters.length) return '—';
  return h('ul', {}, meters.map(([name, meter]) => {
    const label = LIMITS.find(([key]) => key === name)?.[1] ?? name;
    return h('li', {}, h('meter', { min: 0, max: 100, low: 80, high: 99, optimum: 0, value: Math.min(100, Number(meter.percent)),
      'aria-label': `${label} used` }), ` ${label}: ${meter.used} of ${meter.limit} (${percent(meter.percent)}), resets ${time(meter.resetsAt)}`);
  }));
}

function budgetForm(done) {
  const form = h('form', { class: 'stack', 'aria-label': 'Create a budget' },
    h('div', { class: 'row' },
      field('Budget name', input('name', { required: true })),
      field('Applies to', select('scope', [['tenant', 'The whole tenant'], ['organization', 'An organization'], ['department', 'A department'],
        ['user', 'A user'], ['apiKey', 'An API key']], 'tenant')),
      field('Unit id', input('scopeId'), 'The organization, department, user or key id; empty for the tenant')),
    h('fieldset', {}, h('legend', {}, 'Limits (fill at least one)'), h('div', { class: 'row' },
      LIMITS.map(([name, label]) => field(label, input(name, { type: 'number', min: 0, step: name.endsWith('Usd') ? '0.01' : '1' }))))),
    h('div', { class: 'row' },
      field('When a limit is reached', select('action', [['block', 'Refuse requests (429)'], ['warn', 'Only warn (header on answers)']], 'block')),
      field('Alert at (% used)', input('alert', { type: 'number', min: 1, max: 100, step: 1 }), 'Optional')),
    h('div', {}, h('button', { type: 'submit' }, 'Create budget')));
  return handleSubmit(form, async (data) => {
    const limits = {};
    for (const [name] of LIMITS) {
      const value = numberOrNull(data.get(name));
      if (value !== null) limits[name] = value;
    }
    const body = { name: String(data.get('name')).trim(), scope: data.get('scope'), limits, action: data.get('action') };
    const scopeId = String(data.get('scopeId')).trim();
    if (scopeId) body.scopeId = scopeId;
    const alert = numberOrNull(data.get('alert'));
    if (alert !== null) body.alerts = [{ thresholdPercent: alert }];
    await api.call('POST', '/api/admin/budgets', body);
    toast(`Budget ${body.name} created.`);
    await done();
  });
}

export default {
  title: 'Budgets',
  permission: 'budgets:read',
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const list = await api.listAll('/api/admin/budgets');
    const writable = api.can('budgets:write');
    const actions = (b) => (!writable ? '—' : h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', 'aria-label': `${b.enabled ? 'Disable' : 'Enable'} ${b.name}`, onclick: async () => {
        await api.call('PATCH', `/api/admin/budgets/${encodeURIComponent(b.id)}`, { enabled: !b.enabled });
        toast(`Budget ${b.name} ${b.enabled ? 'disabled' : 'enabled'}.`);
        await reload();
      } }, b.enabled ? 'Disable' : 'Enable'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${b.name}`, onclick: async () => {
        if (!(await confirmAction(`Delete budget ${b.name}?`, 'Its limits stop applying at once.', 'Delete'))) return;
        await api.call('DELETE', `/api/admin/budgets/${encodeURIComponent(b.id)}`);
        toast(`Budget ${b.name} deleted.`);
        await reload();
      } }, 'Delete')));
    clear(main, pageHeader('Budgets', 'Limits on spending, tokens and requests. "Block" refuses requests once a limit is reached.'),
      table('Budgets', [
        { label: 'Name', value: (b) => h('strong', {}, b.name) }, { label: 'Applies to', value: (b) => `${b.scope} ${b.scopeId}` },
        { label: 'Usage', value: usageCell }, { label: 'Action', value: (b) => b.action }, { label: 'Status', value: (b) => statusBadge(b.status) },
        { label: 'Actions', value: actions },
      ], list, 'No budget yet. Create one below to cap what the tenant, a team or a key may spend.'),
      writable ? [h('h2', {}, 'Create a budget'), h('div', { class: 'panel' }, budgetForm(reload))] : readOnlyNote('budgets'));
  },
};
