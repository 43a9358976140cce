// Audit log: read-only, newest chain entries by sequence, with the hash chain's verification
// (GET /api/admin/audit/verify) above them.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit, pageHeader, table, badge, time } from './ui.js';

export default {
  title: 'Audit log',
  permission: 'audit:read',
  async render(main) {
    const verdict = h('div');
    const results = h('div');
    const form = h('form', { class: 'row', 'aria-label': 'Audit filters' },
      field('Action', input('action'), 'e.g. key.create'), field('Actor id', input('actorId')), field('Target type', input('targetType'), 'e.g. provider'),
      h('div', {}, h('button', { type: 'submit' }, 'Filter')));
    let cursor = null;
    let filters = new URLSearchParams();
    const load = async (more) => {
      const params = new URLSearchParams(filters);
      params.set('limit', '50');
      if (more && cursor) params.set('cursor', cursor);
      const page = await api.call('GET', `/api/admin/audit?${params}`);
      cursor = page.nextCursor;
      const rows = table('Audit entries, oldest first', [
        { label: 'No.', value: (e) => e.sequence, num: true }, { label: 'Time', value: (e) => time(e.time) }, { label: 'Action', value: (e) => e.action },
        { label: 'Actor', value: (e) => `${e.actorType} ${e.actorId}` }, { label: 'Target', value: (e) => `${e.targetType} ${e.targetId}` },
        { label: 'Summary', value: (e) => e.summary }, { label: 'Hash', value: (e) => h('span', { class: 'mono', title: e.hash }, `${e.hash.slice(0, 12)}…`) },
      ], page.data, 'No entry matches. Every change made through the admin API or this dashboard is recorded here.');
      clear(results, rows, cursor ? h('div', { class: 'pager' }, h('button', { type: 'button', class: 'secondary', onclick: () => load(true) }, 'Next page')) : null);
    };
    handleSubmit(form, async (data) => {
      filters = new URLSearchParams();
      for (const name of ['action', 'actorId', 'targetType']) { const value = String(data.get(name)).trim(); if (value) filters.set(name, value); }
      await load(false);
    });
    const check = await api.call('GET', '/api/admin/audit/verify');
    clear(verdict, check.valid
      ? h('p', { class: 'alert ok', id: 'audit-verdict' }, badge('verified', 'ok'), ` The hash chain "${check.chain}" is intact: ${check.checked} entries checked.`)
      : h('p', { class: 'alert error', id: 'audit-verdict', role: 'alert' }, badge('broken', 'bad'),
        ` The hash chain "${check.chain}" is broken at entry ${check.firstBrokenSequence}: entries were changed or removed outside the gateway.`));
    clear(main, pageHeader('Audit log', 'Every change to the gateway, who made it and when. Entries are hash-chained: none can be altered unnoticed.'),
      verdict, h('div', { class: 'panel' }, form), results);
    await load(false);
  },
};
