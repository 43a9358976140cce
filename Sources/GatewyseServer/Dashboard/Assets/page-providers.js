// Providers: the upstream accounts the gateway calls. Credentials are write-only: the API
// answers only whether one is set (`hasApiKey`), and the form never shows a stored key.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit, pageHeader, table, statusBadge, badge, readOnlyNote, dialog, confirmAction, toast, nextID, ms, splitList } from './ui.js';

const TYPES = ['openai', 'anthropic', 'gemini', 'cohere', 'azure', 'groq', 'deepseek', 'together', 'perplexity', 'fireworks', 'xai', 'cerebras',
  'sambanova', 'mistral', 'ai21', 'huggingface', 'vllm', 'lmstudio', 'localai', 'llamacpp', 'ollama', 'openai-compatible'];


/** The add/edit form; `existing` switches it to a PATCH of that provider. */
function providerForm(existing, done) {
  const listID = nextID('types');
  const controls = [];
  if (!existing) {
    controls.push(h('div', { class: 'row' },
      field('Provider id', input('id', { required: true, pattern: '[a-z0-9._-]{1,64}' }), 'Lowercase letters, digits, - _ . (used in routes)'),
      field('Type', input('type', { required: true, list: listID }), 'The API it speaks, e.g. openai or anthropic'),
      h('datalist', { id: listID }, TYPES.map((type) => h('option', { value: type })))));
  }
  controls.push(h('div', { class: 'row' },
    field('Display name', input('name', { value: existing?.name ?? '' })),
    field('Base URL', input('baseUrl', { type: 'url', value: existing?.baseUrl ?? '' }), 'Leave empty for the type\'s public address')));
  controls.push(field(existing?.hasApiKey ? 'Replace API key' : 'API key',
    input('apiKey', { type: 'password', autocomplete: 'new-password' }),
    existing ? (existing.hasApiKey ? 'A key is stored and never shown; leave empty to keep it.' : 'No key stored.') : 'Stored encrypted; never shown again.'));
  controls.push(field('Models', input('models', { value: (existing?.models ?? []).join(', ') }), 'Comma-separated model names this provider serves'));
  const checks = [h('label', {}, h('input', { type: 'checkbox', name: 'enabled', checked: existing ? existing.enabled : true }), ' Enabled')];
  if (api.isSuperAdmin()) {
    checks.push(h('label', {}, h('input', { type: 'checkbox', name: 'allowPrivateNetwork', checked: existing?.allowPrivateNetwork ?? false }),
      ' Allow a private or loopback address (operators only)'));
  }
  controls.push(h('div', { class: 'checks' }, checks));
  const form = h('form', { class: 'stack', 'aria-label': existing ? `Edit provider ${existing.id}` : 'Add a provider' }, controls,
    h('div', {}, h('button', { type: 'submit' }, existing ? 'Save changes' : 'Add provider')));
  return handleSubmit(form, async (data) => {
    const body = { name: String(data.get('name')).trim() || undefined, models: splitList(data.get('models')), enabled: data.get('enabled') === 'on' };
    const baseUrl = String(data.get('baseUrl')).trim();
    if (baseUrl) body.baseUrl = baseUrl;
    const apiKey = String(data.get('apiKey'));
    if (apiKey) body.apiKey = apiKey;
    if (api.isSuperAdmin()) body.allowPrivateNetwork = data.get('allowPrivateNetwork') === 'on';
    if (existing) {
      await api.call('PATCH', `/api/admin/providers/${encodeURIComponent(existing.id)}`, body);
      toast(`Provider ${existing.id} saved.`);
    } else {
      body.id = String(data.get('id')).trim();
      body.type = String(data.get('type')).trim();
      await api.call('POST', '/api/admin/providers', body);
      toast(`Provider ${body.id} added.`);
    }
    await done();
  });
}

export default {
  title: 'Providers',
  permission: 'providers:read',
  async render(main) {
    const reload = () => this.render(main);
    const [list, health] = await Promise.all([api.listAll('/api/admin/providers'), api.call('GET', '/api/admin/providers/health')]);
    const status = new Map(health.data.map((p) => [p.id, p]));
    const writable = api.can('providers:write');
    const actions = (p) => {
      if (p.source === 'config') return badge('from the configuration file', 'neutral');
      if (!writable) return '—';
      return h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${p.id}`, onclick: async () => {
          let closeDialog;
          const shown = dialog(`Edit provider ${p.id}`, providerForm(p, async () => { closeDialog(); await reload(); }));
          closeDialog = () => document.querySelector('dialog')?.close();
          await shown;
        } }, 'Edit'),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `${p.enabled ? 'Disable' : 'Enable'} ${p.id}`, onclick: async () => {
          await api.call('PATCH', `/api/admin/providers/${encodeURIComponent(p.id)}`, { enabled: !p.enabled });
          toast(`Provider ${p.id} ${p.enabled ? 'disabled' : 'enabled'}.`);
          await reload();
        } }, p.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Test ${p.id}`, onclick: async (event) => {
          event.currentTarget.disabled = true;
          try {
            const outcome = await api.call('POST', `/api/admin/providers/${encodeURIComponent(p.id)}/test`, {});
            toast(`${p.id}: ${outcome.ok ? 'reachable' : 'failed'} (HTTP ${outcome.status}, ${ms(outcome.latencyMs)}) ${outcome.message}`);
          } catch (error) { toast(`${p.id}: ${error.message}`); }
          event.currentTarget.disabled = false;
        } }, 'Test'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${p.id}`, onclick: async () => {
          if (!(await confirmAction(`Delete provider ${p.id}?`, 'Routes that use it must be changed first. This cannot be undone.', 'Delete'))) return;
          try { await api.call('DELETE', `/api/admin/providers/${encodeURIComponent(p.id)}`); toast(`Provider ${p.id} deleted.`); await reload(); }
          catch (error) { toast(error.message); }
        } }, 'Delete'));
    };
    clear(main, pageHeader('Providers', 'The AI providers the gateway can call. API keys are stored encrypted and never shown.'),
      table('Providers', [
        { label: 'Id', value: (p) => h('strong', {}, p.id) }, { label: 'Name', value: (p) => p.name }, { label: 'Type', value: (p) => p.type },
        { label: 'Base URL', value: (p) => h('span', { class: 'mono' }, p.baseUrl) },
        { label: 'API key', value: (p) => (p.hasApiKey ? badge('set', 'ok') : badge('none', 'neutral')) },
        { label: 'State', value: (p) => statusBadge(p.enabled ? 'enabled' : 'disabled') },
        { label: 'Health', value: (p) => statusBadge(status.get(p.id)?.status ?? 'unknown') },
        { label: 'Models', value: (p) => (p.models.length ? p.models.join(', ') : '—') },
        { label: 'Actions', value: actions },
      ], list, 'No provider yet. Add one below: pick its type, paste its API key, and name the models it serves.'),
      writable ? [h('h2', {}, 'Add a provider'), h('div', { class: 'panel' }, providerForm(null, reload))] : readOnlyNote('providers'));
  },
};
