// Playground: one chat through the gateway with an API key the user pastes, exactly as an
// application would send it (POST /v1/chat/completions, streamed), with what came back:
// provider, latency, tokens. The key stays in this form; nothing stores it.

import * as api from './api.js';
import { h, clear, field, input, handleSubmit, pageHeader, ms, count, nextID } from './ui.js';

async function readStream(response, onText) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let usage = null;
  let firstByte = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (firstByte === null) firstByte = performance.now();
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message || 'The stream failed.');
        if (chunk.usage) usage = chunk.usage;
        const text = chunk.choices?.[0]?.delta?.content;
        if (text) onText(text);
      }
    }
  }
  return { usage, firstByte };
}

export default {
  title: 'Playground',
  async render(main) {
    const models = api.can('routes:read') ? await api.listAll('/api/admin/routes').catch(() => []) : [];
    const listID = nextID('models');
    const answer = h('div', { class: 'answer panel', id: 'playground-answer', 'aria-live': 'polite' }, h('span', { class: 'muted' }, 'The answer appears here.'));
    const facts = h('dl', { id: 'playground-facts', class: 'facts' });
    const form = h('form', { class: 'stack', 'aria-label': 'Send a chat request' },
      field('API key', input('key', { type: 'password', required: true, autocomplete: 'new-password' }), 'A key with the chat capability (create one on the API keys page)'),
      field('Model or route', input('model', { required: true, list: listID }), 'A route name, or provider/model'),
      h('datalist', { id: listID }, models.map((r) => h('option', { value: r.name }))),
      field('Message', h('textarea', { name: 'message', required: true }, 'Say hello in one sentence.')),
      h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'stream', checked: true }), ' Stream the answer')),
      h('div', {}, h('button', { type: 'submit' }, 'Send')));
    handleSubmit(form, async (data) => {
      clear(answer);
      clear(facts);
      const stream = data.get('stream') === 'on';
      const body = { model: String(data.get('model')).trim(), messages: [{ role: 'user', content: String(data.get('message')) }], stream };
      if (stream) body.stream_options = { include_usage: true };
      const started = performance.now();
      const response = await fetch('/v1/chat/completions', {
        method: 'POST', credentials: 'omit', cache: 'no-store',
        headers: { Authorization: `Bearer ${String(data.get('key')).trim()}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      if (!response.ok) {
        const failure = await response.json().catch(() => ({}));
        const error = new Error(failure.error?.message || `The gateway answered ${response.status}.`);
        throw error;
      }
      let usage;
      let firstByte = null;
      if (stream) {
        ({ usage, firstByte } = await readStream(response, (text) => answer.append(text)));
      } else {
        const completion = await response.json();
        answer.append(completion.choices?.[0]?.message?.content ?? '');
        usage = completion.usage;
      }
      const total = performance.now() - started;
      const rows = [['Provider', response.headers.get('x-provider') || '—'], ['Attempts', response.headers.get('x-gatewyse-attempts') || '1'],
        ['Latency', ms(total)], ['First byte', firstByte ? ms(firstByte - started) : '—'],
        ['Input tokens', count(usage?.prompt_tokens)], ['Output tokens', count(usage?.completion_tokens)],
        ['Request id', response.headers.get('x-request-id') || '—']];
      clear(facts, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
    });
    clear(main, pageHeader('Playground', 'Send a chat through the gateway as an application would, and see who answered. Its cost shows on the Live requests page.'),
      h('div', { class: 'panel' }, form), h('h2', {}, 'Answer'), answer, facts);
  },
};
