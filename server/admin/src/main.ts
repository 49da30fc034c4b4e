/**
 * The AI照 web admin, a single page under /admin: the login page, then a shell (navigation + content) whose content is
 * chosen by the location hash. Every page asks the JSON API under /admin/api.
 */
import { api, currentAdmin, setUnauthenticatedHandler } from './api.js';
import { h, link, replaceChildren } from './dom.js';
import { auditPage } from './pages/audit.js';
import { dashboardPage } from './pages/dashboard.js';
import { loginPage } from './pages/login.js';
import { orderDetailPage } from './pages/order-detail.js';
import { ordersPage } from './pages/orders.js';
import { plansPage } from './pages/plans.js';
import { taskDetailPage } from './pages/task-detail.js';
import { tasksPage } from './pages/tasks.js';
import { userDetailPage } from './pages/user-detail.js';
import { usersPage } from './pages/users.js';
import { addRoute, currentRoute, match, navigate } from './router.js';
import { errorBox, loading, toast } from './ui.js';

addRoute('/dashboard', 'dashboard', dashboardPage);
addRoute('/users', 'users', usersPage);
addRoute('/users/:id', 'users', userDetailPage);
addRoute('/orders', 'orders', ordersPage);
addRoute('/orders/:id', 'orders', orderDetailPage);
addRoute('/tasks', 'tasks', tasksPage);
addRoute('/tasks/:id', 'tasks', taskDetailPage);
addRoute('/audit', 'audit', auditPage);
addRoute('/plans', 'plans', plansPage);

const NAV: [section: string, path: string, text: string][] = [
  ['dashboard', '/dashboard', '概览'],
  ['users', '/users', '用户'],
  ['orders', '/orders', '订单'],
  ['tasks', '/tasks', '任务'],
  ['plans', '/plans', '套餐'],
  ['audit', '/audit', '操作日志'],
];

const root = document.getElementById('app') ?? document.body;
/** increases on every render, so a slow page never paints over a newer one */
let generation = 0;

function shell(active: string, content: HTMLElement): HTMLElement {
  const logout = h('button', { class: 'btn-link', attrs: { type: 'button' } }, '退出登录');
  logout.addEventListener('click', () => {
    api.logout().then(
      () => navigate('/login'),
      () => navigate('/login'),
    );
  });
  return h(
    'div',
    { class: 'shell' },
    h(
      'aside',
      { class: 'sidebar' },
      h(
        'div',
        { class: 'sidebar-inner' },
        h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'AI照'), h('span', null, '管理后台')),
        h(
          'nav',
          null,
          NAV.map(([section, path, text]) => {
            const a = link(path, text);
            if (section === active) {
              a.className = 'active';
              a.setAttribute('aria-current', 'page');
            }
            return a;
          }),
        ),
        h('div', { class: 'sidebar-foot' }, h('div', { class: 'who' }, currentAdmin() ?? ''), logout),
      ),
    ),
    h('main', { class: 'content' }, content),
  );
}

async function render(): Promise<void> {
  const mine = ++generation;
  const route = currentRoute();
  if (route.path === '/login') {
    document.title = '登录 · AI照管理后台';
    replaceChildren(
      root,
      loginPage(() => navigate(route.query.get('next') ?? '/dashboard')),
    );
    return;
  }
  if (!currentAdmin()) {
    let session;
    try {
      session = await api.session();
    } catch (err) {
      replaceChildren(root, h('div', { class: 'login-page' }, errorBox(err)));
      return;
    }
    if (mine !== generation) return;
    if (!session) {
      navigate('/login', { next: route.path === '/' ? null : `${route.path}${route.query.size ? `?${route.query.toString()}` : ''}` });
      return;
    }
  }
  const found = match(route);
  if (!found) {
    navigate('/dashboard');
    return;
  }
  const content = h('div', { class: 'content-inner' }, loading());
  const nav = NAV.find(([section]) => section === found.entry.section);
  document.title = `${nav?.[2] ?? ''} · AI照管理后台`;
  replaceChildren(root, shell(found.entry.section, content));
  try {
    const view = await found.entry.view(found.route);
    if (mine === generation) replaceChildren(content, view);
  } catch (err) {
    if (mine === generation) replaceChildren(content, errorBox(err));
  }
}

setUnauthenticatedHandler(() => {
  if (currentRoute().path !== '/login') {
    toast('登录已失效，请重新登录', 'bad');
    navigate('/login');
  }
});
window.addEventListener('hashchange', () => void render());
void render();
