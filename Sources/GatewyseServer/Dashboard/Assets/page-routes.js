// Routes: the model names clients send (`model`), each with a strategy, targets (provider +
// model, priority, weight) and fallback routes.

import * as api from './api.js';
import { h, clear, field, input, select, handleSubmit, pageHeader, table, statusBadge, badge, readOnlyNote, confirmAction, toast, nextID, numberOrNull } from './ui.js';

const STRATEGIES = ['priority', 'failover', 'round-robin', 'weighted', 'least-latency', 'least-cost', 'cost-optimized', 'free-tier-first',
  'task-optimized', 'random'];

function targetRow(providerList, index, target = {}) {
  const row = h('fieldset', { class: 'target' }, h('legend', {}, `Target ${index + 1}`), h('div', { class: 'row' },
    field('Provider', input(`provider`, { required: true, list: providerList, value: target.provider ?? '' })),
    field('Model', input(`model`, { required: true, value: target.model ?? '' }), 'As the provider names it'),
    field('Priority', input(`priority`, { type: 'number', min: 0, step: 1, value: target.priority ?? index + 1 })),
    field('Weight', input(`weight`, { type: 'number', min: 0, step: 'any', value: target.weight ?? 1 }))));
  return row;
}

function routeForm(providers, existing, done) {
  const providerList = nextID('providers');
  const targets = h('div', { class: 'stack' });
  const addTarget = (target) => targets.append(targetRow(providerList, targets.children.length, target));
  for (const target of existing?.targets ?? [{}]) addTarget(target);
  const form = h('form', { class: 'stack', 'aria-label': existing ? `Edit route ${existing.name}` : 'Create a route' },
    h('datalist', { id: providerList }, providers.map((p) => h('option', { value: p.id }, p.name))),
    h('div', { class: 'row' },
      field('Route name', input('name', { required: true, value: existing?.name ?? '' }), 'What clients send as "model"'),
      field('Strategy', select('strategy', STRATEGIES, existing?.strategy ?? 'priority'))),
    targets,
    h('div', {}, h('button', { type: 'button', class: 'secondary', onclick: () => addTarget({}) }, 'Add another target')),
    field('Fallback routes', input('fallbacks', { value: (existing?.fallbacks ?? []).join(', ') }), 'Comma-separated route names tried after these targets'),
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'enabled', checked: existing ? existing.enabled : true }), ' Enabled')),
    h('div', {}, h('button', { type: 'submit' }, existing ? 'Save route' : 'Create route')));
  return handleSubmit(form, async (data) => {
    const body = {
      name: String(data.get('name')).trim(), strategy: data.get('strategy'), enabled: data.get('enabled') === 'on',
      fallbacks: String(data.get('fallbacks')).split(',').map((s) => s.trim()).filter(Boolean),
      targets: [...targets.querySelectorAll('fieldset.target')].map((row) => ({
        provider: row.querySelector('[name="provider"]').value.trim(), model: row.querySelector('[name="model"]').value.trim(),
        priority: numberOrNull(row.querySelector('[name="priority"]').value) ?? undefined,
        weight: numberOrNull(row.querySelector('[name="weight"]').value) ?? undefined,
      })),
    };
    if (existing) {
      await api.call('PATCH', `/api/admin/routes/${encodeURIComponent(existing.id)}`, body);
      toast(`Route ${body.name} saved.`);
    } else {
      await api.call('POST', '/api/admin/routes', body);
      toast(`Route ${body.name} created: clients can now send "model": "${body.name}".`);
    }
    await done();
  });
}

export default {
  title: 'Routes',
  permission: 'routes:read',
  async render(main) {
    const reload = () => this.render(main);
    const [list, providers] = await Promise.all([api.listAll('/api/admin/routes'),
      api.can('providers:read') ? api.listAll('/api/admin/providers') : Promise.resolve([])]);
    const writable = api.can('routes:write');
    const editor = h('div');
    const actions = (r) => {
      if (r.source === 'config') return badge('from the configuration file', 'neutral');
      if (!writable) return '—';
      return h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${r.name}`, onclick: () => {
          clear(editor, h('h2', {}, `Edit route ${r.name}`), h('div', { class: 'panel' }, routeForm(providers, r, reload)));
          editor.querySelector('input')?.focus();
        } }, 'Edit'),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${r.enabled ? 'Disable' : 'Enable'} ${r.name}`, onclick: async () => {
          await api.call('PATCH', `/api/admin/routes/${encodeURIComponent(r.id)}`, { enabled: !r.enabled });
          toast(`Route ${r.name} ${r.enabled ? 'disabled' : 'enabled'}.`);
          await reload();
        } }, r.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${r.name}`, onclick: async () => {
          if (!(await confirmAction(`Delete route ${r.name}?`, 'Clients sending this model name will get an error.', 'Delete'))) return;
          await api.call('DELETE', `/api/admin/routes/${encodeURIComponent(r.id)}`);
          toast(`Route ${r.name} deleted.`);
          await reload();
        } }, 'Delete'));
    };
    if (writable) clear(editor, h('h2', {}, 'Create a route'), h('div', { class: 'panel' }, routeForm(providers, null, reload)));
    clear(main, pageHeader('Routes', 'The model names your applications use, and which providers answer them.'),
      table('Routes', [
        { label: 'Name', value: (r) => h('strong', {}, r.name) }, { label: 'Strategy', value: (r) => r.strategy },
        { label: 'Targets', value: (r) => h('ul', {}, r.targets.map((t) => h('li', {}, `${t.provider} / ${t.model}`, h('span', { class: 'hint' }, ` priority ${t.priority}, weight ${t.weight}`)))) },
        { label: 'Fallbacks', value: (r) => (r.fallbacks.length ? r.fallbacks.join(' → ') : '—') },
        { label: 'State', value: (r) => statusBadge(r.enabled ? 'enabled' : 'disabled') },
        { label: 'Actions', value: actions },
      ], list, 'No route yet. Create one below: give it the name your applications will send as "model", and pick a provider and model.'),
      writable ? editor : readOnlyNote('routes'));
  },
};
