// The dashboard's shell: the hash router (#/providers …), the navigation filtered by the signed-in
// user's permissions, the session bar (who, tenant, sign out). Pages are modules exporting
// {title, permission, own, tenantScoped, render(main) → cleanup?}.

import * as api from './api.js';
import { h, clear, select, nextID } from './ui.js';
import signin, { report as reportSignInFailure } from './page-signin.js';
import overview from './page-overview.js';
import providers from './page-providers.js';
import routes from './page-routes.js';
import keys from './page-keys.js';
import budgets from './page-budgets.js';
import usage from './page-usage.js';
import audit from './page-audit.js';
import users from './page-users.js';
import playground from './page-playground.js';
import feed from './page-feed.js';
import models from './page-models.js';
import organizations from './page-organizations.js';
import roles from './page-roles.js';
import settings from './page-settings.js';
import account from './page-account.js';

/** The pages, in the navigation's order. */
const pages = { overview, providers, models, routes, keys, budgets, usage, audit, users, roles, organizations, settings, playground, feed, account };

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const bar = document.getElementById('session-bar');
let cleanup = null;
let tenants = null;
// Each navigation's number: a page that finishes loading after the user moved on is stopped.
let generation = 0;
let scheduled = false;

/** Routes once after the current event, however many changes asked for it. */
function schedule() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => { scheduled = false; route(); }, 0);
}

function allowed(page) {
  return !page.permission || api.can(page.permission, { own: !!page.own });
}

function current() {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return pages[name] ? name : null;
}

function renderNav(active) {
  const links = Object.entries(pages).filter(([, page]) => allowed(page)).map(([name, page]) =>
    h('li', {}, h('a', { href: `#/${name}`, 'aria-current': name === active ? 'page' : null }, page.title)));
  clear(nav, h('ul', {}, links));
  nav.hidden = false;
}

async function renderSessionBar() {
  const me = api.me();
  if (!me) { clear(bar); return; }
  const parts = [h('span', { class: 'who' }, `${me.user.name || me.user.email} · ${me.roles.join(', ')}`)];
  if (api.isSuperAdmin()) {
    if (tenants === null) {
      try { tenants = await api.listAll('/api/admin/tenants'); } catch { tenants = []; }
      if (api.tenant() === '' && tenants.length) api.setTenant(tenants[0].id);
    }
    const picker = select('tenant', [['', 'System (shared providers and routes)'], ...tenants.map((t) => [t.id, `${t.name} (${t.id})`])], api.tenant(),
      { id: nextID('tenant') });
    picker.addEventListener('change', () => api.setTenant(picker.value));
    parts.push(h('label', { for: picker.id }, 'Tenant'), picker);
  } else if (me.tenant) {
    parts.push(h('span', { class: 'who' }, `Tenant: ${me.tenant.name}`));
  }
  parts.push(h('button', { type: 'button', class: 'secondary', onclick: async () => { await api.signOut(); location.hash = '#/signin'; } }, 'Sign out'));
  clear(bar, parts);
}

async function route() {
  const mine = ++generation;
  if (cleanup) { cleanup(); cleanup = null; }
  document.querySelectorAll('dialog').forEach((box) => box.remove());
  if (!api.signedIn()) {
    nav.hidden = true;
    clear(bar);
    document.title = 'Sign in · Gatewyse';
    cleanup = signin.render(main) || null;
    return;
  }
  let name = current();
  if (!name || !allowed(pages[name])) {
    name = Object.keys(pages).find((key) => allowed(pages[key]));
    if (location.hash !== `#/${name}`) { location.hash = `#/${name}`; return; }
  }
  const page = pages[name];
  renderNav(name);
  document.title = `${page.title} · Gatewyse`;
  if (page.tenantScoped && api.isSuperAdmin() && api.tenant() === '') {
    clear(main, h('h1', {}, page.title),
      h('p', { class: 'alert info' }, `${page.title} belong to a tenant: choose one with the Tenant selector at the top of the page.`));
  } else {
    clear(main, h('p', { class: 'muted' }, 'Loading…'));
    // The page draws into a view of its own, shown once it has loaded and only if the user has
    // not moved on meanwhile (a slow page must not paint over the next one).
    const view = h('div', { class: 'view' });
    try {
      const stop = (await page.render(view)) || null;
      if (mine !== generation) { if (stop) stop(); return; }
      cleanup = stop;
    } catch (error) {
      if (mine !== generation) return;
      clear(view, h('h1', {}, page.title), h('div', { class: 'alert error', role: 'alert' }, error.message || String(error)));
    }
    clear(main, view);
  }
  main.focus();
}

let sessionWasOpen = false;
api.onSessionChange(async () => {
  const open = api.signedIn();
  if (!open) tenants = null;
  await renderSessionBar();
  if (open && !sessionWasOpen && current() === null) location.hash = '#/overview';
  sessionWasOpen = open;
  schedule();
});
window.addEventListener('hashchange', schedule);
// A single sign-on landing carries the session (or why it failed) in the fragment: take it
// before the router reads the fragment as a page name.
api.adoptLanding().then((problem) => {
  if (problem) reportSignInFailure(problem);
}).finally(schedule);
