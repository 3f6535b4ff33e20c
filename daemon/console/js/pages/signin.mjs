import { h, say } from '../dom.mjs';

export const page = 'sign-in';
export const title = () => 'Sign in';

export function mount(main, params, ctx) {
  const message = h('p', { id: 'sign-in-message', class: 'notice', hidden: true });
  const error = h('p', { id: 'sign-in-error', class: 'error', role: 'alert', hidden: true });
  const token = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off',
    required: true, spellcheck: 'false' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { id: 'sign-in', class: 'sign-in', novalidate: true },
    h('label', { for: 'token' }, 'API token'), token, submit, error);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!token.value.trim()) {
      say(error, 'Enter an API token.');
      token.focus();
      return;
    }
    submit.disabled = true;
    say(error, '');
    try {
      await ctx.signIn(token.value.trim());
    } catch (err) {
      say(error, err.status === 401 ? 'That token is not valid: ' + err.message : err.message);
      token.select();
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h('h1', null, 'Sign in to sluice'), message, form);
  if (ctx.expired) say(message, 'Your session has expired; sign in again.');
  else if (ctx.problem) say(error, ctx.problem);
  else if (ctx.session) say(message, `Signed in as ${ctx.session.name} (${ctx.session.role}).`);
  token.focus();

  return { refresh: async () => {}, wants: () => false };
}
