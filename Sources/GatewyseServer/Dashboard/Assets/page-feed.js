// Live requests: the newest requests (GET /api/admin/requests), refreshed every two seconds
// while the page is open and visible. Usage is written in batches, so a request shows within
// the usage flush interval.

import * as api from './api.js';
import { h, clear, pageHeader, table, statusBadge, count, usd, ms, time } from './ui.js';

const INTERVAL = 2000;

export default {
  title: 'Live requests',
  permission: 'requests:read',
  async render(main) {
    const status = h('p', { class: 'hint', id: 'feed-status' });
    const list = h('div', { id: 'feed-list' });
    let stopped = false;
    const refresh = async () => {
      if (stopped || document.hidden) return;
      try {
        const page = await api.call('GET', '/api/admin/requests?limit=50');
        if (stopped) return;
        clear(list, table('Newest requests first', [
          { label: 'Time', value: (r) => time(r.time) }, { label: 'Model', value: (r) => r.model || '—' }, { label: 'Provider', value: (r) => r.provider || '—' },
          { label: 'Key', value: (r) => h('span', { class: 'mono' }, r.apiKeyId) },
          { label: 'Outcome', value: (r) => statusBadge(Number(r.status) < 400 ? 'ok' : 'failed') }, { label: 'HTTP', value: (r) => r.status, num: true },
          { label: 'Latency', value: (r) => ms(Number(r.latencyMs)), num: true },
          { label: 'Tokens in / out', value: (r) => `${count(r.inputTokens)} / ${count(r.outputTokens)}`, num: true },
          { label: 'Cost', value: (r) => usd(r.costUsd), num: true },
        ], page.data, 'No request yet. Send one from the Playground and it appears here within seconds.'));
        clear(status, `Refreshed every 2 seconds · last at ${new Date().toLocaleTimeString('en-GB')}`);
      } catch (error) {
        clear(status, `Could not refresh: ${error.message}`);
      }
    };
    clear(main, pageHeader('Live requests', 'What the gateway is answering now, newest first.'), status, list);
    await refresh();
    const timer = setInterval(refresh, INTERVAL);
    return () => { stopped = true; clearInterval(timer); };
  },
};
