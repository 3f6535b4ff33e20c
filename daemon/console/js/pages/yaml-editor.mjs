// A pipeline definition's YAML in a textarea, checked live: each edit (debounced) is sent to
// POST /api/v1/pipelines/validate, which stores nothing, and every error is listed beside the
// text at its line and column. The new-pipeline page and the pipeline page's editor share it.

import { h } from '../dom.mjs';
import { query } from '../api.mjs';
import { plural } from '../ui.mjs';

const DEBOUNCE_MS = 400;

// `line 3, column 5: source.table: message`, and where, when the problem is in another
// pipeline the definition would break.
export function diagnosticText(d) {
  const place = d.line ? `line ${d.line}, column ${d.column ?? 0}: ` : '';
  const field = d.field ? d.field + ': ' : '';
  return place + field + (d.message || '') + (d.at ? ` (at ${d.at})` : '');
}

// prefix names the elements (`${prefix}-yaml`, `-check`, `-errors`, `-warnings`); pipeline()
// gives the id checked (the edited pipeline's, or none: the text's own).
export function yamlEditor(ctx, { prefix, label, pipeline = () => '', onInput = () => {} }) {
  const area = h('textarea', { id: `${prefix}-yaml`, class: 'yaml', rows: '18', spellcheck: 'false',
    autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': `${prefix}-check ${prefix}-errors` });
  const status = h('p', { id: `${prefix}-check`, class: 'check', role: 'status', 'data-state': 'empty' });
  const errors = h('ul', { id: `${prefix}-errors`, class: 'diagnostics error-list', role: 'alert',
    'aria-label': 'Errors in the definition', hidden: true });
  const warnings = h('ul', { id: `${prefix}-warnings`, class: 'diagnostics warning-list',
    'aria-label': 'Warnings', hidden: true });
  let timer = 0;
  let asked = 0;
  let checked = null;  // the text the shown verdict is about

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text;
    if (state === 'invalid') area.setAttribute('aria-invalid', 'true');
    else area.removeAttribute('aria-invalid');
  }

  function list(el, items) {
    el.replaceChildren(...items.map((d) => h('li', null, diagnosticText(d))));
    el.hidden = !items.length;
  }

  // Errors from a verdict, or from a refused create or update (422, 409).
  function show(errs, warns = [], clash = null) {
    const all = clash ? [...errs, { message: `the id is defined in the file ${clash}` }] : errs;
    list(errors, all);
    list(warnings, warns.map((w) => ({ ...w, message: 'warning: ' + w.message })));
    if (all.length) setState('invalid', `Not valid: ${plural(all.length, 'error')}.`);
    else setState('valid', warns.length ? `Valid, with ${plural(warns.length, 'warning')}.` : 'Valid.');
  }

  async function check() {
    clearTimeout(timer);
    timer = 0;
    const text = area.value;
    const n = ++asked;
    if (!text.trim()) {
      checked = text;
      list(errors, []);
      list(warnings, []);
      setState('empty', 'Write or generate a definition.');
      return;
    }
    setState('checking', 'Checking…');
    try {
      const v = await ctx.api('/api/v1/pipelines/validate' + query({ id: pipeline() }),
        { method: 'POST', yaml: text });
      if (n !== asked) return;
      checked = text;
      show(v.errors || [], v.warnings || [], v.file_clash || null);
    } catch (e) {
      if (n !== asked || e.name === 'AbortError' || e.status === 401) return;
      setState('failed', 'Could not check: ' + e.message);
    }
  }

  function soon() {
    clearTimeout(timer);
    setState('checking', 'Checking…');
    timer = setTimeout(check, DEBOUNCE_MS);
  }

  area.addEventListener('input', () => {
    soon();
    onInput();
  });

  return {
    el: h('div', { class: 'yaml-editor' },
      h('label', { for: area.id }, label), area, status, errors, warnings),
    area,
    get value() { return area.value; },
    // A new text (generated, or loaded): checked after the same pause as an edit.
    set(text, now = false) {
      if (area.value === text && checked === text) return;
      area.value = text;
      if (now) check();
      else soon();
    },
    check,
    refused(e) {
      asked++;
      clearTimeout(timer);
      if (e.errors?.length) show(e.errors);
    },
    stop() {
      clearTimeout(timer);
      asked++;
    },
  };
}
