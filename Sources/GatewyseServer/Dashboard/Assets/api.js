// The dashboard's only way to the gateway: /api/auth and /api/admin with a bearer token.
//
// Session tokens live in this module's memory only (docs/decisions/0021): no cookie, so no
// request is ever sent with credentials the page did not attach itself (nothing to forge across
// sites), and no storage that outlives the tab. A reload signs the user out; the refresh
// token renews the 15-minute access token while the page stays open.

const session = { access: null, refresh: null, expiresAt: 0, me: null, tenant: null };
const listeners = new Set();

/** An error answered by the gateway, in its envelope {error:{message,type,code,param}}. */
export class APIError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `The gateway answered ${status}.`);
    this.status = status;
    this.code = error.code || null;
    this.param = error.param || null;
  }
}

export function onSessionChange(listener) { listeners.add(listener); }
function changed() { for (const listener of listeners) listener(); }

export function me() { return session.me; }
export function signedIn() { return session.access !== null && session.me !== null; }
export function isSuperAdmin() { return !!session.me && session.me.roles.includes('super-admin'); }

/** The tenant a super-admin acts on (the X-Tenant-ID header); '' is the system scope. */
export function tenant() { return session.tenant ?? (session.me?.tenant?.id || ''); }
export function setTenant(id) { session.tenant = id; changed(); }

/** Whether the signed-in user holds a permission (or its ':own' variant when `own` is true). */
export function can(permission, { own = false } = {}) {
  const granted = session.me ? session.me.permissions : [];
  if (granted.includes(permission)) return true;
  return own && granted.includes(permission.replace(/:(read|write)$/, ':$1:own'));
}

async function readBody(response) {
  const type = response.headers.get('content-type') || '';
  if (response.status === 204) return null;
  if (type.includes('application/json')) return response.json();
  return response.text();
}

function adopt(body) {
  session.access = body.accessToken;
  session.refresh = body.refreshToken;
  session.expiresAt = Date.now() + body.expiresIn * 1000;
}

export async function signIn(email, password) {
  const response = await fetch('/api/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }),
    credentials: 'omit', cache: 'no-store',
  });
  const body = await readBody(response);
  if (!response.ok) throw new APIError(response.status, body);
  adopt(body);
  await loadMe();
}

/**
 * Single sign-on lands the browser here with the session in the fragment
 * (`#accessToken=…&refreshToken=…&expiresIn=…`, never sent to a server) or with
 * `#ssoError=CODE&message=…`. Takes either and wipes it from the address bar and the history at
 * once. Returns the failure ({code, message}) to show, or null.
 */
export async function adoptLanding() {
  const fragment = location.hash.replace(/^#/, '');
  if (!/^(accessToken|ssoError)=/.test(fragment)) return null;
  history.replaceState(null, '', location.pathname + location.search);
  const fields = new URLSearchParams(fragment);
  if (fields.has('ssoError')) {
    return { code: fields.get('ssoError'), message: fields.get('message') || 'Single sign-on failed.' };
  }
  adopt({ accessToken: fields.get('accessToken'), refreshToken: fields.get('refreshToken'), expiresIn: Number(fields.get('expiresIn')) || 900 });
  try {
    await loadMe();
  } catch (error) {
    session.access = session.refresh = session.me = null;
    return { code: error.code || 'SSO_FAILED', message: error.message };
  }
  return null;
}

async function loadMe() {
  session.me = await call('GET', '/api/auth/me');
  session.tenant = null;
  changed();
}

export async function signOut() {
  if (session.access) {
    try { await call('POST', '/api/auth/logout'); } catch { /* the token dies with the page anyway */ }
  }
  session.access = session.refresh = session.me = session.tenant = null;
  session.expiresAt = 0;
  changed();
}

async function renew() {
  const response = await fetch('/api/auth/refresh', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: session.refresh }),
    credentials: 'omit', cache: 'no-store',
  });
  const body = await readBody(response);
  if (!response.ok) {
    session.access = session.refresh = session.me = null;
    changed();
    throw new APIError(response.status, body);
  }
  adopt(body);
}

/**
 * One call to the gateway: `path` under /api, `body` sent as JSON. Answers the parsed JSON (or
 * text for CSV); throws APIError with the gateway's message and the field it names.
 */
export async function call(method, path, body, { accept = 'application/json', raw = false, signal } = {}) {
  if (session.refresh && Date.now() > session.expiresAt - 30_000) await renew();
  const send = () => {
    const headers = { Accept: accept };
    if (session.access) headers.Authorization = `Bearer ${session.access}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (isSuperAdmin() && session.tenant) headers['X-Tenant-ID'] = session.tenant;
    return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store', signal });
  };
  let response = await send();
  if (response.status === 401 && session.refresh) {
    await renew();
    response = await send();
  }
  if (raw && response.ok) return response;
  const answer = await readBody(response);
  if (!response.ok) throw new APIError(response.status, answer);
  return answer;
}

/** Every page of a list route (`data` + `nextCursor`), up to `max` items. */
export async function listAll(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await call('GET', `${path}${separator}limit=${Math.min(500, max)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}
