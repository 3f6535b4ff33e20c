// The pipeline graph (GET /api/v1/graph): a column per dependency level, a box per pipeline
// (linked to its page, with its state and counts from GET /api/v1/pipelines), the edges
// between pipelines drawn as SVG curves over the columns and listed in a table (the drawing
// is for the eye; the table is what a screen reader reads).

import { h, s } from '../dom.mjs';
import { configErrorText, dataTable, emptyRow, pipelineLink, pipelineState, plural, stateWord, td } from '../ui.mjs';

export const page = 'graph';
export const title = () => 'Graph';

const EDGE_COLUMNS = ['Upstream', 'Downstream', 'Edge'];

function edgeWord(e) {
  if (e.kind === 'depends_on') return `depends_on (${e.mode})`;
  return `lineage via ${e.table}${e.declared ? '' : ', undeclared'}`;
}

function node(p, status, tables) {
  const meta = p.config_error && !p.kind ? []
    : [p.layer ? p.layer + (p.layer_inferred ? ' (by name)' : '') : 'no layer', p.kind, p.granularity];
  const state = status ? pipelineState(status) : (p.config_error ? 'config_error' : null);
  const error = status?.config_error ? configErrorText(status.config_error) : p.config_error;
  return h('li', { class: 'node', 'data-pipeline': p.id },
    pipelineLink(p.id),
    meta.length ? h('span', { class: 'node-meta' }, meta.filter(Boolean).join(' · ')) : null,
    state ? h('span', { class: 'state', 'data-state': state, title: error || null }, stateWord(state)) : null,
    status ? h('span', { class: 'counts' },
      `backlog ${status.backlog ?? 0} · running ${status.running ?? 0} · failed ${status.failed ?? 0}`) : null,
    status?.waiting_on ? h('span', { class: 'waiting' }, status.waiting_on) : null,
    tables.length ? h('span', { class: 'node-tables' }, tables.join(' · ')) : null);
}

export function mount(main, params, ctx) {
  const count = h('p', { class: 'count', id: 'graph-count', 'aria-live': 'polite' });
  const edges = s('svg', { class: 'edges', 'aria-hidden': 'true', focusable: 'false' });
  const arrow = s('defs', null, s('marker', { id: 'graph-arrow', viewBox: '0 0 10 10', refX: '10', refY: '5',
    markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z' })));
  const levels = h('ol', { class: 'levels', 'aria-label': 'Pipelines by dependency level' });
  const dag = h('div', { id: 'graph', class: 'dag' }, edges, levels);
  const { wrap, tbody } = dataTable('graph-edges', EDGE_COLUMNS, 'Edges between pipelines');
  let graph = null;
  let statuses = new Map();

  // Curves from the right side of the upstream's box to the left side of the downstream's,
  // in the drawing's coordinates (it scrolls inside its wrapper, the boxes with it).
  function drawEdges() {
    const box = dag.getBoundingClientRect();
    edges.setAttribute('width', String(dag.scrollWidth));
    edges.setAttribute('height', String(dag.scrollHeight));
    const at = new Map();
    for (const el of levels.querySelectorAll('li.node')) at.set(el.dataset.pipeline, el.getBoundingClientRect());
    const between = (graph?.edges || []).filter((e) => e.kind === 'depends_on' || e.kind === 'lineage');
    // Edges between the same two boxes (depends_on and the lineage it declares) side by side.
    const pairs = new Map();
    for (const e of between) pairs.set(e.from + '\n' + e.to, (pairs.get(e.from + '\n' + e.to) || 0) + 1);
    const drawn = new Map();
    const paths = [];
    for (const e of between) {
      const a = at.get(e.from);
      const b = at.get(e.to);
      if (!a || !b) continue;
      const key = e.from + '\n' + e.to;
      const k = drawn.get(key) || 0;
      drawn.set(key, k + 1);
      const shift = (k - (pairs.get(key) - 1) / 2) * 8;
      const x1 = a.right - box.left;
      const y1 = a.top + a.height / 2 - box.top + shift;
      const x2 = b.left - box.left;
      const y2 = b.top + b.height / 2 - box.top + shift;
      const bend = Math.max(30, Math.abs(x2 - x1) / 2);
      paths.push(s('path', {
        class: 'edge', 'data-kind': e.kind, 'data-from': e.from, 'data-to': e.to,
        'data-declared': e.kind === 'lineage' ? String(e.declared) : null,
        d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`,
        'marker-end': 'url(#graph-arrow)',
      }, s('title', null, `${e.from} → ${e.to}: ${edgeWord(e)}`)));
    }
    edges.replaceChildren(arrow, ...paths);
  }

  function draw() {
    const g = graph || { pipelines: [], tables: [], edges: [] };
    const tableName = new Map(g.tables.map((t) => [t.id, t.name]));
    const tablesOf = new Map();
    for (const e of g.edges) {
      if (e.kind === 'writes') tablesOf.set(e.from, [...(tablesOf.get(e.from) || []), 'writes ' + (tableName.get(e.to) ?? e.to)]);
    }
    const byLevel = [];
    for (const p of g.pipelines) (byLevel[p.level] ||= []).push(p);
    levels.replaceChildren(...byLevel.map((list, level) => h('li', { class: 'level', 'data-level': level },
      h('h2', null, `Level ${level}`),
      h('ol', { class: 'nodes' }, (list || []).map((p) => node(p, statuses.get(p.id), tablesOf.get(p.id) || []))))));
    const between = g.edges.filter((e) => e.kind === 'depends_on' || e.kind === 'lineage');
    if (!between.length) emptyRow(tbody, EDGE_COLUMNS.length, 'No pipeline depends on another.');
    else {
      tbody.replaceChildren(...between.map((e) => h('tr', { 'data-from': e.from, 'data-to': e.to, 'data-kind': e.kind },
        td('from', pipelineLink(e.from)), td('to', pipelineLink(e.to)), td('edge', edgeWord(e)))));
    }
    count.textContent = `${plural(g.pipelines.length, 'pipeline')} in ${plural(byLevel.length, 'level')}, ` +
      `${plural(between.length, 'edge')} between them`;
    drawEdges();
  }

  const resized = new ResizeObserver(() => drawEdges());
  resized.observe(dag);

  main.append(
    h('h1', null, 'Graph'),
    h('p', { class: 'muted' }, 'Pipelines in the levels their depends_on makes: a level may run once the ones before it are done. ',
      'Solid lines: depends_on; dashed: a table one writes and another reads (red when depends_on does not declare it).'),
    count,
    h('div', { class: 'dag-wrap' }, dag),
    h('section', { class: 'panel' }, h('h2', null, 'Edges'), wrap));

  return {
    async refresh() {
      const [g, list] = await Promise.all([ctx.api('/api/v1/graph'), ctx.api('/api/v1/pipelines')]);
      graph = g;
      statuses = new Map((list.pipelines || []).map((p) => [p.pipeline, p]));
      ctx.noteZones(list.pipelines || []);
      draw();
    },
    redraw: draw,
    unmount() {
      resized.disconnect();
    },
  };
}
