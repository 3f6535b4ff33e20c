// New pipeline (admins): a form whose fields write a catalog definition's YAML, the YAML
// itself (editable: once edited by hand the fields stop rewriting it), checked live, and
// Create (POST /api/v1/pipelines), which lands on the new pipeline's page once the daemons
// have loaded it.

import { h } from '../dom.mjs';
import { query } from '../api.mjs';
import { act, feedback } from '../ui.mjs';
import { yamlEditor } from './yaml-editor.mjs';
import { untilLoaded } from './catalog-wait.mjs';

export const page = 'pipeline-new';
export const title = () => 'New pipeline';

const GRANULARITIES = ['5m', '10m', '15m', '30m', '1h', '2h', '3h', '6h', '12h', '1d', '1w', '1mo'];
const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

// A scalar as YAML: bare when it cannot be read as anything but that string, else quoted.
export function scalar(v) {
  if (/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(v) && !RESERVED.test(v)) return v;
  if (/^\d+(m|h|d|w|mo|s)$/.test(v)) return v;
  return "'" + v.replaceAll("'", "''") + "'";
}

// The definition the fields describe; an empty field leaves its key out, so the check names
// what is missing.
export function definitionYaml(f) {
  const lines = [];
  const key = (indent, name, value) => {
    if (value !== '') lines.push(`${indent}${name}: ${scalar(value)}`);
  };
  key('', 'id', f.id);
  key('', 'description', f.description);
  lines.push('source:');
  key('  ', 'connection', f.source);
  key('  ', 'table', f.sourceTable);
  key('  ', 'time_column', f.timeColumn);
  lines.push('target:');
  key('  ', 'connection', f.target);
  key('  ', 'table', f.targetTable);
  lines.push('window:');
  key('  ', 'granularity', f.granularity);
  key('  ', 'start_date', f.start);
  key('  ', 'end_date', f.end);
  if (f.paused) lines.push('paused: true');
  return lines.join('\n') + '\n';
}

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control,
    hint ? h('span', { class: 'hint', id: id + '-hint' }, hint) : null);
}

function input(id, attrs = {}) {
  return h('input', { id, name: id.replace(/^new-/, ''), autocomplete: 'off', spellcheck: 'false', ...attrs });
}

export function mount(main, params, ctx) {
  main.append(h('h1', null, 'New pipeline'));
  if (!ctx.can('pipeline-create')) {
    main.append(h('p', { class: 'notice' }, 'Pipelines are created by admins only.'));
    return { refresh: async () => {}, wants: () => false };
  }
  const id = input('new-id', { required: true, 'aria-describedby': 'new-id-hint' });
  const description = input('new-description');
  const source = h('select', { id: 'new-source-connection', name: 'source-connection' });
  const sourceTable = input('new-source-table', { placeholder: 'schema.table' });
  const timeColumn = input('new-time-column', { placeholder: 'event_time' });
  const target = h('select', { id: 'new-target-connection', name: 'target-connection' });
  const targetTable = input('new-target-table', { placeholder: 'schema.table' });
  const granularity = h('select', { id: 'new-granularity', name: 'granularity' },
    GRANULARITIES.map((g) => h('option', { value: g, selected: g === '1h' }, g)));
  const start = input('new-start-date', { placeholder: '2026-11-01' });
  const end = input('new-end-date', { placeholder: 'open-ended' });
  const paused = h('input', { id: 'new-paused', name: 'paused', type: 'checkbox' });
  const comment = input('new-comment', { placeholder: 'why (kept with the version)' });
  const handNote = h('p', { id: 'yaml-by-hand', class: 'notice', hidden: true },
    'The YAML was edited by hand: the fields no longer rewrite it. ',
    h('button', { type: 'button', id: 'yaml-from-form' }, 'Write it from the fields again'));
  const editor = yamlEditor(ctx, { prefix: 'definition', label: 'Definition (YAML)',
    onInput: () => { byHand = true; handNote.hidden = false; } });
  const create = h('button', { type: 'submit', class: 'primary', 'data-action': 'pipeline-create' }, 'Create');
  const fb = feedback();
  let byHand = false;
  let connections = null;

  const values = () => ({
    id: id.value.trim(), description: description.value.trim(), source: source.value,
    sourceTable: sourceTable.value.trim(), timeColumn: timeColumn.value.trim(), target: target.value,
    targetTable: targetTable.value.trim(), granularity: granularity.value, start: start.value.trim(),
    end: end.value.trim(), paused: paused.checked,
  });

  function generate() {
    if (!byHand) editor.set(definitionYaml(values()));
  }

  handNote.querySelector('button').addEventListener('click', () => {
    byHand = false;
    handNote.hidden = true;
    generate();
  });

  function fillSelect(select, list) {
    const was = select.value;
    select.replaceChildren(h('option', { value: '' }, '— choose a connection —'),
      ...list.map((c) => h('option', { value: c.connection }, `${c.connection} (${c.kind})`)));
    if (list.some((c) => c.connection === was)) select.value = was;
    else if (list.length === 1) select.value = list[0].connection;
  }

  const fields = h('fieldset', { class: 'definition-fields' },
    h('legend', null, 'Fields'),
    field('new-id', 'Id', id, '1 to 63 letters, digits, _, . or -; it cannot change later'),
    field('new-description', 'Description', description),
    field('new-source-connection', 'Source connection', source),
    field('new-source-table', 'Source table', sourceTable),
    field('new-time-column', 'Time column', timeColumn),
    field('new-target-connection', 'Target connection', target),
    field('new-target-table', 'Target table', targetTable),
    field('new-granularity', 'Granularity', granularity),
    field('new-start-date', 'Start date', start),
    field('new-end-date', 'End date', end),
    h('div', { class: 'field check-field' }, h('label', { for: 'new-paused' }, paused, ' Start paused')));
  fields.addEventListener('input', generate);
  fields.addEventListener('change', generate);

  const form = h('form', { id: 'new-pipeline', class: 'definition', novalidate: true },
    fields,
    h('div', { class: 'definition-text' }, handNote, editor.el,
      field('new-comment', 'Comment', comment),
      h('div', { class: 'buttons' }, create), fb.el));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(create, fb, async () => {
      editor.stop();
      let made;
      try {
        made = await ctx.api('/api/v1/pipelines' + query({ comment: comment.value.trim() }),
          { method: 'POST', yaml: editor.value });
      } catch (err) {
        editor.refused(err);
        throw err;
      }
      fb.result(`Created ${made.pipeline}, version ${made.version}; waiting for the daemon to load it…`);
      await untilLoaded(ctx, made.pipeline, true);
      ctx.go('#/pipelines/' + encodeURIComponent(made.pipeline));
    });
  });

  main.append(h('p', { class: 'lead' }, 'A catalog pipeline: stored in the database with every ' +
    'version kept, loaded by every daemon. The fields write the YAML; edit it for anything else.'),
  form);
  generate();

  return {
    async refresh() {
      if (connections) return;
      const d = await ctx.api('/api/v1/connections');
      connections = d.connections || [];
      fillSelect(source, connections);
      fillSelect(target, connections);
      generate();
    },
    wants: () => false,
  };
}
