// The one way pages build DOM. Data only ever reaches the document as text nodes or attribute
// values, so a description holding `<script>` shows as those characters (see the XSS rule in
// the console contract); nothing here parses markup.

const SVG = 'http://www.w3.org/2000/svg';
// Set as properties: their attributes only give the initial state, not the live one.
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'htmlFor']);

function apply(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function add(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) add(el, c);
    else el.append(typeof c === 'object' ? c : String(c));
  }
}

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  add(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  apply(el, attrs);
  add(el, children);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// Tables scroll sideways inside this on a phone instead of widening the page.
export function tableWrap(table) {
  return h('div', { class: 'table-wrap' }, table);
}

export function say(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

let dialog = null;
let pending = null;

// One native modal for every confirmation; it lives outside <main> so a live refresh of the
// page behind it does not close it.
export function confirmDialog(message, okLabel = 'OK') {
  if (!dialog) {
    dialog = h('dialog', { id: 'confirm', 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, 'Please confirm'),
      h('p', { id: 'confirm-text' }),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', id: 'confirm-cancel', onclick: () => dialog.close('cancel') },
          'Cancel'),
        h('button', { type: 'button', id: 'confirm-ok', class: 'primary',
          onclick: () => dialog.close('ok') }, 'OK')));
    dialog.addEventListener('close', () => {
      const done = pending;
      pending = null;
      done?.(dialog.returnValue === 'ok');
    });
    document.body.append(dialog);
  }
  pending?.(false);
  dialog.querySelector('#confirm-text').textContent = message;
  dialog.querySelector('#confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('#confirm-cancel').focus();
  return new Promise((resolve) => { pending = resolve; });
}

export function closeDialog() {
  if (dialog?.open) dialog.close('cancel');
}
