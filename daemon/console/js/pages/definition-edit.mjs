// The pipeline page's catalog controls: Run now (operators), and for a catalog pipeline
// (its config file `catalog:ID`) Edit and Delete (admins). The editor edits the newest
// catalog version and saves with If-Match of that version, so a change made meanwhile by
// someone else is refused (412) instead of overwritten.

import { h, confirmDialog, say } from '../dom.mjs';
import { query } from '../api.mjs';
import { act } from '../ui.mjs';
import { fmt } from '../time.mjs';
import { yamlEditor } from './yaml-editor.mjs';
import { isCatalog, untilLoaded } from './catalog-wait.mjs';

const SAID = {
  created: 'created the window',
  reset: 'the window had finished: reset to PENDING',
  queued: 'the window is queued already',
  running: 'the window is running already',
};

// onChange(reloads): the pipeline changed (the page reads it again, history included);
// reloads: its definition did, and the daemons are about to load the new one.
export function catalogTools(ctx, id, { zone, onChange }) {
  const path = '/api/v1/pipelines/' + encodeURIComponent(id);
  const ok = h('p', { id: 'catalog-result', role: 'status', class: 'result' });
  const err = h('p', { id: 'catalog-error', role: 'alert', class: 'error', hidden: true });
  const fb = {
    result(text) { ok.textContent = text || ''; say(err, ''); },
    error(e) { ok.textContent = ''; say(err, e ? e.message || String(e) : ''); },
  };
  const runNow = ctx.can('run-now')
    ? h('button', { type: 'button', 'data-action': 'run-now' }, 'Run now') : null;
  const edit = ctx.can('pipeline-edit')
    ? h('button', { type: 'button', 'data-action': 'pipeline-edit', hidden: true }, 'Edit') : null;
  const remove = ctx.can('pipeline-delete')
    ? h('button', { type: 'button', 'data-action': 'pipeline-delete', hidden: true }, 'Delete') : null;

  // The editor: built for admins only, shown by Edit.
  let base = null;
  const editor = edit ? yamlEditor(ctx, { prefix: 'edit', label: 'Definition (YAML)', pipeline: () => id }) : null;
  const comment = h('input', { id: 'edit-comment', autocomplete: 'off', placeholder: 'why (kept with the version)' });
  const editing = h('p', { id: 'edit-base', class: 'muted' });
  const stale = h('div', { id: 'edit-stale', role: 'alert', class: 'error stale', hidden: true });
  const save = h('button', { type: 'button', class: 'primary', 'data-action': 'pipeline-save' }, 'Save');
  const cancel = h('button', { type: 'button', 'data-action': 'pipeline-edit-cancel' }, 'Cancel');
  const panel = editor ? h('section', { id: 'editor', class: 'panel', hidden: true, 'aria-labelledby': 'editor-title' },
    h('h2', { id: 'editor-title' }, 'Edit definition'), editing, stale, editor.el,
    h('div', { class: 'field' }, h('label', { for: 'edit-comment' }, 'Comment'), comment),
    h('div', { class: 'buttons' }, save, cancel)) : null;

  async function load() {
    const list = await ctx.api(`${path}/versions`);
    const newest = (list.versions || []).find((v) => v.origin === 'catalog' && !v.deleted);
    if (!newest) throw new Error(`${id} has no catalog version to edit`);
    const v = await ctx.api(`${path}/versions/${newest.version}`);
    base = v.version;
    editing.textContent = `Editing version ${base} (${v.created_by}, ${fmt(v.created_at, zone())}). ` +
      'Saving makes the next version.';
    say(stale, '');
    comment.value = '';
    editor.set(v.yaml, true);
    panel.hidden = false;
  }

  function staleNotice(e) {
    const now = (e.etag || '').replace(/\D/g, '');
    const reload = h('button', { type: 'button', id: 'edit-reload' }, 'Reload the newest version');
    reload.addEventListener('click', () => act(reload, fb, async () => {
      await load();
      editor.area.focus();
    }));
    stale.replaceChildren(h('p', null,
      `Another change came first: someone else saved ${id}${now ? ` as version ${now}` : ''} while ` +
      `you edited version ${base}. Nothing was saved. Your text is still below; reload to edit the ` +
      'newest version (your changes are then lost: copy them first).'), reload);
    stale.hidden = false;
    reload.focus();
  }

  edit?.addEventListener('click', () => act(edit, fb, async () => {
    fb.result('');
    await load();
    editor.area.focus();
  }));

  cancel.addEventListener('click', () => {
    editor?.stop();
    panel.hidden = true;
    base = null;
    edit?.focus();
  });

  save.addEventListener('click', () => act(save, fb, async () => {
    editor.stop();
    say(stale, '');
    let r;
    try {
      r = await ctx.api(path + query({ comment: comment.value.trim() }),
        { method: 'PUT', yaml: editor.value, ifMatch: base });
    } catch (e) {
      if (e.status === 412) {
        staleNotice(e);
        return '';
      }
      editor.refused(e);
      throw e;
    }
    panel.hidden = true;
    base = null;
    onChange(true);
    return `Saved: version ${r.version}. The daemons load it within a second or so.`;
  }));

  remove?.addEventListener('click', async () => {
    const sure = await confirmDialog(`Delete pipeline ${id}? No new windows are made; running ` +
      'windows finish; its records and versions stay, and a rollback brings it back.', 'Delete');
    if (!sure) return;
    await act(remove, fb, async () => {
      const r = await ctx.api(path, { method: 'DELETE' });
      fb.result(`Deleted (version ${r.version}); waiting for the daemons to drop it…`);
      await untilLoaded(ctx, id, false);
      ctx.go('#/pipelines');
    });
  });

  runNow?.addEventListener('click', () => act(runNow, fb, async () => {
    fb.result('');
    const r = await ctx.api(`${path}/trigger`, { method: 'POST', body: {} });
    onChange(false);
    return `Run now: ${r.action}: ${SAID[r.action] || ''} (${fmt(r.window_start, zone())} → ` +
      `${fmt(r.window_end, zone())}, record ${r.record}).`;
  }));

  return {
    buttons: [runNow, edit, remove].filter(Boolean),
    feedback: h('div', { class: 'feedback' }, ok, err),
    panel,
    update(detail) {
      const catalog = isCatalog(detail);
      if (edit) edit.hidden = !catalog;
      if (remove) remove.hidden = !catalog;
    },
  };
}
