/** The login page: username and password; the API's message on failure (wrong password, too many tries). */
import { api, errorMessage } from '../api.js';
import { h, replaceChildren } from '../dom.js';

export function loginPage(onLoggedIn: () => void): HTMLElement {
  const username = h('input', { class: 'input', attrs: { name: 'username', autocomplete: 'username', required: true, maxlength: 64 } });
  const password = h('input', {
    class: 'input',
    attrs: { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 },
  });
  const problem = h('div', { class: 'login-error', attrs: { role: 'alert' } });
  const submit = h('button', { class: 'btn btn-primary btn-block', attrs: { type: 'submit' } }, '登录');
  const form = h(
    'form',
    { class: 'login-card', attrs: { novalidate: true } },
    h('div', { class: 'login-brand' }, h('span', { class: 'logo' }, 'AI照'), h('span', null, '管理后台')),
    h('label', { class: 'form-row' }, h('span', null, '用户名'), username),
    h('label', { class: 'form-row' }, h('span', null, '密码'), password),
    problem,
    submit,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!username.value.trim() || !password.value) {
      replaceChildren(problem, '请输入用户名和密码');
      return;
    }
    submit.disabled = true;
    submit.textContent = '登录中…';
    replaceChildren(problem);
    api.login(username.value.trim(), password.value).then(
      () => onLoggedIn(),
      (err: unknown) => {
        replaceChildren(problem, errorMessage(err));
        password.value = '';
        password.focus();
        submit.disabled = false;
        submit.textContent = '登录';
      },
    );
  });
  queueMicrotask(() => username.focus());
  return h('div', { class: 'login-page' }, form);
}
