// Boot, session, layout and the hash router. Pages are modules with
//   page, title(params), mount(main, params, ctx) -> { refresh(), redraw?(), unmount?(), wants?(change) }
// mount builds the page's fixed parts once; refresh() fetches and redraws only the data parts,
// so a live refresh keeps form inputs, the grid selection, focus and the scroll position.

import { api, setCsrf, whenUnauthorized } from './api.mjs';
import { h, clear, closeDialog, say } from './dom.mjs';
import { startLive, stopLive } from './live.mjs';
import { checkZone } from './time.mjs';

const PAGES = {
  pipelines: () => import('./pages/pipelines.mjs'),
  'pipeline-new': () => import('./pages/definition.mjs'),
  pipeline: () => import('./pages/pipeline.mjs'),
  graph: () => import('./pages/graph.mjs'),
  record: () => import('./pages/record.mjs'),
  backfills: () => import('./pages/backfills.mjs'),
  locks: () => import('./pages/locks.mjs'),
  audit: () => import('./pages/audit.mjs'),
  connections: () => import('./pages/connections.mjs'),
  'sign-in': () => import('./pages/signin.mjs'),
};

const ROUTES = [
  [/^\/pipelines\/?$/, 'pipelines'],
  [/^\/new-pipeline\/?$/, 'pipeline-new'],
  [/^\/pipelines\/([^/]+)\/?$/, 'pipeline'],
  [/^\/graph\/?$/, 'graph'],
  [/^\/records\/(\d+)\/?$/, 'record'],
  [/^\/backfills\/?$/, 'backfills'],
  [/^\/locks\/?$/, 'locks'],
  [/^\/audit\/?$/, 'audit'],
  [/^\/connections\/?$/, 'connections'],
  [/^\/sign-in\/?$/, 'sign-in'],
];

const NAV = [
  ['#/pipelines', 'Pipelines', ['pipelines', 'pipeline', 'pipeline-new', 'record']],
  ['#/graph', 'Graph', ['graph']],
  ['#/backfills', 'Backfills', ['backfills']],
  ['#/locks', 'Locks', ['locks']],
  ['#/audit', 'Audit log', ['audit'], 'admin'],
  ['#/connections', 'Connections', ['connections'], 'admin'],
];

const RANK = { viewer: 0, operator: 1, admin: 2 };
// Every other action is an operator's (pause, rerun, backfill-*, run-now, ...).
const ADMIN_ACTIONS = new Set(['test-connection', 'pipeline-create', 'pipeline-edit',
  'pipeline-delete', 'pipeline-rollback']);

const main = document.getElementById('main');
const header = document.getElementById('top');

const state = {
  session: null,
  utc: readUtc(),
  returnTo: null,
  expired: false,
  problem: null,
  route: null,
  page: null,
  controller: null,
  nav: 0,
  zones: new Map(),
  zonesLoading: null,
};

function readUtc() {
  try {
    return localStorage.getItem('sluice.utc') === '1';
  } catch {
    return false;
  }
}

function can(action) {
  const role = RANK[state.session?.role] ?? -1;
  if (action === 'sign-out') return role >= 0;
  return role >= (ADMIN_ACTIONS.has(action) ? RANK.admin : RANK.operator);
}

function renderHeader() {
  const s = state.session;
  const brand = h('a', { class: 'brand', href: '#/pipelines' }, 'sluice');
  if (!s) {
    header.replaceChildren(brand);
    return;
  }
  const links = NAV.filter((n) => !n[3] || s.role === n[3]).map(([href, label, pages]) =>
    h('li', null, h('a', { href, 'data-nav': pages.join(' ') }, label)));
  header.replaceChildren(
    brand,
    h('nav', { 'aria-label': 'Main' }, h('ul', null, links)),
    h('div', { class: 'tools' },
      h('span', { id: 'live', class: 'live', role: 'status' }),
      h('button', { type: 'button', id: 'time-zone-switch', onclick: toggleUtc }),
      h('span', { class: 'who' }, s.name, ' ', h('span', { class: 'role' }, s.role)),
      h('button', { type: 'button', 'data-action': 'sign-out', onclick: signOut }, 'Sign out')));
  showUtc();
  markNav();
}

function markNav() {
  for (const a of header.querySelectorAll('a[data-nav]')) {
    if (a.dataset.nav.split(' ').includes(state.route)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function showUtc() {
  const b = document.getElementById('time-zone-switch');
  if (!b) return;
  b.setAttribute('aria-pressed', String(state.utc));
  b.textContent = state.utc ? 'Times: UTC' : 'Times: Pipeline zone';
  b.title = 'Show times in UTC or in each pipeline’s own zone';
}

function toggleUtc() {
  state.utc = !state.utc;
  try {
    localStorage.setItem('sluice.utc', state.utc ? '1' : '0');
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  showUtc();
  const p = state.page;
  if (p) keepPlace(() => (p.redraw ? p.redraw() : p.refresh()));
}

// Pipelines' zones for the pages that list several pipelines' rows (locks, backfills, audit).
function noteZones(pipelines) {
  for (const p of pipelines) state.zones.set(p.pipeline, p.timezone);
}

function loadZones(signal) {
  if (state.zones.size) return Promise.resolve();
  if (!state.zonesLoading) {
    state.zonesLoading = api('/api/v1/pipelines', { signal })
      .then((d) => noteZones(d.pipelines || []))
      .finally(() => { state.zonesLoading = null; });
  }
  return state.zonesLoading;
}

function makeCtx(signal, nav) {
  return {
    get session() { return state.session; },
    get utc() { return state.utc; },
    signal,
    can,
    api: (path, opts = {}) => api(path, { signal, ...opts }),
    // The zone a time is shown in: UTC when the switch says so, else the pipeline's.
    zone: (pipelineZone) => (state.utc ? 'UTC' : checkZone(pipelineZone)),
    zoneOf: (pipeline) => (state.utc ? 'UTC' : checkZone(state.zones.get(pipeline))),
    loadZones: () => loadZones(signal),
    noteZones,
    go: (hash) => { location.hash = hash; },
    signIn,
    refresh: () => refreshPage(nav),
    get expired() { return state.expired; },
    get problem() { return state.problem; },
  };
}

function pageError(e) {
  const box = document.getElementById('page-error');
  if (!box || e?.name === 'AbortError' || e?.status === 401) return;
  say(box, e ? e.message || String(e) : '');
}

function focusKey() {
  const a = document.activeElement;
  if (!a || a === document.body || !main.contains(a)) return null;
  if (a.id) return '#' + CSS.escape(a.id);
  const holder = a.closest('[data-record],[data-pipeline],[data-backfill],[data-connection],[data-version]');
  if (!holder) return null;
  const key = ['record', 'pipeline', 'backfill', 'connection', 'version'].find((k) => holder.dataset[k]);
  let sel = `${holder.tagName}[data-${key}="${CSS.escape(holder.dataset[key])}"]`;
  if (holder !== a) sel += a.dataset.action ? ` [data-action="${a.dataset.action}"]` : ' ' + a.tagName;
  return sel;
}

// Whatever redraws the page: the reader stays where they were, focus included.
async function keepPlace(work) {
  const key = focusKey();
  const y = window.scrollY;
  try {
    await work();
    pageError(null);
  } catch (e) {
    pageError(e);
  }
  if (Math.abs(window.scrollY - y) > 1) window.scrollTo(0, y);
  const a = document.activeElement;
  if (key && (!a || a === document.body || !a.isConnected)) {
    main.querySelector(key)?.focus({ preventScroll: true });
  }
}

let refreshing = false;
let again = false;

async function refreshPage(nav = state.nav) {
  if (!state.page || nav !== state.nav) return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  await keepPlace(() => state.page.refresh());
  refreshing = false;
  if (again) {
    again = false;
    refreshPage();
  }
}

function wants(change) {
  const p = state.page;
  if (!p || state.route === 'sign-in') return false;
  return p.wants ? p.wants(change) : true;
}

async function show(name, params) {
  const nav = ++state.nav;
  const first = state.route === null;
  state.page?.unmount?.();
  state.page = null;
  state.controller?.abort();
  state.controller = new AbortController();
  closeDialog();
  state.route = name;
  markNav();
  main.setAttribute('aria-busy', 'true');
  main.removeAttribute('data-page');
  let mod;
  try {
    mod = await PAGES[name]();
  } catch (e) {
    mod = null;
    clear(main).append(h('div', { role: 'alert', class: 'error' }, 'The page could not be loaded: ' + e.message));
  }
  if (nav !== state.nav) return;
  if (mod) {
    document.title = mod.title(params) + ' — sluice';
    clear(main).append(h('div', { id: 'page-error', class: 'error', role: 'alert', hidden: true }));
    const page = mod.mount(main, params, makeCtx(state.controller.signal, nav));
    state.page = page;
    try {
      await page.refresh();
    } catch (e) {
      pageError(e);
    }
    if (nav !== state.nav) return;
  }
  main.setAttribute('data-page', name);
  main.setAttribute('aria-busy', 'false');
  if (!first) {
    window.scrollTo(0, 0);
    const h1 = main.querySelector('h1');
    if (h1 && name !== 'sign-in') {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  }
}

function route() {
  const hash = location.hash.replace(/^#/, '') || '/pipelines';
  const path = hash.split('?')[0];
  for (const [re, name] of ROUTES) {
    const m = re.exec(path);
    if (!m) continue;
    if (name !== 'sign-in' && !state.session) {
      state.returnTo = '#' + hash;
      location.replace('#/sign-in');
      return;
    }
    let id = m[1];
    try {
      id = id === undefined ? undefined : decodeURIComponent(id);
    } catch {
      // A malformed escape: the raw text names no pipeline, and the page says so.
    }
    show(name, { id });
    return;
  }
  location.replace('#/pipelines');
}

function signedIn(s) {
  state.session = s;
  state.expired = false;
  state.problem = null;
  setCsrf(s.csrf);
  renderHeader();
  startLive({ wants, refresh: () => refreshPage() });
}

async function signIn(token) {
  const s = await api('/api/v1/session', { method: 'POST', body: { token }, auth401: false });
  signedIn(s);
  const to = state.returnTo && !state.returnTo.startsWith('#/sign-in') ? state.returnTo : '#/pipelines';
  state.returnTo = null;
  location.hash = to;
}

function signedOut(expired) {
  if (!state.session) return;
  state.session = null;
  state.expired = expired;
  state.zones.clear();
  setCsrf(null);
  stopLive();
  closeDialog();
  renderHeader();
  if (location.hash.startsWith('#/sign-in')) route();
  else {
    if (expired) state.returnTo = location.hash || '#/pipelines';
    location.hash = '#/sign-in';
  }
}

async function signOut() {
  try {
    await api('/api/v1/session', { method: 'DELETE' });
  } catch (e) {
    if (e.status !== 401) {
      pageError(e);
      return;
    }
  }
  state.returnTo = null;
  signedOut(false);
}

async function boot() {
  whenUnauthorized(() => signedOut(true));
  try {
    signedIn(await api('/api/v1/session', { auth401: false }));
  } catch (e) {
    if (e.status !== 401) state.problem = e.message;
    renderHeader();
  }
  window.addEventListener('hashchange', route);
  route();
}

boot();
