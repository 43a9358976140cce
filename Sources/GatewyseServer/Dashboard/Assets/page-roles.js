// Roles: the six built-in roles (fixed) and the tenant's custom roles, each a set of permissions
// from the gateway's catalogue (GET /api/admin/permissions). The gateway refuses to grant what
// the signed-in user does not hold; the form offers the whole catalogue and shows that refusal.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit, pageHeader, table, badge, readOnlyNote, dialog, confirmAction, toast, nextID, checkedValues } from './ui.js';

/** The catalogue as checkboxes grouped by resource (`keys:read`, `keys:write` → "keys"). */
function permissionPicker(catalogue, checked) {
  const groups = new Map();
  for (const entry of catalogue) {
    const resource = entry.permission.split(':')[0];
    if (!groups.has(resource)) groups.set(resource, []);
    groups.get(resource).push(entry);
  }
  return h('fieldset', {}, h('legend', {}, 'Permissions'), h('div', { class: 'permission-groups' },
    [...groups.entries()].map(([resource, entries]) => h('div', { class: 'permission-group' }, h('strong', {}, resource),
      entries.map((entry) => {
        const id = nextID('perm');
        return h('label', { for: id, class: 'permission' },
          h('input', { type: 'checkbox', id, name: 'permissions', value: entry.permission, checked: checked.includes(entry.permission) }),
          h('span', { class: 'mono' }, entry.permission), ' ', h('span', { class: 'hint' }, entry.description));
      })))));
}

function roleForm(existing, catalogue, done) {
  const controls = [h('div', { class: 'row' },
    existing ? null : field('Slug', input('slug', { required: true, pattern: '[a-z0-9-]{2,63}' }), 'How users and keys name it: lowercase letters, digits and -'),
    field('Name', input('name', { value: existing?.name ?? '' }))),
  permissionPicker(catalogue, existing?.permissions ?? [])];
  const form = h('form', { class: 'stack', 'aria-label': existing ? `Edit role ${existing.slug}` : 'Create a role' }, controls,
    h('div', {}, h('button', { type: 'submit' }, existing ? 'Save role' : 'Create role')));
  return handleSubmit(form, async (data) => {
    const body = { permissions: checkedValues(form, 'permissions') };
    if (String(data.get('name')).trim()) body.name = String(data.get('name')).trim();
    if (existing) {
      await api.call('PATCH', `/api/admin/roles/${encodeURIComponent(existing.slug)}`, body);
      toast(`Role ${existing.slug} saved.`);
    } else {
      body.slug = String(data.get('slug')).trim();
      await api.call('POST', '/api/admin/roles', body);
      toast(`Role ${body.slug} created.`);
    }
    await done();
  });
}

export default {
  title: 'Roles',
  permission: 'roles:read',
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const [roles, catalogue] = await Promise.all([api.listAll('/api/admin/roles'), api.call('GET', '/api/admin/permissions')]);
    const writable = api.can('roles:write');
    const actions = (r) => {
      if (r.builtIn) return badge('built in', 'neutral');
      if (!writable) return '—';
      return h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit role ${r.slug}`, onclick: async () => {
          await dialog(`Edit role ${r.slug}`, roleForm(r, catalogue.data, async () => { document.querySelector('dialog')?.close(); await reload(); }));
        } }, 'Edit'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Delete role ${r.slug}`, onclick: async () => {
          if (!(await confirmAction(`Delete role ${r.slug}?`, 'Users who hold it must be given another role first.', 'Delete'))) return;
          try { await api.call('DELETE', `/api/admin/roles/${encodeURIComponent(r.slug)}`); toast(`Role ${r.slug} deleted.`); await reload(); }
          catch (error) { toast(error.message); }
        } }, 'Delete'));
    };
    clear(main, pageHeader('Roles', 'What each role lets its holders see and change. Built-in roles are fixed; create your own from the permission catalogue.'),
      table('Roles and their permissions', [
        { label: 'Role', value: (r) => h('strong', {}, r.name || r.slug) }, { label: 'Slug', value: (r) => h('span', { class: 'mono' }, r.slug) },
        { label: 'Permissions', value: (r) => r.permissions.join(', ') }, { label: 'Actions', value: actions },
      ], roles, 'No role.'),
      writable ? [h('h2', {}, 'Create a role'), h('div', { class: 'panel' }, roleForm(null, catalogue.data, reload))] : readOnlyNote('roles'));
  },
};
