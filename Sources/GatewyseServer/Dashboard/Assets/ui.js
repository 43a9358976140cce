// Small DOM helpers: elements are built with text nodes only (never innerHTML from data), so
// nothing the gateway stores can become markup.

let uid = 0;
export function nextID(prefix = 'f') { uid += 1; return `${prefix}-${uid}`; }

/** h('tag', {attr: value, onclick: fn, class: '…'}, ...children) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'value') element.value = value;
    else if (name === 'checked' || name === 'selected' || name === 'disabled' || name === 'hidden' || name === 'required') element[name] = !!value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element, ...children) { element.replaceChildren(); append(element, children); return element; }

// ---- numbers and times, for people

const integer = new Intl.NumberFormat('en-US');
export function count(value) { return value === null || value === undefined ? '—' : integer.format(Number(value)); }
export function usd(value) {
  if (value === null || value === undefined) return '—';
  const n = Number(value);
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 6 : 2;
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: digits }).format(n);
}
export function ms(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}
export function percent(value) { return value === null || value === undefined ? '—' : `${Number(value).toFixed(1)} %`; }
export function time(text) {
  if (!text) return 'Never';
  const date = new Date(text);
  return date.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

// ---- page pieces

export function pageHeader(title, lead) {
  return [h('h1', {}, title), lead ? h('p', { class: 'lead' }, lead) : null];
}

/** A badge whose word carries the meaning (colour is never the only signal). */
export function badge(text, tone = 'neutral') { return h('span', { class: `badge ${tone}` }, text); }

export function statusBadge(status) {
  const tones = { active: 'ok', healthy: 'ok', ok: 'ok', enabled: 'ok', warning: 'warn', degraded: 'warn', expired: 'warn', inactive: 'neutral',
    unknown: 'neutral', disabled: 'neutral', exceeded: 'bad', revoked: 'bad', down: 'bad', suspended: 'bad', locked: 'bad', failed: 'bad' };
  return badge(status, tones[status] || 'neutral');
}

/**
 * A table: columns [{label, value(row) → node|text, num: bool}]; an empty list shows `empty`
 * (what to do next) instead.
 */
export function table(caption, columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map((column) => h('th', { scope: 'col', class: column.num ? 'num' : null }, column.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((column) => h('td', { class: column.num ? 'num' : null }, column.value(row))))))));
}

/** A labelled input: h('div.field', label, control, hint). */
export function field(label, control, hint) {
  const id = control.id || nextID();
  control.id = id;
  const hintID = hint ? `${id}-hint` : null;
  if (hintID) control.setAttribute('aria-describedby', hintID);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('span', { class: 'hint', id: hintID }, hint) : null);
}

export function input(name, attributes = {}) { return h('input', { name, type: 'text', ...attributes }); }

export function select(name, options, selected, attributes = {}) {
  return h('select', { name, ...attributes }, options.map((option) => {
    const [value, label] = Array.isArray(option) ? option : [option, option];
    return h('option', { value, selected: value === selected }, label);
  }));
}

export function checkboxes(legend, name, options, checked = []) {
  return h('fieldset', {}, h('legend', {}, legend), h('div', { class: 'checks' }, options.map((option) => {
    const id = nextID(name);
    return h('label', { for: id }, h('input', { type: 'checkbox', id, name, value: option, checked: checked.includes(option) }), option);
  })));
}

export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
}

/** An error box that says what went wrong and which field (role=alert: read out at once). */
export function errorBox(error) {
  const message = error && error.message ? error.message : String(error);
  return h('div', { class: 'alert error', role: 'alert' }, message, error && error.param ? h('span', { class: 'hint' }, ` (field: ${error.param})`) : null);
}

/** Runs `work` for a form's submit: disables the submit button, shows the error next to the form. */
export function handleSubmit(form, work) {
  const errors = h('div');
  form.append(errors);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    clear(errors);
    try {
      await work(new FormData(form));
    } catch (error) {
      clear(errors, errorBox(error));
      const named = error && error.param ? form.querySelector(`[name="${CSS.escape(error.param)}"]`) : null;
      if (named) named.focus();
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

export function toast(message) {
  const box = document.getElementById('toasts');
  const item = h('div', { class: 'toast' }, message);
  box.append(item);
  setTimeout(() => item.remove(), 5000);
}

/** A modal dialog (native <dialog>: focus trapped, Escape closes); resolves when closed. */
export function dialog(title, ...content) {
  const titleID = nextID('dialog');
  const close = h('button', { type: 'button', class: 'secondary' }, 'Close');
  const box = h('dialog', { 'aria-labelledby': titleID }, h('h2', { id: titleID }, title), ...content, h('div', { class: 'actions' }, close));
  document.body.append(box);
  return new Promise((resolve) => {
    close.addEventListener('click', () => box.close());
    box.addEventListener('close', () => { box.remove(); resolve(); });
    box.showModal();
  });
}

/** Asks before a change that cannot be undone. */
export function confirmAction(title, message, verb) {
  const titleID = nextID('confirm');
  const yes = h('button', { type: 'button', class: 'danger' }, verb);
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const box = h('dialog', { 'aria-labelledby': titleID }, h('h2', { id: titleID }, title), h('p', {}, message), h('div', { class: 'actions' }, yes, no));
  document.body.append(box);
  return new Promise((resolve) => {
    let answer = false;
    yes.addEventListener('click', () => { answer = true; box.close(); });
    no.addEventListener('click', () => box.close());
    box.addEventListener('close', () => { box.remove(); resolve(answer); });
    box.showModal();
    no.focus();
  });
}

/** A note shown instead of the controls a role may not use. */
export function readOnlyNote(what) {
  return h('p', { class: 'alert info' }, `Read-only: your role can see ${what} but not change them.`);
}

/** Optional number from a form field: '' → undefined. */
export function numberOrNull(value) {
  const text = String(value ?? '').trim();
  return text === '' ? null : Number(text);
}

/** A typed list: 'a, b,,c' → ['a', 'b', 'c'] (`separator` ' ' for scopes). */
export function splitList(text, separator = ',') {
  return String(text || '').split(separator).map((s) => s.trim()).filter(Boolean);
}
