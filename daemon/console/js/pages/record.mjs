import { h, say, confirmDialog, tableWrap } from '../dom.mjs';
import { act, badge, feedback, pipelineLink } from '../ui.mjs';
import { duration, fmt, parseTime } from '../time.mjs';

export const page = 'record';
export const title = (params) => 'Record ' + params.id;

const TASKS = [
  ['source_to_stage', 'Source to stage', 'source_to_stage_ingestion'],
  ['stage_to_target', 'Stage to target', 'stage_to_target_ingestion'],
  ['audit', 'Audit', 'audit'],
  ['pipeline', 'Whole pipeline', 'pipeline'],
];
const TIME_KEY = /(_time|_at)$/;

function value(key, v, zone) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, '—');
  if (typeof v === 'object') return h('code', null, JSON.stringify(v));
  if (typeof v === 'string' && TIME_KEY.test(key)) return fmt(v, zone);
  return String(v);
}

function timeline(r) {
  const tasks = TASKS.map(([key, name, prefix]) => {
    const start = parseTime(r[prefix + '_start_time']);
    let end = parseTime(r[prefix + '_end_time']);
    const status = key === 'pipeline' ? r.pipeline_status : r[prefix + '_status'];
    const running = Number.isNaN(end) && !Number.isNaN(start) && status === 'IN_PROGRESS';
    if (running) end = Date.now();
    return { key, name, start, end, status, running };
  });
  const ran = tasks.filter((t) => !Number.isNaN(t.start) && !Number.isNaN(t.end));
  const base = Math.min(...ran.map((t) => t.start));
  const span = Math.max(...ran.map((t) => t.end)) - base || 1;
  return tasks.map((t) => {
    const done = !Number.isNaN(t.start) && !Number.isNaN(t.end);
    const secs = done ? (t.end - t.start) / 1000 : null;
    const bar = h('div', { class: 'bar', 'data-status': t.status || '' });
    if (done) {
      bar.style.marginLeft = ((t.start - base) / span) * 100 + '%';
      bar.style.width = Math.max(0.5, ((t.end - t.start) / span) * 100) + '%';
    } else bar.hidden = true;
    const text = done ? duration(secs) + (t.running ? ' so far' : '') : 'not run';
    return h('div', { class: 'task', 'data-task': t.key },
      h('span', { class: 'task-name' }, t.name),
      h('div', { class: 'track' }, bar),
      h('span', { class: 'task-dur' }, text, t.status ? ` · ${t.status}` : ''));
  });
}

function eventItem(e, zone) {
  const bits = [e.task, e.outcome].filter(Boolean).join(' ');
  const moved = e.from_status || e.to_status ? ` ${e.from_status || '—'} → ${e.to_status || '—'}` : '';
  const more = [];
  if (e.rows != null) more.push(`${e.rows} rows`);
  if (e.started_at && e.ended_at) {
    const s = (parseTime(e.ended_at) - parseTime(e.started_at)) / 1000;
    if (Number.isFinite(s)) more.push(duration(s));
  }
  if (e.host) more.push('on ' + e.host);
  if (e.dag_run_id) more.push('run ' + e.dag_run_id);
  return h('li', { 'data-outcome': e.outcome || '' },
    h('time', { datetime: e.created_at || '' }, fmt(e.created_at || e.started_at, zone)), ' ',
    h('strong', null, bits), moved, more.length ? ' · ' + more.join(' · ') : '',
    e.message ? h('span', { class: 'message' }, e.message) : null);
}

// A window's data checks (window_checks), one row each, newest run last.
function checkRows(checks, zone) {
  if (!checks.length) return [h('tr', null, h('td', { colspan: 7, class: 'muted empty' }, 'No data checks.'))];
  return checks.map((c) => h('tr', { 'data-check': c.check_name, 'data-passed': String(c.passed) },
    h('td', null, fmt(c.checked_at, zone)), h('td', null, c.check_name), h('td', null, c.kind),
    h('td', null, c.severity), h('td', { class: c.passed ? 'passed' : 'failed' }, c.passed ? 'passed' : 'FAILED'),
    h('td', null, c.observed ?? '—'), h('td', null, c.message || '')));
}

export function mount(main, params, ctx) {
  const id = params.id;
  let rec = null;
  let gone = false;
  const head = h('p', { class: 'lead' });
  const status = h('span', { id: 'record-status', class: 'status' });
  const fb = feedback();
  const actions = h('div', { class: 'actions' });
  const error = h('pre', { id: 'record-error', class: 'error-text', hidden: true });
  const waiting = h('p', { id: 'record-waiting', class: 'waiting', hidden: true });
  const business = h('div', { id: 'business-fields' });
  const time = h('div', { id: 'timeline', class: 'timeline' });
  const events = h('ol', { id: 'events', class: 'events' });
  const table = h('table', { id: 'record', class: 'data fields', 'aria-label': 'Every column of the record' });
  const checks = h('table', { id: 'checks', class: 'data', 'aria-label': 'Data checks of the window' });

  const zone = () => ctx.zoneOf(rec?.pipeline_id);
  const when = () => fmt(rec.window_start_time, zone());

  const ACTIONS = {
    rerun: ['Rerun', () => `Rerun record ${id} of ${rec.pipeline_id} (window ${when()})? ` +
      'It goes back to PENDING and runs again.',
    async () => {
      const r = await ctx.api('/api/v1/records/rerun', { method: 'POST', body: { pipeline: rec.pipeline_id, id: [+id] } });
      return `Rerun: ${r.changed} changed, ${r.left_alone} left alone.`;
    }],
    clear: ['Clear', () => `Clear record ${id} of ${rec.pipeline_id} (window ${when()})? ` +
      'The record and its events are deleted; the window is created anew when it is next planned.',
    async () => {
      const r = await ctx.api('/api/v1/records/clear', { method: 'POST', body: { pipeline: rec.pipeline_id, id: [+id] } });
      if (r.changed > 0) gone = true;
      return `Clear: ${r.changed} deleted, ${r.left_alone} left alone.`;
    }],
    release: ['Release', () => `Release record ${id} from run ${rec.dag_run_id || '?'} held by ` +
      `${rec.locked_by || '?'}? The run can no longer write to it; the window goes back to PENDING and is retried.`,
    async () => {
      const r = await ctx.api(`/api/v1/records/${id}/release`, { method: 'POST', body: {} });
      return `Release: ${r.released} released.`;
    }],
  };

  function buttons() {
    const s = rec.pipeline_status;
    const which = [];
    if (['SUCCESS', 'SKIPPED', 'FAILED'].includes(s)) which.push('rerun');
    if (s !== 'IN_PROGRESS') which.push('clear');
    if (s === 'IN_PROGRESS') which.push('release');
    return which.filter((a) => ctx.can(a) && !gone).map((a) => {
      const [label, question, run] = ACTIONS[a];
      const b = h('button', { type: 'button', id: 'record-' + a, 'data-action': a }, label);
      b.addEventListener('click', async () => {
        if (!(await confirmDialog(question(), label))) return;
        if (await act(b, fb, run)) {
          if (gone) actions.replaceChildren();
          else ctx.refresh();
        }
      });
      return b;
    });
  }

  function draw() {
    if (!rec) return;
    const z = zone();
    head.replaceChildren('Pipeline ', pipelineLink(rec.pipeline_id), ' · window ',
      fmt(rec.window_start_time, z), ' → ', fmt(rec.window_end_time, z), ' · ');
    head.append(status);
    status.dataset.status = rec.pipeline_status;
    status.textContent = rec.pipeline_status;
    actions.replaceChildren(...buttons());
    say(error, rec.error_message || '');
    say(waiting, rec.waiting_on || '');
    const bf = rec.business_fields && typeof rec.business_fields === 'object' ? rec.business_fields : {};
    const keys = Object.keys(bf);
    business.replaceChildren(keys.length
      ? h('dl', { class: 'facts' }, keys.map((k) => [h('dt', null, k),
        h('dd', null, typeof bf[k] === 'string' ? bf[k] : JSON.stringify(bf[k]))]))
      : h('p', { class: 'muted' }, 'None.'));
    time.replaceChildren(...timeline(rec));
    const evs = rec.events || [];
    events.replaceChildren(...(evs.length ? evs.map((e) => eventItem(e, z)) : [h('li', { class: 'muted empty' }, 'No events.')]));
    checks.replaceChildren(
      h('thead', null, h('tr', null, ['Checked', 'Check', 'Kind', 'Severity', 'Result', 'Observed', 'Message']
        .map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, checkRows(rec.checks || [], z)));
    const body = h('tbody');
    for (const [k, v] of Object.entries(rec)) {
      if (k === 'events' || k === 'checks') continue;
      body.append(h('tr', { 'data-field': k }, h('th', { scope: 'row' }, k), h('td', null, value(k, v, z))));
    }
    table.replaceChildren(body);
  }

  const section = (heading, ...kids) => h('section', { class: 'panel' }, h('h2', null, heading), ...kids);
  main.append(
    h('h1', null, 'Record ' + id), head, waiting, actions, fb.el, error,
    section('Timeline', time),
    section('Events', events),
    section('Data checks', tableWrap(checks)),
    section('Business fields', business),
    section('Columns', tableWrap(table)));

  return {
    async refresh() {
      if (gone) return;
      rec = await ctx.api('/api/v1/records/' + encodeURIComponent(id));
      await ctx.loadZones().catch(() => {});
      draw();
    },
    redraw: draw,
    wants: (c) => (c.kind === 'record' && c.id != null && String(c.id) === String(id)) ||
      c.pipeline == null || c.pipeline === rec?.pipeline_id,
  };
}
