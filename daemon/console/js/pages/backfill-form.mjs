// The pipeline page's backfill form. "Request backfill" is enabled only by a dry run of the
// very inputs it would send, so nobody requests a range they have not seen the plan of.

import { h, say } from '../dom.mjs';
import { fmt } from '../time.mjs';
import { plural } from '../ui.mjs';

const PLACEHOLDER = '2026-10-25 or 2026-10-25T02:00:00+02:00';
const LISTED = 100;

export function backfillForm(ctx, pipeline, zone) {
  const from = h('input', { id: 'backfill-from', name: 'from', placeholder: PLACEHOLDER,
    autocomplete: 'off', required: true, spellcheck: 'false' });
  const to = h('input', { id: 'backfill-to', name: 'to', placeholder: PLACEHOLDER,
    autocomplete: 'off', required: true, spellcheck: 'false' });
  const reprocess = h('select', { id: 'backfill-reprocess', name: 'reprocess' },
    h('option', { value: 'missing' }, 'missing: windows without a record'),
    h('option', { value: 'failed' }, 'failed: missing and FAILED windows'),
    h('option', { value: 'all' }, 'all: every window'));
  const dry = h('button', { type: 'submit', 'data-action': 'backfill-dry-run' }, 'Dry run');
  const submit = h('button', { type: 'button', 'data-action': 'backfill-submit', class: 'primary',
    disabled: true }, 'Request backfill');
  const plan = h('div', { id: 'backfill-plan', 'aria-live': 'polite' });
  const error = h('p', { id: 'backfill-error', role: 'alert', class: 'error', hidden: true });
  let planned = null;
  let lastPlan = null;

  const inputs = () => ({ from: from.value.trim(), to: to.value.trim(), reprocess: reprocess.value });
  const key = (o) => JSON.stringify(o);

  function fail(e) {
    say(error, e.message);
    for (const el of [from, to, reprocess]) el.removeAttribute('aria-invalid');
    const bad = { from, to, reprocess }[e.field];
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    }
  }

  function windowsList(title, pairs, count) {
    if (!count) return null;
    const items = pairs.map(([a, b]) => h('li', null, `${fmt(a, zone())} → ${fmt(b, zone())}`));
    if (count > pairs.length) items.push(h('li', { class: 'more' }, `… and ${count - pairs.length} more`));
    return h('section', { class: 'plan-part' }, h('h3', null, `${title} (${count})`), h('ul', null, items));
  }

  function showPlan(p) {
    lastPlan = p;
    const c = p.counts || {};
    // Through h(): replaceChildren itself would write an empty part as the text "null".
    plan.replaceChildren(h('div', null,
      h('p', { class: 'plan-summary' },
        `${plural(p.windows ?? 0, 'window')} from ${fmt(p.from, zone())} to ${fmt(p.to, zone())}: ` +
        `${c.create ?? 0} to create, ${c.reset ?? 0} to reset, ${c.running ?? 0} running (left alone), ` +
        `${c.kept ?? 0} kept, ${c.not_due ?? 0} not due yet.`),
      windowsList('Create', p.create || [], c.create),
      windowsList('Reset', p.reset || [], c.reset),
      windowsList('Running, left alone', p.running || [], c.running)));
  }

  async function run(dryRun) {
    const order = inputs();
    say(error, '');
    const button = dryRun ? dry : submit;
    button.disabled = true;
    try {
      const body = dryRun ? { ...order, dry_run: true, limit: LISTED } : order;
      const r = await ctx.api(`/api/v1/pipelines/${encodeURIComponent(pipeline)}/backfills`,
        { method: 'POST', body });
      if (dryRun) {
        showPlan(r);
        planned = key(order);
      } else {
        ctx.go('#/backfills');
        return;
      }
    } catch (e) {
      if (e.name !== 'AbortError' && e.status !== 401) fail(e);
      if (dryRun) planned = null;
    } finally {
      dry.disabled = false;
      submit.disabled = planned !== key(inputs());
    }
  }

  const form = h('form', { id: 'backfill', class: 'backfill', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'backfill-from' }, 'From (first window start)'), from),
    h('div', { class: 'field' }, h('label', { for: 'backfill-to' }, 'To (end, exclusive)'), to),
    h('div', { class: 'field' }, h('label', { for: 'backfill-reprocess' }, 'Reprocess'), reprocess),
    h('div', { class: 'buttons' }, dry, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(true);
  });
  const recheck = () => { submit.disabled = planned !== key(inputs()); };
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);
  submit.addEventListener('click', () => run(false));

  return {
    el: h('div', null, form, error, plan),
    redraw() {
      if (lastPlan) showPlan(lastPlan);
    },
  };
}
