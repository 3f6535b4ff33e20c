// Pieces several pages share: status badges, tables, action feedback.

import { h, say, tableWrap } from './dom.mjs';

// Status is never told by colour alone: grid cells carry one of these as their text, and
// badges get theirs from the stylesheet so their text stays the bare status.
export const GLYPH = { SUCCESS: '✓', FAILED: '✗', IN_PROGRESS: '●', PENDING: '…', SKIPPED: '⤼' };

export function glyph(status) {
  return GLYPH[status] || '?';
}

export function badge(status, attrs = {}) {
  return h('span', { class: 'status', 'data-status': status || '', ...attrs }, status || '—');
}

export function dataTable(id, columns, label) {
  const tbody = h('tbody');
  const table = h('table', { id, class: 'data', 'aria-label': label },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))), tbody);
  return { table, tbody, wrap: tableWrap(table) };
}

export const td = (col, ...children) => h('td', { 'data-col': col }, ...children);

export function emptyRow(tbody, columns, text) {
  tbody.replaceChildren(h('tr', { class: 'empty' }, h('td', { colspan: columns }, text)));
}

// #action-result (role=status) and #action-error (role=alert), placed beside the actions.
export function feedback() {
  const ok = h('p', { id: 'action-result', role: 'status', class: 'result' });
  const err = h('p', { id: 'action-error', role: 'alert', class: 'error', hidden: true });
  return {
    el: h('div', { class: 'feedback' }, ok, err),
    result(text) {
      ok.textContent = text || '';
      say(err, '');
    },
    error(e) {
      ok.textContent = '';
      say(err, e ? e.message || String(e) : '');
    },
  };
}

// Runs one action: the button waits meanwhile, the outcome lands in the feedback.
export async function act(button, fb, run) {
  if (button) button.disabled = true;
  try {
    const text = await run();
    if (text) fb.result(text);
    return true;
  } catch (e) {
    if (e.name !== 'AbortError' && e.status !== 401) fb.error(e);
    return false;
  } finally {
    if (button) button.disabled = false;
  }
}

export function plural(n, one, many = one + 's') {
  return n + ' ' + (n === 1 ? one : many);
}

export function pipelineLink(id) {
  return h('a', { href: '#/pipelines/' + encodeURIComponent(id) }, id);
}

export function recordLink(id, text) {
  return h('a', { href: '#/records/' + encodeURIComponent(id) }, text ?? String(id));
}

// A pipeline's state as the API names it: active, paused, or config_error (its file does not
// validate; shown with the place of the first error).
export function pipelineState(p) {
  return p.state || (p.paused ? 'paused' : 'active');
}

export function stateWord(state) {
  return state === 'config_error' ? 'config error' : state;
}

export function configErrorText(e) {
  const place = [e.file, e.line, e.column].filter((v) => v !== undefined && v !== null && v !== '').join(':');
  const then = e.running_previous_definition ? 'running its previous definition' : 'not scheduled';
  return `${place}: ${e.path ? e.path + ': ' : ''}${e.message} (${then})`;
}
