import { h } from '../dom.mjs';
import { configErrorText, dataTable, emptyRow, glyph, pipelineState, stateWord, td } from '../ui.mjs';
import { duration, fmt, parseTime, parts } from '../time.mjs';

export const page = 'pipelines';
export const title = () => 'Pipelines';

const COLUMNS = ['Pipeline', 'State', 'Last success', 'Lateness', 'Backlog', 'Running', 'Failed',
  'Next due', 'Tags', 'Recent windows'];
const STRIP = 24;

const FILTERS = {
  all: () => true,
  failing: (p) => p.failed > 0,
  late: (p) => p.lateness_seconds > 0,
  paused: (p) => p.paused,
  config_error: (p) => p.state === 'config_error',
  running: (p) => p.running > 0,
};

// A strip's 24 cells are made when its row comes near the screen: with hundreds of pipelines
// most strips are below the fold, and their 12,000 elements would cost more to lay out than
// the rest of the table.
const strips = new WeakMap();

function fillStrip(el) {
  const s = strips.get(el);
  if (!s) return;
  strips.delete(el);
  for (const r of s.recent) {
    const ms = parseTime(r.window_start);
    const when = Number.isNaN(ms) ? r.window_start : parts(ms, s.zone).text;
    el.append(h('span', { class: 'strip-cell', 'data-status': r.status, title: `${when}, ${r.status}` },
      glyph(r.status)));
  }
}

function strip(p, zone, near) {
  const recent = (p.recent || []).slice(0, STRIP).reverse();  // newest first in the answer
  const el = h('span', { class: 'strip', role: 'img',
    'aria-label': `last ${recent.length} windows, oldest first` });
  strips.set(el, { recent, zone });
  near.observe(el);
  return el;
}

function row(p, ctx, near) {
  const zone = ctx.zone(p.timezone);
  const link = h('a', { href: '#/pipelines/' + encodeURIComponent(p.pipeline) }, p.pipeline);
  const state = pipelineState(p);
  const tags = p.tags || [];
  return h('tr', { 'data-pipeline': p.pipeline },
    td('pipeline', link,
      p.description ? h('span', { class: 'desc' }, p.description) : null),
    td('state', h('span', { class: 'state', 'data-state': state,
      title: p.config_error ? configErrorText(p.config_error) : null }, stateWord(state))),
    td('last_success', fmt(p.last_success, zone)),
    td('lateness', p.lateness_seconds == null ? '—' : duration(p.lateness_seconds)),
    h('td', { 'data-col': 'backlog', class: 'num' }, String(p.backlog ?? 0)),
    h('td', { 'data-col': 'running', class: 'num' }, String(p.running ?? 0)),
    h('td', { 'data-col': 'failed', class: p.failed > 0 ? 'num bad' : 'num' }, String(p.failed ?? 0)),
    td('next_due', fmt(p.next_due, zone)),
    td('tags', tags.map((t) => h('span', { class: 'tag' }, t))),
    td('recent', strip(p, zone, near)));
}

export function mount(main, params, ctx) {
  const search = h('input', { id: 'search', type: 'search', autocomplete: 'off',
    placeholder: 'id, description or tag' });
  const filter = h('select', { id: 'filter-state' },
    h('option', { value: 'all' }, 'All'),
    h('option', { value: 'failing' }, 'Failing'),
    h('option', { value: 'late' }, 'Late'),
    h('option', { value: 'paused' }, 'Paused'),
    h('option', { value: 'config_error' }, 'Config errors'),
    h('option', { value: 'running' }, 'Running'));
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const { wrap, tbody } = dataTable('pipelines', COLUMNS, 'Pipelines');
  let rows = [];
  let data = null;

  function applyFilter() {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const keep = FILTERS[filter.value] || FILTERS.all;
    let shown = 0;
    for (const r of rows) {
      const hide = !keep(r.p) || !words.every((w) => r.text.includes(w));
      if (r.tr.hidden !== hide) r.tr.hidden = hide;
      if (!hide) shown++;
    }
    count.textContent = `${shown} of ${rows.length} pipelines`;
  }

  const near = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      near.unobserve(e.target);
      fillStrip(e.target);
    }
  }, { rootMargin: '600px 0px' });

  function draw() {
    const list = data || [];
    const frag = document.createDocumentFragment();
    near.disconnect();
    rows = list.map((p) => {
      const tr = row(p, ctx, near);
      frag.append(tr);
      const text = [p.pipeline, p.description || '', ...(p.tags || [])].join(' ').toLowerCase();
      return { p, tr, text };
    });
    if (!rows.length) emptyRow(tbody, COLUMNS.length, 'No pipelines are configured.');
    else tbody.replaceChildren(frag);
    applyFilter();
  }

  search.addEventListener('input', applyFilter);
  filter.addEventListener('change', applyFilter);

  main.append(
    h('h1', null, 'Pipelines'),
    ...(ctx.can('pipeline-create') ? [h('div', { class: 'actions' },
      h('a', { href: '#/new-pipeline', id: 'new-pipeline-link', class: 'button',
        'data-action': 'pipeline-create' }, 'New pipeline'))] : []),
    h('div', { class: 'filters' },
      h('label', { for: 'search' }, 'Search'), search,
      h('label', { for: 'filter-state' }, 'Show'), filter, count),
    wrap);

  return {
    async refresh() {
      const d = await ctx.api('/api/v1/pipelines?recent=' + STRIP);
      data = d.pipelines || [];
      ctx.noteZones(data);
      draw();
    },
    redraw: draw,
    unmount() {
      near.disconnect();
    },
  };
}
