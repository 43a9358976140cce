// API keys: create (the secret is shown once, with a copy button), list, revoke. A user with
// only the ':own' permissions sees and manages its own keys.

import * as api from './api.js';
import { h, clear, field, input, checkboxes, checkedValues, handleSubmit, pageHeader, table, statusBadge, readOnlyNote, dialog, confirmAction, toast, time, numberOrNull } from './ui.js';

const CAPABILITIES = ['chat', 'completions', 'embeddings', 'images', 'audio', 'tts', 'rerank', 'usage:read', 'budget:read'];

async function showSecret(key) {
  const secret = h('code', { class: 'secret', id: 'new-key-secret' }, key.key);
  const copy = h('button', { type: 'button', onclick: async () => {
    try { await navigator.clipboard.writeText(key.key); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select the key and copy it'; }
  } }, 'Copy key');
  await dialog(`Key "${key.name}" created`, h('p', {}, 'Copy this key now: it is shown only once and cannot be shown again.'), secret,
    h('p', {}, copy), h('p', { class: 'hint' }, `Its prefix, ${key.prefix}, identifies it in lists.`));
}

function keyForm(done) {
  const form = h('form', { class: 'stack', 'aria-label': 'Create an API key' },
    h('div', { class: 'row' },
      field('Key name', input('name', { required: true }), 'Who or what uses it, e.g. "billing service"'),
      field('Requests per minute', input('requestsPerMinute', { type: 'number', min: 1, step: 1 }), 'Empty: no limit'),
      field('Expires on', input('expiresAt', { type: 'date' }), 'Empty: never')),
    checkboxes('Allowed capabilities', 'capabilities', CAPABILITIES, ['chat']),
    h('div', {}, h('button', { type: 'submit' }, 'Create key')));
  return handleSubmit(form, async (data) => {
    const body = { name: String(data.get('name')).trim(), scopes: { capabilities: checkedValues(form, 'capabilities') } };
    const rpm = numberOrNull(data.get('requestsPerMinute'));
    if (rpm !== null) body.rateLimits = { requestsPerMinute: rpm };
    const expires = String(data.get('expiresAt'));
    if (expires) body.expiresAt = `${expires}T23:59:59Z`;
    const key = await api.call('POST', '/api/admin/keys', body);
    form.reset();
    await showSecret(key);
    await done();
  });
}

export default {
  title: 'API keys',
  permission: 'keys:read',
  own: true,
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const list = await api.listAll('/api/admin/keys');
    const writable = api.can('keys:write', { own: true });
    const actions = (k) => {
      if (!writable || k.source === 'config' || k.status === 'revoked') return '—';
      return h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${k.name}`, onclick: async () => {
        if (!(await confirmAction(`Revoke key ${k.name}?`, 'Applications using it will be refused at once. This cannot be undone.', 'Revoke'))) return;
        await api.call('POST', `/api/admin/keys/${encodeURIComponent(k.id)}/revoke`);
        toast(`Key ${k.name} revoked.`);
        await reload();
      } }, 'Revoke');
    };
    clear(main, pageHeader('API keys', 'Keys your applications send to the gateway. A key is shown once, when it is created.'),
      table('API keys', [
        { label: 'Name', value: (k) => h('strong', {}, k.name) }, { label: 'Prefix', value: (k) => h('span', { class: 'mono' }, k.prefix) },
        { label: 'Capabilities', value: (k) => k.scopes.capabilities.join(', ') || '—' }, { label: 'Status', value: (k) => statusBadge(k.status) },
        { label: 'Created', value: (k) => time(k.createdAt) }, { label: 'Last used', value: (k) => time(k.lastUsedAt) },
        { label: 'Actions', value: actions },
      ], list, 'No key yet. Create one below, then use it as the API key of an OpenAI SDK pointed at this gateway.'),
      writable ? [h('h2', {}, 'Create a key'), h('div', { class: 'panel' }, keyForm(reload))] : readOnlyNote('API keys'));
  },
};
