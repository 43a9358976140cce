// Live requests: the newest requests (GET /api/admin/requests), then each new one as it
// completes, pushed by the gateway (server-sent events from GET /api/admin/requests/live, read
// with fetch so the session's token goes in the Authorization header). A dropped stream is
// opened again after a pause; leaving the page closes it.

import * as api from './api.js';
import { h, clear, pageHeader, table, statusBadge, count, usd, ms, time } from './ui.js';

const SHOWN = 50;
const RETRY = 3000;

const columns = [
  { label: 'Time', value: (r) => time(r.time) }, { label: 'Model', value: (r) => r.model || '—' }, { label: 'Provider', value: (r) => r.provider || '—' },
  { label: 'Key', value: (r) => h('span', { class: 'mono' }, r.apiKeyId) },
  { label: 'Outcome', value: (r) => statusBadge(Number(r.status) < 400 ? 'ok' : 'failed') }, { label: 'HTTP', value: (r) => r.status, num: true },
  { label: 'Latency', value: (r) => ms(Number(r.latencyMs)), num: true },
  { label: 'Tokens in / out', value: (r) => `${count(r.inputTokens)} / ${count(r.outputTokens)}`, num: true },
  { label: 'Cost', value: (r) => usd(r.costUsd), num: true },
];

/** Reads server-sent events from a fetch response, calling `onEvent(name, data)`. */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}

export default {
  title: 'Live requests',
  permission: 'requests:read',
  async render(main) {
    const status = h('p', { class: 'hint', id: 'feed-status', role: 'status' });
    const list = h('div', { id: 'feed-list' });
    const abort = new AbortController();
    let rows = (await api.call('GET', `/api/admin/requests?limit=${SHOWN}`)).data;
    const draw = () => clear(list, table('Newest requests first', columns, rows,
      'No request yet. Send one from the Playground and it appears here as soon as it is answered.'));
    draw();

    const listen = async () => {
      while (!abort.signal.aborted) {
        try {
          const response = await api.call('GET', '/api/admin/requests/live', undefined, { accept: 'text/event-stream', raw: true, signal: abort.signal });
          clear(status, 'Live: new requests appear as they complete.');
          await readEvents(response, (name, data) => {
            if (name !== 'request') return;
            rows = [JSON.parse(data), ...rows].slice(0, SHOWN);
            draw();
          });
          if (abort.signal.aborted) return;
          clear(status, 'The live connection closed; reconnecting…');
        } catch (error) {
          if (abort.signal.aborted) return;
          clear(status, `Not live (${error.message}); trying again in a few seconds.`);
        }
        await new Promise((resolve) => { setTimeout(resolve, RETRY); });
      }
    };
    clear(main, pageHeader('Live requests', 'What the gateway is answering now, newest first.'), status, list);
    listen();
    return () => abort.abort();
  },
};
