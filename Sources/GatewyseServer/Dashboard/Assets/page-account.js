// The signed-in person's own account: who they are, their roles and permissions, and a password
// change (POST /api/auth/password: the policy is the gateway's; other sessions end, this one
// stays). Every signed-in user sees it, whatever their role.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit, pageHeader, toast, time } from './ui.js';

export default {
  title: 'Your account',
  render(main) {
    const me = api.me();
    const current = input('currentPassword', { type: 'password', autocomplete: 'current-password', required: true });
    const next = input('newPassword', { type: 'password', autocomplete: 'new-password', required: true, minlength: '12' });
    const again = input('repeatPassword', { type: 'password', autocomplete: 'new-password', required: true });
    const form = h('form', { class: 'stack', 'aria-label': 'Change your password' },
      field('Current password', current),
      h('div', { class: 'row' }, field('New password', next, 'At least 12 characters, with upper and lower case, a digit and a symbol'),
        field('New password again', again)),
      h('div', {}, h('button', { type: 'submit' }, 'Change password')));
    handleSubmit(form, async (data) => {
      if (data.get('newPassword') !== data.get('repeatPassword')) {
        throw Object.assign(new Error('The two new passwords differ.'), { param: 'repeatPassword' });
      }
      await api.call('POST', '/api/auth/password', { currentPassword: String(data.get('currentPassword')), newPassword: String(data.get('newPassword')) });
      form.reset();
      toast('Password changed. Your other sessions have been signed out.');
    });
    clear(main, pageHeader('Your account'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Name'), h('dd', {}, me.user.name || '—'), h('dt', {}, 'E-mail'), h('dd', {}, me.user.email),
        h('dt', {}, 'Tenant'), h('dd', {}, me.tenant ? `${me.tenant.name} (${me.tenant.id})` : 'System'),
        h('dt', {}, 'Roles'), h('dd', {}, me.roles.join(', ')),
        h('dt', {}, 'Last sign-in'), h('dd', {}, time(me.user.lastLoginAt))),
      h('details', {}, h('summary', {}, `What your roles allow (${me.permissions.length} permissions)`),
        h('p', { class: 'mono' }, me.permissions.join(', '))),
      h('h2', {}, 'Change your password'), h('div', { class: 'panel' }, form));
  },
};
