// The pipeline page's window grid: a row per local day of the display zone (newest day on
// top, oldest window left), a button per window, and the selection for a rerun.

import { h, confirmDialog } from '../dom.mjs';
import { act, glyph, plural } from '../ui.mjs';
import { duration, parseTime, parts } from '../time.mjs';

function label(r, p) {
  const n = (v) => (v == null ? '—' : String(v));
  let text = `${p.text} · ${r.status} · source ${n(r.source_count)} / target ${n(r.target_count)} rows`;
  if (r.duration_seconds != null) text += ' · ' + duration(r.duration_seconds);
  if (r.waiting_on) text += ' · ' + r.waiting_on;
  return text;
}

// Sorted here rather than trusted to arrive sorted: two rows for one day would be wrong.
function rows(records, zone) {
  const timed = [];
  for (const r of records) {
    const ms = parseTime(r.window_start);
    if (!Number.isNaN(ms)) timed.push({ r, ms });
  }
  timed.sort((a, b) => a.ms - b.ms);
  const days = new Map();
  for (const { r, ms } of timed) {
    const p = parts(ms, zone);
    let cells = days.get(p.day);
    if (!cells) days.set(p.day, (cells = h('div', { class: 'cells' })));
    const text = label(r, p);
    cells.append(h('button', { type: 'button', class: 'cell', 'data-record': r.id,
      'data-status': r.status, 'data-waiting': r.waiting_on ? '' : null, 'data-local': p.time,
      'data-offset': p.offset, title: text,
      'aria-label': text }, glyph(r.status)));
  }
  const frag = document.createDocumentFragment();
  for (const [day, cells] of [...days].reverse()) {
    frag.append(h('div', { class: 'grid-row', 'data-day': day, role: 'group', 'aria-label': day },
      h('span', { class: 'grid-day' }, day), cells));
  }
  return frag;
}

// opts: { ctx, pipeline, fb (feedback), more() (loads older windows) }
export function windowGrid({ ctx, pipeline, fb, more }) {
  const grid = h('div', { id: 'grid', class: 'grid' });
  const moreBtn = h('button', { type: 'button', id: 'grid-more', hidden: true }, 'Load older windows');
  const count = h('p', { class: 'count' });
  const selected = new Set();
  let selecting = false;

  const selectBtn = ctx.can('select-windows')
    ? h('button', { type: 'button', 'data-action': 'select-windows', 'aria-pressed': 'false' },
      'Select windows') : null;
  const rerunBtn = ctx.can('rerun-selected')
    ? h('button', { type: 'button', 'data-action': 'rerun-selected', hidden: true, disabled: true },
      'Rerun 0 selected') : null;

  function marks() {
    for (const c of grid.querySelectorAll('button.cell')) {
      const on = selected.has(+c.dataset.record);
      c.classList.toggle('selected', on);
      if (selecting) c.setAttribute('aria-pressed', String(on));
      else c.removeAttribute('aria-pressed');
    }
    if (rerunBtn) {
      rerunBtn.textContent = `Rerun ${selected.size} selected`;
      rerunBtn.disabled = selected.size === 0;
      rerunBtn.hidden = !selecting;
    }
  }

  grid.addEventListener('click', (e) => {
    const cell = e.target.closest('button.cell');
    if (!cell) return;
    const id = +cell.dataset.record;
    if (!selecting) {
      ctx.go('#/records/' + id);
      return;
    }
    if (selected.has(id)) selected.delete(id);
    else selected.add(id);
    cell.classList.toggle('selected', selected.has(id));
    cell.setAttribute('aria-pressed', String(selected.has(id)));
    marks();
  });

  selectBtn?.addEventListener('click', () => {
    selecting = !selecting;
    selectBtn.setAttribute('aria-pressed', String(selecting));
    if (!selecting) selected.clear();
    marks();
  });

  rerunBtn?.addEventListener('click', async () => {
    const ids = [...selected];
    const ok = await confirmDialog(`Rerun ${plural(ids.length, 'window')} of ${pipeline}? ` +
      'Finished windows go back to PENDING and run again; running and pending ones are left alone.',
    'Rerun');
    if (!ok) return;
    await act(rerunBtn, fb, async () => {
      const r = await ctx.api('/api/v1/records/rerun', { method: 'POST', body: { pipeline, id: ids } });
      selected.clear();
      marks();
      ctx.refresh();
      return `Rerun: ${r.changed} changed, ${r.left_alone} left alone.`;
    });
    marks();
  });

  moreBtn.addEventListener('click', async () => {
    moreBtn.disabled = true;
    try {
      await more();
    } catch (e) {
      fb.error(e);
    } finally {
      moreBtn.disabled = false;
    }
  });

  const tools = h('div', { class: 'toolbar' }, selectBtn, rerunBtn, fb.el);
  const legend = h('p', { class: 'legend' }, ['SUCCESS', 'FAILED', 'IN_PROGRESS', 'PENDING', 'SKIPPED']
    .map((s) => h('span', { class: 'legend-item' },
      h('span', { class: 'swatch', 'data-status': s, 'aria-hidden': 'true' }, glyph(s)), ' ', s)));

  return {
    el: h('div', null, tools, legend, count, grid, moreBtn),
    draw(records, zone, hasMore) {
      const ids = new Set(records.map((r) => r.id));
      for (const id of selected) if (!ids.has(id)) selected.delete(id);
      grid.replaceChildren(rows(records, zone));
      if (!records.length) grid.append(h('p', { class: 'empty' }, 'No windows yet.'));
      count.textContent = `${plural(records.length, 'window')} shown` +
        (hasMore ? ', older ones not loaded' : '');
      moreBtn.hidden = !hasMore;
      marks();
    },
  };
}
