// Sign-in. Each way to sign in is one entry of `methods`, rendered in order: the e-mail and
// password of POST /api/auth/login, and single sign-on through the tenant's own identity
// provider (decisions/0022): the browser leaves for /api/auth/sso/{tenant}/start and comes back
// with the session in the fragment, which api.adoptLanding takes.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit } from './ui.js';

// The organization last used for single sign-on: not a secret, and people sign in to the same
// one every day. (Tokens never leave page memory; decisions/0021.)
const SSO_TENANT = 'gatewyse.ssoTenant';
let problem = null;

/** Shows why the last single sign-on failed, on the next rendering of this page. */
export function report(failure) { problem = failure; }

function remembered() {
  try { return localStorage.getItem(SSO_TENANT) || ''; } catch { return ''; }
}

function passwordMethod() {
  const email = input('email', { type: 'email', autocomplete: 'email', required: true });
  const password = input('password', { type: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'stack', 'aria-label': 'Sign in with e-mail and password' },
    field('E-mail', email), field('Password', password), h('div', {}, h('button', { type: 'submit' }, 'Sign in')));
  handleSubmit(form, async (data) => {
    await api.signIn(String(data.get('email')).trim(), String(data.get('password')));
  });
  setTimeout(() => email.focus(), 0);
  return form;
}

function ssoMethod() {
  const tenant = input('tenant', { autocomplete: 'organization', required: true, value: remembered(),
    pattern: '[A-Za-z0-9][A-Za-z0-9._-]*', spellcheck: 'false' });
  const form = h('form', { class: 'stack', 'aria-label': 'Sign in with single sign-on' },
    h('h2', {}, 'Single sign-on'),
    field('Organization ID', tenant, 'Your company\'s tenant ID, as your administrator gave it.'),
    h('div', {}, h('button', { type: 'submit', class: 'secondary' }, 'Sign in with SSO')));
  handleSubmit(form, async (data) => {
    const id = String(data.get('tenant')).trim();
    try { localStorage.setItem(SSO_TENANT, id); } catch { /* private mode: nothing to remember */ }
    location.assign(`/api/auth/sso/${encodeURIComponent(id)}/start`);
  });
  return form;
}

const methods = [passwordMethod, ssoMethod];

export default {
  title: 'Sign in',
  render(main) {
    const failure = problem;
    problem = null;
    clear(main, h('div', { class: 'signin panel' },
      h('h1', {}, 'Sign in to Gatewyse'),
      h('p', { class: 'lead' }, 'Manage providers, routes, keys and budgets, and watch what the gateway is doing.'),
      failure ? h('div', { class: 'alert error', role: 'alert' }, `Single sign-on failed: ${failure.message}`) : null,
      methods.map((method) => method()),
      h('p', { class: 'hint' }, 'Your session lasts while this tab is open; reloading the page signs you out.')));
  },
};
