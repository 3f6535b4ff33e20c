import { h } from '../dom.mjs';
import { dataTable, emptyRow, td } from '../ui.mjs';

export const page = 'connections';
export const title = () => 'Connections';

const COLUMNS = ['Connection', 'Kind', 'Config', 'Result', 'Actions'];

// Exactly `ok`, `failed: <kind>: <message>` or `untested`; the rest goes in the title.
function resultText(r) {
  if (!r) return 'untested';
  if (r.error) return 'failed: request: ' + r.error;
  if (r.state === 'failed') return `failed: ${r.error_kind || 'error'}: ${r.message}`;
  return r.state;
}

function resultTitle(r) {
  if (!r || r.error) return null;
  return [r.message, r.milliseconds != null ? r.milliseconds + ' ms' : ''].filter(Boolean).join(' · ');
}

export function mount(main, params, ctx) {
  main.append(h('h1', null, 'Connections'));
  if (ctx.session?.role !== 'admin') {
    main.append(h('p', { class: 'notice' }, 'Connections are shown to admins only.'));
    return { refresh: async () => {}, wants: () => false };
  }
  const { wrap, tbody } = dataTable('connections', COLUMNS, 'Named connections');
  // Test results outlive a refresh of the list: they are not data the server keeps.
  const results = new Map();
  let list = [];

  function resultCell(name) {
    const r = results.get(name);
    return h('td', { 'data-col': 'result', 'data-state': r ? (r.error ? 'failed' : r.state) : 'untested',
      role: 'status', title: resultTitle(r) }, resultText(r));
  }

  function testButton(c) {
    const btn = h('button', { type: 'button', 'data-action': 'test-connection' }, 'Test');
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      const row = btn.closest('tr');
      row.querySelector('[data-col=result]').textContent = 'testing…';
      try {
        results.set(c.connection, await ctx.api(
          `/api/v1/connections/${encodeURIComponent(c.connection)}/test`, { method: 'POST', body: {} }));
      } catch (e) {
        if (e.name === 'AbortError' || e.status === 401) return;
        results.set(c.connection, { error: e.message });
      } finally {
        btn.disabled = false;
      }
      row.querySelector('[data-col=result]').replaceWith(resultCell(c.connection));
    });
    return btn;
  }

  function draw() {
    if (!list.length) {
      emptyRow(tbody, COLUMNS.length, 'No connections are configured.');
      return;
    }
    const frag = document.createDocumentFragment();
    for (const c of list) {
      frag.append(h('tr', { 'data-connection': c.connection },
        td('connection', c.connection),
        td('kind', c.kind),
        td('config', h('code', null, JSON.stringify(c.config ?? {}))),
        resultCell(c.connection),
        td('actions', ctx.can('test-connection') ? testButton(c) : null)));
    }
    tbody.replaceChildren(frag);
  }

  main.append(wrap);

  return {
    async refresh() {
      const d = await ctx.api('/api/v1/connections');
      list = d.connections || [];
      draw();
    },
    redraw: draw,
    wants: () => false,
  };
}
