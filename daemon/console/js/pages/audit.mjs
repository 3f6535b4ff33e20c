import { h, say } from '../dom.mjs';
import { query } from '../api.mjs';
import { dataTable, emptyRow, pipelineLink, td } from '../ui.mjs';
import { fmt } from '../time.mjs';

export const page = 'audit';
export const title = () => 'Audit log';

const COLUMNS = ['Id', 'At', 'Actor', 'Command', 'Pipeline', 'Arguments', 'Affected', 'Message', 'Client'];
const PAGE = 100;
const MAX = 1000;

export function mount(main, params, ctx) {
  main.append(h('h1', null, 'Audit log'));
  if (ctx.session?.role !== 'admin') {
    main.append(h('p', { class: 'notice' }, 'The audit log is shown to admins only.'));
    return { refresh: async () => {}, wants: () => false };
  }
  const pipeline = h('input', { id: 'audit-pipeline', name: 'pipeline', autocomplete: 'off' });
  const actor = h('input', { id: 'audit-actor', name: 'actor', autocomplete: 'off' });
  const form = h('form', { id: 'audit-filter', class: 'filters' },
    h('label', { for: 'audit-pipeline' }, 'Pipeline'), pipeline,
    h('label', { for: 'audit-actor' }, 'Actor'), actor,
    h('button', { type: 'submit' }, 'Filter'));
  const error = h('p', { id: 'audit-error', role: 'alert', class: 'error', hidden: true });
  const older = h('button', { type: 'button', id: 'audit-older', hidden: true }, 'Older');
  const { wrap, tbody } = dataTable('audit', COLUMNS, 'Audit log, newest first');
  let entries = [];
  let before = null;
  let filter = { pipeline: '', actor: '' };

  function draw() {
    if (!entries.length) {
      emptyRow(tbody, COLUMNS.length, 'No entries.');
    } else {
      const frag = document.createDocumentFragment();
      for (const e of entries) {
        const args = e.arguments && Object.keys(e.arguments).length ? JSON.stringify(e.arguments) : '';
        frag.append(h('tr', { 'data-entry': e.id },
          td('id', String(e.id)),
          td('at', fmt(e.at, e.pipeline_id ? ctx.zoneOf(e.pipeline_id) : 'UTC')),
          td('actor', e.actor),
          td('command', e.command),
          td('pipeline', e.pipeline_id ? pipelineLink(e.pipeline_id) : '—'),
          td('arguments', args ? h('code', null, args) : '—'),
          td('affected', e.affected == null ? '—' : String(e.affected)),
          td('message', e.message || ''),
          td('client', e.client || '—')));
      }
      tbody.replaceChildren(frag);
    }
    older.hidden = before == null;
  }

  async function fetchPage(limit, from) {
    const d = await ctx.api('/api/v1/audit-log' + query({ ...filter, limit, before: from }));
    return d;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    filter = { pipeline: pipeline.value.trim(), actor: actor.value.trim() };
    entries = [];
    await ctx.refresh();
  });

  older.addEventListener('click', async () => {
    older.disabled = true;
    try {
      const d = await fetchPage(PAGE, before);
      entries = entries.concat(d.entries || []);
      before = d.next_before;
      say(error, '');
      draw();
    } catch (e) {
      if (e.name !== 'AbortError') say(error, e.message);
    } finally {
      older.disabled = false;
    }
  });

  main.append(form, error, wrap, older);

  return {
    async refresh() {
      // The rows already paged in stay: the newest page and the older ones, fetched again.
      const limit = Math.min(MAX, Math.max(PAGE, entries.length));
      try {
        const [d] = await Promise.all([fetchPage(limit), ctx.loadZones().catch(() => {})]);
        entries = d.entries || [];
        before = d.next_before;
        say(error, '');
      } catch (e) {
        if (e.name === 'AbortError' || e.status === 401) throw e;
        entries = [];
        before = null;
        say(error, e.message);
      }
      draw();
    },
    redraw: draw,
  };
}
