import { h, confirmDialog } from '../dom.mjs';
import { act, dataTable, emptyRow, feedback, pipelineLink, recordLink, td } from '../ui.mjs';
import { duration, fmt } from '../time.mjs';

export const page = 'locks';
export const title = () => 'Locks';

const COLUMNS = ['Record', 'Pipeline', 'Window start', 'Run', 'Held by', 'Lease age', 'Stale', 'Actions'];

export function mount(main, params, ctx) {
  const fb = feedback();
  const { wrap, tbody } = dataTable('locks', COLUMNS, 'Running windows and their locks');
  let locks = [];

  function release(l) {
    const btn = h('button', { type: 'button', 'data-action': 'release' }, 'Release');
    btn.addEventListener('click', async () => {
      const ok = await confirmDialog(`Release record ${l.id} of ${l.pipeline} from run ${l.dag_run_id} ` +
        `held by ${l.locked_by}? The run can no longer write to it; the window goes back to ` +
        'PENDING and is retried.', 'Release');
      if (!ok) return;
      await act(btn, fb, async () => {
        const r = await ctx.api(`/api/v1/records/${l.id}/release`, { method: 'POST', body: {} });
        ctx.refresh();
        return `Record ${r.id}: ${r.released} released.`;
      });
    });
    return btn;
  }

  function draw() {
    if (!locks.length) {
      emptyRow(tbody, COLUMNS.length, 'No window is running.');
      return;
    }
    const frag = document.createDocumentFragment();
    for (const l of locks) {
      const stale = l.stale ? 'stale' : 'fresh';
      frag.append(h('tr', { 'data-record': l.id, 'data-stale': String(!!l.stale) },
        td('record', recordLink(l.id)),
        td('pipeline', pipelineLink(l.pipeline)),
        td('window_start', fmt(l.window_start, ctx.zoneOf(l.pipeline))),
        td('run', l.dag_run_id || '—'),
        td('locked_by', l.locked_by || '—'),
        td('lease_age', duration(l.lease_age_seconds)),
        td('stale', h('span', { class: 'stale', 'data-stale': stale }, stale)),
        td('actions', ctx.can('release') ? release(l) : null)));
    }
    tbody.replaceChildren(frag);
  }

  main.append(h('h1', null, 'Locks'), fb.el, wrap);

  return {
    async refresh() {
      const [d] = await Promise.all([ctx.api('/api/v1/locks'), ctx.loadZones().catch(() => {})]);
      locks = d.locks || [];
      draw();
    },
    redraw: draw,
  };
}
