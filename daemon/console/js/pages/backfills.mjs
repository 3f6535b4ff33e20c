import { h, confirmDialog } from '../dom.mjs';
import { act, badge, dataTable, emptyRow, feedback, pipelineLink, td } from '../ui.mjs';
import { duration, fmt, parseTime } from '../time.mjs';

export const page = 'backfills';
export const title = () => 'Backfills';

const COLUMNS = ['Request', 'Pipeline', 'Range', 'Reprocess', 'Status', 'Progress', 'ETA',
  'Requested', 'Actions'];
const OPEN = new Set(['PENDING', 'RUNNING']);
const DETAILED = 20;

// First sighting of each request's progress: the rate when the server gives no start time.
const seen = new Map();

function eta(b) {
  const total = b.windows_total;
  const done = b.windows_done ?? 0;
  if (b.status !== 'RUNNING' || total == null || done >= total) return '—';
  const now = Date.now();
  let since = parseTime(b.started_at ?? b.requested_at);
  let from = 0;
  if (Number.isNaN(since)) {
    let first = seen.get(b.id);
    if (!first) seen.set(b.id, (first = { t: now, done }));
    since = first.t;
    from = first.done;
  }
  const rate = (done - from) / ((now - since) / 1000);
  return rate > 0 && Number.isFinite(rate) ? '≈ ' + duration((total - done) / rate) : '—';
}

function progress(b, detail) {
  const total = b.windows_total;
  const done = b.windows_done ?? 0;
  const bar = h('progress', { max: total || 1, 'aria-label': `request ${b.id} progress` });
  if (total != null) bar.value = Math.min(done, total);
  const text = total == null ? `${done}/? (not planned yet)` : `${done}/${total}`;
  const p = detail?.progress;
  const counts = p ? ['success', 'skipped', 'failed', 'running', 'pending']
    .filter((k) => p[k]).map((k) => `${k} ${p[k]}`).join(' · ') : '';
  return [bar, ' ', h('span', { class: 'progress-text' }, text),
    counts ? h('span', { class: 'counts' }, counts) : null];
}

export function mount(main, params, ctx) {
  const fb = feedback();
  const openOnly = h('input', { type: 'checkbox', id: 'backfills-open' });
  const { wrap, tbody } = dataTable('backfills', COLUMNS, 'Backfill requests');
  let list = [];
  let details = new Map();

  function cancelButton(b) {
    const btn = h('button', { type: 'button', 'data-action': 'cancel-backfill' }, 'Cancel');
    btn.addEventListener('click', async () => {
      const ok = await confirmDialog(`Cancel backfill request ${b.id} of ${b.pipeline}? No more ` +
        'windows are planned; its queued windows that have not started are withdrawn (deleted); ' +
        'running ones finish with their run.', 'Cancel request');
      if (!ok) return;
      await act(btn, fb, async () => {
        const r = await ctx.api(`/api/v1/backfills/${b.id}/cancel`, { method: 'POST', body: {} });
        ctx.refresh();
        return `Cancelled request ${r.id} (was ${r.was}): ${r.withdrawn} withdrawn, ${r.left_running} left running.`;
      });
    });
    return btn;
  }

  function draw() {
    if (!list.length) {
      emptyRow(tbody, COLUMNS.length, openOnly.checked ? 'No open backfill requests.' : 'No backfill requests.');
      return;
    }
    const frag = document.createDocumentFragment();
    for (const b of list) {
      const z = ctx.zoneOf(b.pipeline);
      frag.append(h('tr', { 'data-backfill': b.id, 'data-status': b.status },
        td('id', String(b.id)),
        td('pipeline', pipelineLink(b.pipeline)),
        td('range', fmt(b.from, z), ' → ', fmt(b.to, z)),
        td('reprocess', b.reprocess),
        td('status', badge(b.status), b.message ? h('span', { class: 'message' }, b.message) : null),
        td('progress', progress(b, details.get(b.id))),
        td('eta', eta(b)),
        td('requested', b.requested_by || '—', b.requested_at ? h('span', { class: 'muted' }, ' · ', fmt(b.requested_at, z)) : null),
        td('actions', OPEN.has(b.status) && ctx.can('cancel-backfill') ? cancelButton(b) : null)));
    }
    tbody.replaceChildren(frag);
  }

  openOnly.addEventListener('change', () => ctx.refresh());

  main.append(
    h('h1', null, 'Backfills'),
    h('div', { class: 'filters' }, openOnly, h('label', { for: 'backfills-open' }, 'Open requests only')),
    fb.el, wrap);

  return {
    async refresh() {
      const q = openOnly.checked ? '?open=true&limit=200' : '?limit=200';
      const [d] = await Promise.all([ctx.api('/api/v1/backfills' + q), ctx.loadZones().catch(() => {})]);
      list = d.backfills || [];
      const open = list.filter((b) => OPEN.has(b.status)).slice(0, DETAILED);
      const got = await Promise.all(open.map((b) =>
        ctx.api('/api/v1/backfills/' + b.id).catch((e) => {
          if (e.name === 'AbortError') throw e;
          return null;
        })));
      details = new Map(got.filter(Boolean).map((x) => [x.id, x]));
      draw();
    },
    redraw: draw,
    wants: (c) => c.kind === 'backfill',
  };
}
