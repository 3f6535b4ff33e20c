import { h, say } from '../dom.mjs';
import { query } from '../api.mjs';
import { act, configErrorText, feedback, pipelineState, stateWord } from '../ui.mjs';
import { duration, fmt, parseTime } from '../time.mjs';
import { windowGrid } from './grid.mjs';
import { chart } from './charts.mjs';
import { backfillForm } from './backfill-form.mjs';
import { catalogTools } from './definition-edit.mjs';
import { isCatalog, untilReloaded } from './catalog-wait.mjs';
import { historySection } from './history.mjs';

export const page = 'pipeline';
export const title = (params) => params.id;

const PAGE = 1000;
const FIRST = 2000;

function fact(label, value, attrs) {
  return [h('dt', null, label), h('dd', attrs || null, value)];
}

export function mount(main, params, ctx) {
  const id = params.id;
  const path = '/api/v1/pipelines/' + encodeURIComponent(id);
  let detail = null;
  let records = [];
  let cursor = null;

  const desc = h('p', { class: 'desc', id: 'description' });
  const facts = h('dl', { class: 'facts' });
  const pauseError = h('p', { id: 'pause-error', role: 'alert', class: 'error', hidden: true });
  const pause = ctx.can('pause') ? h('button', { type: 'button', 'data-action': 'pause', hidden: true }) : null;
  const fb = feedback();
  const grid = windowGrid({ ctx, pipeline: id, fb, more: older });
  const rowsChart = chart('chart-rows', 'Rows per window');
  const durChart = chart('chart-duration', 'Duration per window');
  const schedule = h('ul', { id: 'schedule', class: 'schedule' });
  const config = h('pre', { id: 'config', class: 'config', tabindex: '0' });
  const zone = () => ctx.zone(pipelineZone());
  const backfill = ctx.can('backfill-dry-run') ? backfillForm(ctx, id, zone) : null;
  const tools = catalogTools(ctx, id, { zone, onChange: changed });
  const history = historySection(ctx, id, { zone, canRollback: () => isCatalog(detail), onChange: changed });

  // A change made here: read again at once (the history), and once more when the daemon
  // has loaded a changed definition.
  async function changed(reloads) {
    const before = JSON.stringify(detail?.config ?? null);
    await ctx.refresh();
    if (reloads && await untilReloaded(ctx, id, before).catch(() => false)) await ctx.refresh();
  }

  function pipelineZone() {
    return detail?.timezone ?? detail?.config?.schedule?.timezone ?? 'UTC';
  }

  pause?.addEventListener('click', () => {
    const action = pause.dataset.action;
    say(pauseError, '');
    act(pause, { result() {}, error: (e) => say(pauseError, e.message) }, async () => {
      await ctx.api(`${path}/${action}`, { method: 'POST', body: {} });
      await ctx.refresh();
    });
  });

  async function fetchRecords(want, from) {
    const out = [];
    let next = from;
    do {
      const limit = Math.min(PAGE, want - out.length);
      const pg = await ctx.api('/api/v1/records' + query({ pipeline: id, order: 'newest', limit, cursor: next }));
      out.push(...(pg.records || []));
      next = pg.next_cursor;
    } while (next && out.length < want);
    return { out, next };
  }

  async function older() {
    if (!cursor) return;
    const { out, next } = await fetchRecords(PAGE, cursor);
    records = records.concat(out);
    cursor = next;
    drawWindows();
  }

  function drawHead() {
    const d = detail;
    const z = zone();
    say(desc, d.description || '');
    const state = pipelineState(d);
    facts.replaceChildren(
      ...fact('State', h('span', { class: 'state', 'data-state': state }, stateWord(state)), { id: 'pipeline-state' }),
      ...(d.config_error ? fact('Config error', configErrorText(d.config_error), { id: 'config-error', class: 'error' }) : []),
      ...(d.waiting_on ? fact('Waiting', d.waiting_on, { id: 'waiting-on', class: 'waiting' }) : []),
      ...fact('Time zone', `${pipelineZone()}${ctx.utc ? ' (times shown in UTC)' : ''}`),
      ...fact('Last success', fmt(d.last_success, z)),
      ...fact('Lateness', d.lateness_seconds == null ? '—' : duration(d.lateness_seconds)),
      ...fact('Next due', fmt(d.next_due, z)),
      ...fact('Backlog', String(d.backlog ?? 0)),
      ...fact('Running', String(d.running ?? 0)),
      ...fact('Failed', String(d.failed ?? 0)),
      ...fact('Succeeded', String(d.succeeded ?? 0)),
      ...fact('Tags', (d.tags || []).join(', ') || '—'));
    tools.update(d);
    if (pause) {
      pause.dataset.action = d.paused ? 'unpause' : 'pause';
      pause.textContent = d.paused ? 'Unpause' : 'Pause';
      pause.hidden = false;
    }
    const fires = (d.next_fires || []).map((t) => h('li', null, fmt(t, z)));
    const windows = (d.next_windows || []).map((w) => h('li', null,
      `${fmt(w.window_start, z)} → ${fmt(w.window_end, z)}`,
      w.target_day ? ` · day ${w.target_day}` : '', w.due ? ' · due' : ' · not due yet'));
    schedule.replaceChildren(
      h('li', null, h('h3', null, 'Next fires'), fires.length ? h('ul', null, fires) : h('p', null, 'None.')),
      h('li', null, h('h3', null, 'Next windows'), windows.length ? h('ul', null, windows) : h('p', null, 'None.')));
    const text = JSON.stringify(d.config ?? {}, null, 2);
    if (config.textContent !== text) config.textContent = text;
  }

  function drawWindows() {
    const z = zone();
    grid.draw(records, z, !!cursor);
    const points = records.map((r) => ({ t: parseTime(r.window_start), r }))
      .filter((p) => !Number.isNaN(p.t)).sort((a, b) => a.t - b.t);
    const at = (t) => fmt(t, z);
    const num = (v) => Math.round(v).toLocaleString('en-US');
    rowsChart.draw(points.map((p) => ({ t: p.t, v: p.r.target_count ?? p.r.source_count })), num, at);
    durChart.draw(points.map((p) => ({ t: p.t, v: p.r.duration_seconds })), duration, at);
  }

  function draw() {
    if (!detail) return;
    drawHead();
    drawWindows();
    backfill?.redraw();
    history.redraw();
  }

  const section = (heading, ...kids) => h('section', { class: 'panel' }, h('h2', null, heading), ...kids);
  main.append(...[
    h('h1', null, id), desc,
    h('div', { class: 'actions' }, pause, ...tools.buttons, pauseError),
    tools.feedback,
    facts,
    tools.panel,
    section('Windows', grid.el),
    section('Rows and duration', h('div', { class: 'charts' }, rowsChart.el, durChart.el)),
    section('Schedule', schedule),
    backfill ? section('Backfill', backfill.el) : null,
    section('Config', config),
    history.el,
  ].filter(Boolean));

  return {
    async refresh() {
      const want = Math.max(FIRST, Math.ceil(records.length / PAGE) * PAGE);
      const [d, r] = await Promise.all([ctx.api(path),
        fetchRecords(want, null).catch((error) => ({ error })), history.refresh()]);
      // A file with errors and no definition loaded: the records API refuses its id, and
      // the page shows the error instead of windows.
      if (r.error && d.state !== 'config_error') throw r.error;
      detail = d;
      records = r.error ? [] : r.out;
      cursor = r.error ? null : r.next;
      draw();
    },
    redraw: draw,
    wants: (c) => c.pipeline == null || c.pipeline === id,
  };
}
