// Settings of the tenant (admin-api.md §4 `settings`): its rate limits, routing default, the
// providers it may use, custom labels, and single sign-on through its own identity provider
// (decisions/0022). Each section saves with its own PATCH, so one never overwrites the other;
// the client secret is write-only (the gateway answers only `hasClientSecret`).

import * as api from './api.js';
import { h, clear, field, input, select, checkboxes, checkedValues, handleSubmit, pageHeader, readOnlyNote, toast, confirmAction, splitList } from './ui.js';

const STRATEGIES = ['priority', 'round-robin', 'weighted', 'least-latency', 'least-cost', 'free-tier-first', 'task-optimized', 'cost-optimized',
  'failover', 'random'];
const SSO_PROVIDERS = [['oidc', 'Any OpenID Connect provider'], ['okta', 'Okta'], ['microsoft', 'Microsoft Entra ID'], ['google', 'Google']];


function labelsText(labels) { return Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join('\n'); }

function parseLabels(text) {
  const labels = {};
  for (const line of String(text || '').split('\n').map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at <= 0) throw Object.assign(new Error(`"${line}" is not name=value.`), { param: 'customLabels' });
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return labels;
}

function section(title, form, lead) { return [h('h2', {}, title), lead ? h('p', { class: 'muted' }, lead) : null, h('div', { class: 'panel' }, form)]; }

function limitsForm(settings, providers, writable, reload) {
  const limit = (name, label) => field(label, input(name, { type: 'number', min: '0', step: '1', value: settings.rateLimits[name], disabled: !writable }),
    '0 = unlimited');
  const form = h('form', { class: 'stack', 'aria-label': 'Limits and routing' },
    h('div', { class: 'row' }, limit('maxRequestsPerMinute', 'Requests per minute'), limit('maxRequestsPerDay', 'Requests per day'),
      limit('maxTokensPerDay', 'Tokens per day')),
    field('Default routing strategy', select('defaultRoutingStrategy', [['', 'The gateway\'s default'], ...STRATEGIES], settings.defaultRoutingStrategy ?? '',
      { disabled: !writable }), 'For routes that do not choose one'),
    providers.length ? checkboxes('Providers this tenant may use (none checked: all)', 'allowedProviders', providers.map((p) => p.id), settings.allowedProviders)
      : null,
    field('Custom labels', h('textarea', { name: 'customLabels', rows: '3', disabled: !writable }, labelsText(settings.customLabels)),
      'One name=value per line; attached to this tenant\'s usage'),
    writable ? h('div', {}, h('button', { type: 'submit' }, 'Save settings')) : null);
  if (!writable) form.querySelectorAll('input').forEach((box) => { box.disabled = true; });
  return handleSubmit(form, async (data) => {
    const body = {
      rateLimits: Object.fromEntries(['maxRequestsPerMinute', 'maxRequestsPerDay', 'maxTokensPerDay'].map((n) => [n, Number(data.get(n) || 0)])),
      defaultRoutingStrategy: String(data.get('defaultRoutingStrategy')) || null,
      customLabels: parseLabels(data.get('customLabels')),
    };
    if (providers.length) body.allowedProviders = checkedValues(form, 'allowedProviders');
    await api.call('PATCH', '/api/admin/settings', body);
    toast('Settings saved.');
    await reload();
  });
}

function ssoForm(sso, roles, writable, reload) {
  const value = (name, fallback = '') => (sso ? sso[name] : fallback);
  const controls = [
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'enabled', checked: sso ? sso.enabled : true }), ' Single sign-on enabled')),
    h('div', { class: 'row' },
      field('Identity provider', select('provider', SSO_PROVIDERS, value('provider', 'oidc'))),
      field('Issuer URL', input('issuerUrl', { type: 'url', required: true, value: value('issuerUrl') }), 'e.g. https://acme.okta.com')),
    h('div', { class: 'row' },
      field('Client ID', input('clientId', { required: true, value: value('clientId') })),
      field(sso?.hasClientSecret ? 'Replace client secret' : 'Client secret', input('clientSecret', { type: 'password', autocomplete: 'new-password' }),
        sso?.hasClientSecret ? 'A secret is stored and never shown; leave empty to keep it.' : 'Stored encrypted; never shown again.')),
    h('div', { class: 'row' },
      field('Scopes', input('scopes', { value: (value('scopes', ['openid', 'email', 'profile']) || []).join(' ') }), 'Space-separated; must include openid'),
      field('Role of new users', select('defaultRole', roles, value('defaultRole', 'user')), 'Given to a person on their first sign-in')),
    field('Allowed e-mail domains', input('allowedDomains', { value: (value('allowedDomains', []) || []).join(', ') }),
      'Comma-separated; empty: any verified e-mail the provider vouches for'),
  ];
  if (api.isSuperAdmin()) {
    controls.push(h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'allowPrivateNetwork', checked: value('allowPrivateNetwork', false) }),
      ' The identity provider is on a private network (operators only)')));
  }
  if (sso) {
    controls.push(h('p', { class: 'hint' }, 'Register this redirect URI at the provider: ',
      h('code', {}, sso.callbackUrl || `${location.origin}/api/auth/sso/callback`), '. People sign in from this dashboard with the organization ID ',
      h('code', {}, api.tenant()), ', or at ', h('code', {}, `${location.origin}${sso.startUrl}`), '.'));
  }
  const buttons = h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save single sign-on'));
  if (sso) {
    buttons.append(h('button', { type: 'button', class: 'danger', onclick: async () => {
      if (!(await confirmAction('Remove single sign-on?', 'People of this tenant then sign in with a password only.', 'Remove'))) return;
      try {
        await api.call('PATCH', '/api/admin/settings', { sso: null });
        toast('Single sign-on removed.');
        await reload();
      } catch (error) { toast(error.message); }
    } }, 'Remove single sign-on'));
  }
  const form = h('form', { class: 'stack', 'aria-label': 'Single sign-on' }, controls, writable ? buttons : null);
  if (!writable) form.querySelectorAll('input, select').forEach((control) => { control.disabled = true; });
  return handleSubmit(form, async (data) => {
    const body = {
      enabled: data.get('enabled') === 'on', provider: String(data.get('provider')), issuerUrl: String(data.get('issuerUrl')).trim(),
      clientId: String(data.get('clientId')).trim(), scopes: splitList(data.get('scopes'), ' '), defaultRole: String(data.get('defaultRole')),
      allowedDomains: splitList(data.get('allowedDomains')),
    };
    if (String(data.get('clientSecret'))) body.clientSecret = String(data.get('clientSecret'));
    if (api.isSuperAdmin()) body.allowPrivateNetwork = data.get('allowPrivateNetwork') === 'on';
    await api.call('PATCH', '/api/admin/settings', { sso: body });
    toast('Single sign-on saved.');
    await reload();
  });
}

export default {
  title: 'Settings',
  permission: 'settings:read',
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const writable = api.can('settings:write');
    const [settings, providers, roles] = await Promise.all([api.call('GET', '/api/admin/settings'),
      api.can('providers:read') ? api.listAll('/api/admin/providers') : Promise.resolve([]),
      api.can('roles:read') ? api.listAll('/api/admin/roles') : Promise.resolve([])]);
    const roleChoices = roles.length ? roles.filter((r) => r.slug !== 'super-admin').map((r) => [r.slug, r.name || r.slug])
      : ['user', 'auditor', 'dept-admin', 'org-admin', 'tenant-admin'];
    clear(main, pageHeader('Settings', 'How this tenant is limited and routed, and how its people sign in.'),
      section('Limits and routing', limitsForm(settings, providers, writable, reload)),
      section('Single sign-on', ssoForm(settings.sso, roleChoices, writable, reload),
        settings.sso ? null : 'Let people sign in with your company\'s identity provider (OpenID Connect): register the gateway there, then fill this in.'),
      writable ? null : readOnlyNote('settings'));
  },
};
