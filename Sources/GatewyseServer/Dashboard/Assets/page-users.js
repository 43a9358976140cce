// Users of the tenant and their roles. The gateway refuses to grant a role with a permission
// the signed-in user lacks; the form offers every role and shows that refusal as it comes.

import * as api from './api.js';
import { h, clear, field, input, checkboxes, checkedValues, handleSubmit, pageHeader, table, statusBadge, readOnlyNote, dialog, toast, time } from './ui.js';

export default {
  title: 'Users',
  permission: 'users:read',
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const [list, roles] = await Promise.all([api.listAll('/api/admin/users'),
      api.can('roles:read') ? api.listAll('/api/admin/roles') : Promise.resolve([])]);
    const writable = api.can('users:write');
    const slugs = roles.length ? roles.map((r) => r.slug).filter((slug) => slug !== 'super-admin') : ['user', 'auditor', 'tenant-admin'];
    const actions = (u) => (!writable || u.id === api.me().user.id ? '—' : h('button', {
      type: 'button', class: 'secondary', 'aria-label': `${u.status === 'active' ? 'Suspend' : 'Activate'} ${u.email}`,
      onclick: async () => {
        await api.call('PATCH', `/api/admin/users/${encodeURIComponent(u.id)}`, { status: u.status === 'active' ? 'suspended' : 'active' });
        toast(`${u.email} ${u.status === 'active' ? 'suspended' : 'activated'}.`);
        await reload();
      },
    }, u.status === 'active' ? 'Suspend' : 'Activate'));
    let form = null;
    if (writable) {
      form = h('form', { class: 'stack', 'aria-label': 'Add a user' },
        h('div', { class: 'row' }, field('E-mail', input('email', { type: 'email', required: true })), field('Name', input('name')),
          field('Initial password', input('password', { type: 'password', autocomplete: 'new-password' }), 'Empty: one is generated and shown once')),
        checkboxes('Roles', 'roles', slugs, ['user']),
        h('div', {}, h('button', { type: 'submit' }, 'Add user')));
      handleSubmit(form, async (data) => {
        const body = { email: String(data.get('email')).trim(), roles: checkedValues(form, 'roles') };
        if (String(data.get('name')).trim()) body.name = String(data.get('name')).trim();
        if (String(data.get('password'))) body.password = String(data.get('password'));
        const user = await api.call('POST', '/api/admin/users', body);
        if (user.password) {
          await dialog(`User ${user.email} added`, h('p', {}, 'Their generated password, shown only this once:'), h('code', { class: 'secret' }, user.password));
        } else {
          toast(`User ${user.email} added.`);
        }
        await reload();
      });
    }
    clear(main, pageHeader('Users', 'People who sign in to this dashboard, and what their roles let them do.'),
      table('Users', [
        { label: 'Name', value: (u) => u.name }, { label: 'E-mail', value: (u) => u.email }, { label: 'Roles', value: (u) => u.roles.join(', ') },
        { label: 'Status', value: (u) => statusBadge(u.status) }, { label: 'Last sign-in', value: (u) => time(u.lastLoginAt) },
        { label: 'Actions', value: actions },
      ], list, 'No user in this tenant yet.'),
      roles.length ? h('p', { class: 'muted' }, 'What each role allows, and roles of your own: ', h('a', { href: '#/roles' }, 'Roles'), '.') : null,
      writable ? [h('h2', {}, 'Add a user'), h('div', { class: 'panel' }, form)] : readOnlyNote('users'));
  },
};
