// Sign-in. Each way to sign in is one entry of `methods`, rendered in order: today the e-mail
// and password of POST /api/auth/login; single sign-on (issue 15, OIDC per tenant) adds an entry
// that renders its "Sign in with …" button, without touching the rest of the dashboard (the
// session starts the same way: api.js adopts the tokens the gateway answers).

import * as api from './api.js';
import { h, clear, field, input, handleSubmit } from './ui.js';

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

const methods = [passwordMethod];

export default {
  title: 'Sign in',
  render(main) {
    clear(main, h('div', { class: 'signin panel' },
      h('h1', {}, 'Sign in to Gatewyse'),
      h('p', { class: 'lead' }, 'Manage providers, routes, keys and budgets, and watch what the gateway is doing.'),
      methods.map((method) => method()),
      h('p', { class: 'hint' }, 'Your session lasts while this tab is open; reloading the page signs you out.')));
  },
};
