// One EventSource for the whole console. A change the current page cares about refreshes it
// (debounced: a backfill moves many records at once); a reconnect or a resync refreshes it too,
// since changes may have been missed meanwhile. No data is polled.

import { api } from './api.mjs';

const DEBOUNCE_MS = 200;
const RECHECK_MS = 5000;

let source = null;
let hooks = null;
let broken = false;
let timer = 0;
let recheck = 0;
let generation = 0;

function show(text) {
  const el = document.getElementById('live');
  if (el) {
    el.textContent = text;
    el.dataset.state = text === 'live' ? 'live' : 'reconnecting';
  }
}

// Coalesces rather than postpones: under a steady stream of changes the page still refreshes
// every DEBOUNCE_MS instead of waiting for a quiet moment that may not come.
function soon() {
  if (timer) return;
  timer = setTimeout(() => {
    timer = 0;
    hooks?.refresh();
  }, DEBOUNCE_MS);
}

// hooks: { wants(change) -> boolean, refresh() }
export function startLive(h) {
  hooks = h;
  if (source) return;
  source = new EventSource('/api/v1/events');
  show('reconnecting…');
  source.addEventListener('open', () => {
    show('live');
    if (broken) soon();
    broken = false;
  });
  source.addEventListener('change', (e) => {
    let change = {};
    try {
      change = JSON.parse(e.data) || {};
    } catch {
      // A change we cannot read still means something changed.
    }
    if (hooks?.wants(change)) soon();
  });
  source.addEventListener('resync', soon);
  source.addEventListener('error', () => {
    broken = true;
    show('reconnecting…');
    // EventSource gives up for good on an answer that is not a stream (a 401 among them):
    // ask whether the session still holds; the api wrapper starts the sign-in on a 401.
    if (source && source.readyState === EventSource.CLOSED) {
      stopLive(true);
      recover(generation);
    }
  });
}

// The session is asked at once (a 401 starts the sign-in); the stream is reopened a little
// later, so a server that keeps refusing it is not asked in a tight loop.
function recover(gen) {
  clearTimeout(recheck);
  api('/api/v1/session').then(() => {
    if (gen === generation) recheck = setTimeout(() => startLive(hooks), RECHECK_MS);
  }, (e) => {
    if (gen === generation && e.status !== 401) recheck = setTimeout(() => recover(gen), RECHECK_MS);
  });
}

export function stopLive(keepIndicator) {
  clearTimeout(timer);
  timer = 0;
  if (!keepIndicator) {
    clearTimeout(recheck);
    generation++;
  }
  if (source) source.close();
  source = null;
  // Reopened after a lost stream, the page refreshes; after a sign-out and in, it is new anyway.
  broken = !!keepIndicator;
  if (!keepIndicator) show('');
}
