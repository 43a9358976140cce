// Organizations and departments: the tenant's hierarchy (tenant → organization → department →
// user), which keys, users and budgets are bound to. The gateway refuses to delete one that still
// holds departments, users or active keys; the page shows that refusal as it comes.

import * as api from './api.js';
import { h, clear, field, input, select, handleSubmit, pageHeader, table, readOnlyNote, dialog, confirmAction, toast, count } from './ui.js';

/** A one-field dialog renaming (or, for a department, moving) an entry. */
function editForm(kind, entry, organizations, done) {
  const controls = [field('Name', input('name', { required: true, value: entry.name }))];
  if (kind === 'department') {
    controls.push(field('Organization', select('organizationId', organizations.map((o) => [o.id, o.name]), entry.organizationId)));
  }
  const form = h('form', { class: 'stack', 'aria-label': `Edit ${kind} ${entry.name}` }, controls,
    h('div', {}, h('button', { type: 'submit' }, 'Save changes')));
  return handleSubmit(form, async (data) => {
    const body = { name: String(data.get('name')).trim() };
    if (kind === 'department') body.organizationId = String(data.get('organizationId'));
    await api.call('PATCH', `/api/admin/${kind === 'department' ? 'departments' : 'organizations'}/${encodeURIComponent(entry.id)}`, body);
    toast(`${entry.name} saved.`);
    await done();
  });
}

function actionsFor(kind, writable, organizations, reload) {
  const collection = kind === 'department' ? 'departments' : 'organizations';
  return (entry) => {
    if (!writable) return '—';
    return h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit ${entry.name}`, onclick: async () => {
        await dialog(`Edit ${kind} ${entry.name}`, editForm(kind, entry, organizations, async () => { document.querySelector('dialog')?.close(); await reload(); }));
      } }, 'Edit'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${entry.name}`, onclick: async () => {
        if (!(await confirmAction(`Delete ${kind} ${entry.name}?`, 'This cannot be undone.', 'Delete'))) return;
        try { await api.call('DELETE', `/api/admin/${collection}/${encodeURIComponent(entry.id)}`); toast(`${entry.name} deleted.`); await reload(); }
        catch (error) { toast(error.message); }
      } }, 'Delete'));
  };
}

function createForm(label, controls, submit) {
  const form = h('form', { class: 'stack', 'aria-label': label }, h('div', { class: 'row' }, controls), h('div', {}, h('button', { type: 'submit' }, label)));
  return handleSubmit(form, async (data) => { await submit(data); form.reset(); });
}

export default {
  title: 'Organizations',
  permission: 'organizations:read',
  tenantScoped: true,
  async render(main) {
    const reload = () => this.render(main);
    const [organizations, departments] = await Promise.all([api.listAll('/api/admin/organizations'),
      api.can('departments:read') ? api.listAll('/api/admin/departments') : Promise.resolve(null)]);
    const names = new Map(organizations.map((o) => [o.id, o.name]));
    const writeOrganizations = api.can('organizations:write');
    const writeDepartments = api.can('departments:write');
    const idHint = 'Optional: lowercase letters, digits and -; generated when empty';
    const parts = [pageHeader('Organizations', 'How the tenant is divided: organizations hold departments, and keys, users and budgets can belong to either.'),
      table('Organizations', [
        { label: 'Name', value: (o) => h('strong', {}, o.name) }, { label: 'Id', value: (o) => h('span', { class: 'mono' }, o.id) },
        ...(departments ? [{ label: 'Departments', value: (o) => count(departments.filter((d) => d.organizationId === o.id).length), num: true }] : []),
        { label: 'Actions', value: actionsFor('organization', writeOrganizations, organizations, reload) },
      ], organizations, 'No organization yet.')];
    if (writeOrganizations) {
      parts.push(h('div', { class: 'panel' }, createForm('Add organization',
        [field('Organization name', input('name', { required: true })), field('Organization id', input('id', { pattern: '[a-z0-9-]{2,63}' }), idHint)],
        async (data) => {
          const body = { name: String(data.get('name')).trim() };
          if (String(data.get('id')).trim()) body.id = String(data.get('id')).trim();
          await api.call('POST', '/api/admin/organizations', body);
          toast(`Organization ${body.name} added.`);
          await reload();
        })));
    }
    if (departments) {
      parts.push(h('h2', {}, 'Departments'), table('Departments', [
        { label: 'Name', value: (d) => h('strong', {}, d.name) }, { label: 'Id', value: (d) => h('span', { class: 'mono' }, d.id) },
        { label: 'Organization', value: (d) => names.get(d.organizationId) ?? d.organizationId },
        { label: 'Actions', value: actionsFor('department', writeDepartments, organizations, reload) },
      ], departments, organizations.length ? 'No department yet.' : 'Departments belong to an organization: add one first.'));
      if (writeDepartments && organizations.length) {
        parts.push(h('div', { class: 'panel' }, createForm('Add department', [
          field('Department name', input('name', { required: true })),
          field('In organization', select('organizationId', organizations.map((o) => [o.id, o.name]), organizations[0].id)),
          field('Department id', input('id', { pattern: '[a-z0-9-]{2,63}' }), idHint)], async (data) => {
          const body = { name: String(data.get('name')).trim(), organizationId: String(data.get('organizationId')) };
          if (String(data.get('id')).trim()) body.id = String(data.get('id')).trim();
          await api.call('POST', '/api/admin/departments', body);
          toast(`Department ${body.name} added.`);
          await reload();
        })));
      }
    }
    if (!writeOrganizations && !writeDepartments) parts.push(readOnlyNote('organizations and departments'));
    clear(main, parts);
  },
};
