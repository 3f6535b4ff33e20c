// The fetch wrapper every page uses: JSON both ways, the session cookie, the CSRF header on
// writes, and problem+json turned into an Error whose message is the server's `detail`.

let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) {
  csrf = token || null;
}

export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(problem?.detail || problem?.title || fallback);
    this.name = 'ApiError';
    this.status = status;
    this.detail = this.message;
    this.field = problem?.field || null;
    this.suggestion = problem?.suggestion || null;
    // A definition's refusal (422, 409): each error at its line and column.
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.etag = null;
  }
}

// opts: method, body (an object, sent as JSON), yaml (a text, sent as application/yaml
// instead), ifMatch (the version a change was made from), signal, auth401 (false: a 401 is
// only an error, as for the sign-in POST itself).
export async function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const headers = { Accept: 'application/json, application/problem+json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.yaml !== undefined) headers['Content-Type'] = 'application/yaml';
  if (opts.ifMatch !== undefined) headers['If-Match'] = `"${opts.ifMatch}"`;
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: opts.yaml ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      credentials: 'same-origin',
      cache: 'no-store',
      signal: opts.signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, null, 'The server cannot be reached (' + e.message + ').');
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) data = await res.json().catch(() => null);
  if (res.ok) return data;
  if (res.status === 401 && opts.auth401 !== false) onUnauthorized();
  const error = new ApiError(res.status, data, `${res.status} ${res.statusText || 'error'}`);
  error.etag = res.headers.get('ETag');
  throw error;
}

// A query string from an object, leaving out empty members.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const text = q.toString();
  return text ? '?' + text : '';
}

export const enc = encodeURIComponent;
