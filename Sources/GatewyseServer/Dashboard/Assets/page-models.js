// Models and pricing: the models each provider serves, with capabilities, context window, status
// and token prices (admin-api.md §4 `models`). A tenant's entries price its own requests; a
// super-admin on the system scope manages the shared ones, beside the configuration file's
// `prices:` (read-only here). Prices are sent as the decimal text typed, so the gateway reads
// them exactly (never through a float).

import * as api from './api.js';
import { h, clear, field, input, select, checkboxes, checkedValues, handleSubmit, pageHeader, table, statusBadge, badge, readOnlyNote, dialog,
  confirmAction, toast, count } from './ui.js';

const CAPABILITIES = ['chat', 'completions', 'embeddings', 'images', 'audio', 'tts', 'rerank', 'video-generation', 'moderation'];
const STATUSES = ['active', 'inactive', 'deprecated'];
const PRICES = [
  ['inputPerMillionTokens', 'Input', true], ['outputPerMillionTokens', 'Output', true],
  ['cachedInputPerMillionTokens', 'Cached input', false], ['cacheWriteInputPerMillionTokens', 'Cache write', false],
];

function price(value) { return value === null || value === undefined ? '—' : `$${value}`; }

/** The path of one entry: the model name as one segment, the provider picking among several. */
function path(model) { return `/api/admin/models/${encodeURIComponent(model.id)}?provider=${encodeURIComponent(model.provider)}`; }

/** The add/edit form; `existing` switches it to a PATCH of that entry. */
function modelForm(existing, providers, done) {
  const controls = [];
  if (!existing) {
    controls.push(h('div', { class: 'row' },
      field('Model', input('id', { required: true }), 'The upstream model name, as the provider spells it'),
      field('Provider', select('provider', providers.map((p) => [p.id, p.name ? `${p.name} (${p.id})` : p.id]), providers[0]?.id ?? ''))));
  }
  controls.push(h('div', { class: 'row' },
    field('Context window', input('contextWindow', { type: 'number', min: '1', step: '1', value: existing?.contextWindow ?? '' }), 'Tokens; empty if unknown'),
    field('Status', select('status', STATUSES, existing?.status ?? 'active'))));
  controls.push(checkboxes('Capabilities', 'capabilities', CAPABILITIES, existing?.capabilities ?? ['chat']));
  controls.push(h('fieldset', {}, h('legend', {}, 'Price in USD per million tokens'), h('div', { class: 'row' },
    PRICES.map(([name, label, required]) => field(label, input(name, {
      inputmode: 'decimal', pattern: '[0-9]+(\\.[0-9]{1,9})?', value: existing?.pricing?.[name] ?? '',
    }), required ? (existing ? 'Empty: keep' : 'Needed with any price') : 'Optional')))));
  const form = h('form', { class: 'stack', 'aria-label': existing ? `Edit model ${existing.id}` : 'Add a model' }, controls,
    h('div', {}, h('button', { type: 'submit' }, existing ? 'Save changes' : 'Add model')));
  return handleSubmit(form, async (data) => {
    const body = { status: String(data.get('status')), capabilities: checkedValues(form, 'capabilities') };
    const contextWindow = String(data.get('contextWindow')).trim();
    if (contextWindow) body.contextWindow = Number(contextWindow);
    const pricing = {};
    for (const [name, , required] of PRICES) {
      const text = String(data.get(name)).trim();
      if (text) pricing[name] = text;
      else if (!required && existing?.pricing?.[name] !== undefined && existing?.pricing?.[name] !== null) pricing[name] = null;
    }
    if (Object.keys(pricing).length) body.pricing = pricing;
    if (existing) {
      await api.call('PATCH', path(existing), body);
      toast(`Model ${existing.id} saved.`);
    } else {
      body.id = String(data.get('id')).trim();
      body.provider = String(data.get('provider'));
      await api.call('POST', '/api/admin/models', body);
      toast(`Model ${body.id} added.`);
    }
    await done();
  });
}

export default {
  title: 'Models & pricing',
  permission: 'models:read',
  async render(main) {
    const reload = () => this.render(main);
    const writable = api.can('models:write');
    const [list, providers] = await Promise.all([api.listAll('/api/admin/models'),
      writable && api.can('providers:read') ? api.listAll('/api/admin/providers') : Promise.resolve([])]);
    const actions = (m) => {
      if (m.source === 'config') return badge('from the configuration file', 'neutral');
      if (!writable) return '—';
      return h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${m.provider}/${m.id}`, onclick: async () => {
          const shown = dialog(`Edit model ${m.id}`, modelForm(m, providers, async () => { document.querySelector('dialog')?.close(); await reload(); }));
          await shown;
        } }, 'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${m.provider}/${m.id}`, onclick: async () => {
          if (!(await confirmAction(`Delete model ${m.id}?`, 'Its requests are then priced by the built-in price book, or not at all.', 'Delete'))) return;
          try { await api.call('DELETE', path(m)); toast(`Model ${m.id} deleted.`); await reload(); } catch (error) { toast(error.message); }
        } }, 'Delete'));
    };
    const form = writable && providers.length ? [h('h2', {}, 'Add a model'), h('div', { class: 'panel' }, modelForm(null, providers, reload))]
      : writable ? h('p', { class: 'alert info' }, 'Add a provider first: a model belongs to one.') : readOnlyNote('models and prices');
    clear(main, pageHeader('Models & pricing',
      'The models each provider serves and what they cost. These prices override the built-in price book for usage and budgets.'),
    table('Models and their prices (USD per million tokens)', [
      { label: 'Model', value: (m) => h('strong', { class: 'mono' }, m.id) }, { label: 'Provider', value: (m) => m.provider },
      { label: 'Capabilities', value: (m) => (m.capabilities.length ? m.capabilities.join(', ') : '—') },
      { label: 'Context', value: (m) => count(m.contextWindow), num: true }, { label: 'Status', value: (m) => statusBadge(m.status) },
      ...PRICES.map(([name, label]) => ({ label, value: (m) => price(m.pricing?.[name]), num: true })),
      { label: 'Actions', value: actions },
    ], list, 'No model priced here yet: requests are priced by the built-in price book. Add a model to set your own prices.'),
    form);
  },
};
