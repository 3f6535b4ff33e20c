// The pipeline page's History: every stored version of its definition (the catalog's, and the
// texts of its file as the daemons loaded them), a line diff of any two, and for a catalog
// pipeline (admins) "Roll back to this version", which stores that version's exact text as
// the next version.

import { h, confirmDialog, say } from '../dom.mjs';
import { act, dataTable, emptyRow, plural, td } from '../ui.mjs';
import { fmt } from '../time.mjs';

// Past this many cells of the LCS table the diff is "all removed, all added" instead.
const MAX_CELLS = 4_000_000;
// Unchanged runs longer than this are folded to their first and last CONTEXT lines.
const CONTEXT = 3;

function lines(text) {
  const out = String(text ?? '').split('\n');
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

// [{op: ' ' | '-' | '+', text}]: the longest common subsequence of the lines kept, the rest
// removed (from a) or added (from b), each removal before the additions that replace it.
export function lineDiff(a, b) {
  const x = lines(a);
  const y = lines(b);
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head &&
         x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const out = x.slice(0, head).map((text) => ({ op: ' ', text }));
  const n = xs.length;
  const m = ys.length;
  if (n * m > MAX_CELLS) {
    out.push(...xs.map((text) => ({ op: '-', text })), ...ys.map((text) => ({ op: '+', text })));
  } else {
    // lcs[i][j]: the LCS length of xs[i..] and ys[j..], row-major in one array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = xs[i] === ys[j] ? lcs[(i + 1) * w + j + 1] + 1
          : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && xs[i] === ys[j]) {
        out.push({ op: ' ', text: xs[i++] });
        j++;
      } else if (j >= m || (i < n && lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
        out.push({ op: '-', text: xs[i++] });
      } else {
        out.push({ op: '+', text: ys[j++] });
      }
    }
  }
  out.push(...x.slice(x.length - tail).map((text) => ({ op: ' ', text })));
  return out;
}

const CLASS = { ' ': 'diff-same', '-': 'diff-del', '+': 'diff-add' };

function diffLines(diff) {
  const out = [];
  for (let k = 0; k < diff.length;) {
    let end = k;
    while (end < diff.length && diff[end].op === ' ') end++;
    const run = end - k;
    if (run > 2 * CONTEXT + 1) {
      const first = k === 0 ? k : k + CONTEXT;
      const last = end === diff.length ? end : end - CONTEXT;
      for (let i = k; i < first; i++) out.push(diff[i]);
      out.push({ op: '…', text: `… ${plural(last - first, 'unchanged line')}` });
      for (let i = last; i < end; i++) out.push(diff[i]);
      k = end;
      continue;
    }
    out.push(diff[k]);
    k++;
  }
  return out.map((d) => h('div', { class: 'diff-line ' + (CLASS[d.op] || 'diff-fold') },
    d.op === '…' ? d.text : `${d.op} ${d.text}`));
}

export function historySection(ctx, id, { zone, canRollback, onChange }) {
  const path = '/api/v1/pipelines/' + encodeURIComponent(id);
  const admin = ctx.can('pipeline-rollback');
  const columns = ['Version', 'Origin', 'By', 'When', 'Comment', 'Deleted', ...(admin ? ['Actions'] : [])];
  const { wrap, tbody } = dataTable('history', columns, 'Versions of the definition');
  const from = h('select', { id: 'diff-from' });
  const to = h('select', { id: 'diff-to' });
  const summary = h('p', { id: 'diff-summary', class: 'count', 'aria-live': 'polite' });
  const diffBox = h('div', { id: 'diff', class: 'diff', tabindex: '0', 'aria-label': 'Differences' });
  const ok = h('p', { id: 'history-result', role: 'status', class: 'result' });
  const err = h('p', { id: 'history-error', role: 'alert', class: 'error', hidden: true });
  const fb = {
    result(text) { ok.textContent = text || ''; say(err, ''); },
    error(e) { ok.textContent = ''; say(err, e ? e.message || String(e) : ''); },
  };
  const texts = new Map();  // version -> its YAML: a version never changes
  let versions = [];
  let chosen = false;
  let asked = 0;

  const el = h('section', { id: 'history-section', class: 'panel', hidden: true, 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'History'), wrap, h('div', { class: 'feedback' }, ok, err),
    h('h3', null, 'Differences'),
    h('div', { class: 'filters' }, h('label', { for: 'diff-from' }, 'From version'), from,
      h('label', { for: 'diff-to' }, 'to version'), to),
    summary, diffBox);

  async function text(n) {
    if (!texts.has(n)) texts.set(n, (await ctx.api(`${path}/versions/${n}`)).yaml);
    return texts.get(n);
  }

  async function showDiff() {
    const a = Number(from.value);
    const b = Number(to.value);
    if (!a || !b) return;
    const n = ++asked;
    if (a === b) {
      summary.textContent = versions.length > 1 ? 'The same version: choose two to compare.'
        : 'One version is stored: nothing to compare yet.';
      diffBox.replaceChildren();
      return;
    }
    try {
      const [ta, tb] = await Promise.all([text(a), text(b)]);
      if (n !== asked) return;
      const diff = lineDiff(ta, tb);
      const removed = diff.filter((d) => d.op === '-').length;
      const added = diff.filter((d) => d.op === '+').length;
      diffBox.dataset.from = String(a);
      diffBox.dataset.to = String(b);
      summary.textContent = removed + added === 0 ? `Versions ${a} and ${b} have the same text.`
        : `Version ${a} to ${b}: ${plural(removed, 'line')} removed, ${plural(added, 'line')} added.`;
      diffBox.replaceChildren(...(removed + added ? diffLines(diff) : []));
    } catch (e) {
      if (n === asked && e.name !== 'AbortError' && e.status !== 401) fb.error(e);
    }
  }

  function pick() {
    chosen = true;
    showDiff();
  }
  from.addEventListener('change', pick);
  to.addEventListener('change', pick);

  function rollback(v, button) {
    confirmDialog(`Roll ${id} back to version ${v.version}? Its exact text is stored as the next ` +
      'version, which the daemons load within a second or so.', 'Roll back').then((sure) => {
      if (!sure) return;
      act(button, fb, async () => {
        const r = await ctx.api(`${path}/rollback`, { method: 'POST', body: { to: v.version } });
        onChange(true);
        return `Rolled back: version ${r.version} holds the text of version ${v.version}.`;
      });
    });
  }

  function row(v, newest) {
    const z = zone();
    const back = admin && canRollback() && !v.deleted && !newest
      ? h('button', { type: 'button', 'data-action': 'rollback' }, 'Roll back to this version') : null;
    back?.addEventListener('click', () => rollback(v, back));
    return h('tr', { 'data-version': v.version, 'data-origin': v.origin, 'data-deleted': String(!!v.deleted) },
      h('td', { 'data-col': 'version', class: 'num' }, String(v.version)),
      td('origin', v.origin, v.file ? h('span', { class: 'message' }, v.file) : null),
      td('by', v.created_by || '—'),
      td('when', fmt(v.created_at, z)),
      td('comment', v.comment || '—'),
      td('deleted', v.deleted ? 'deleted' : '—'),
      admin ? td('actions', back) : null);
  }

  function options(select, value) {
    select.replaceChildren(...versions.map((v) => h('option', { value: String(v.version) },
      `${v.version} (${v.origin}${v.deleted ? ', deleted' : ''})`)));
    if (versions.some((v) => String(v.version) === value)) select.value = value;
  }

  function draw() {
    if (!versions.length) {
      emptyRow(tbody, columns.length, 'No version is stored.');
      return;
    }
    tbody.replaceChildren(...versions.map((v, i) => row(v, i === 0)));
    const newest = String(versions[0].version);
    const before = String(versions[Math.min(1, versions.length - 1)].version);
    options(from, chosen ? from.value : before);
    options(to, chosen ? to.value : newest);
  }

  return {
    el,
    async refresh() {
      let d;
      try {
        d = await ctx.api(`${path}/versions`);
      } catch (e) {
        if (e.status !== 404) throw e;
        el.hidden = true;  // nothing stored for this id: no history to show
        return;
      }
      const was = versions.map((v) => v.version).join(' ');
      versions = d.versions || [];
      el.hidden = false;
      draw();
      if (versions.map((v) => v.version).join(' ') !== was) await showDiff();
    },
    redraw: draw,
  };
}
