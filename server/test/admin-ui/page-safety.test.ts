/**
 * The admin page itself: security headers and no inline script; data is shown as text (an HTML reason never becomes
 * markup); a deep link survives the login and a reload; lists page with "加载更多"; the API's error message reaches
 * the operator (also inside a dialog); logout ends the session.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USERNAME as ADMIN, adminLogin, startAdminServer, type AdminClient } from '../admin/helpers.js';
import { login } from '../support/client.js';
import { type TestServer } from '../support/server.js';
import { launchBrowser, newPage, submitLogin, waitForText } from './browser.js';

const USERS = 25;
const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

describe('web admin page', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let admin: AdminClient;
  let password: string;
  const users: { userId: string; phone: string }[] = [];

  beforeAll(async () => {
    ({ s, password } = await startAdminServer({ jobs: false }));
    for (let i = 0; i < USERS; i++) users.push(await login(s.url));
    admin = await adminLogin(s.url, password);
    const r = await admin.post(`/users/${users[0]!.userId}/quota-adjustments`, { delta: 5, reason: XSS });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
  });

  afterAll(async () => {
    await browser?.close();
    await s?.destroy();
  });

  it('is served with a strict CSP, no framing and no inline script', async () => {
    const res = await fetch(`${s.url}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).toMatch(new RegExp(`img-src 'self' data: ${s.url.replace(/[.]/g, '\\.')}(;|$)`)); // the sandbox COS previews
    expect(csp).not.toContain('unsafe');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![1]).toMatch(/src="\/admin\/assets\/app\.js\?v=[0-9a-f]{12}"/);
    expect(scripts[0]![2]).toBe('');
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);

    const version = /app\.js\?v=([0-9a-f]{12})/.exec(html)![1];
    const js = await fetch(`${s.url}/admin/assets/app.js?v=${version}`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).not.toContain('innerHTML');
    const css = await fetch(`${s.url}/admin/assets/app.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('no-store'); // unversioned: never cached
    expect((await fetch(`${s.url}/admin/assets/other.js`)).status).toBe(404);
  });

  it('a deep link asks for the login first, then opens; the list pages with 加载更多', async () => {
    await page.goto(`${s.url}/admin#/users`);
    await page.waitForURL(/#\/login\?next=%2Fusers$/);
    await submitLogin(page, ADMIN, password);
    await page.waitForURL(/#\/users$/);

    const rows = page.locator('table tbody tr');
    await waitForText(page.locator('.paged-status'), '已显示 20 条');
    expect(await rows.count()).toBe(20);
    await page.getByRole('button', { name: '加载更多' }).click();
    await waitForText(page.locator('.paged-status'), `共 ${USERS} 条，已全部显示`);
    expect(await rows.count()).toBe(USERS);
    expect(await page.getByRole('button', { name: '加载更多' }).isVisible()).toBe(false);
    // newest first, every user exactly once across the two pages
    const phones = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent));
    expect(phones).toEqual(users.map((u) => u.phone).reverse());

    await page.getByLabel('手机号').fill('12');
    await page.getByRole('button', { name: '查询' }).click();
    await waitForText(page.locator('.filter-hint'), '请输入完整的 11 位手机号，或手机号后 4 位');
    expect(page.url()).toMatch(/#\/users$/);
  });

  it('shows data as text: an HTML reason is neither markup nor script', async () => {
    await page.goto(`${s.url}/admin#/users/${users[0]!.userId}`);
    const reason = page.locator('section', { hasText: '次数流水' }).locator('tbody tr', { hasText: '人工调整' }).locator('td').last();
    await waitForText(reason, XSS);
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();

    await page.reload(); // the session survives a reload (GET /session gives the CSRF token back)
    await waitForText(reason, XSS);
    await page.goto(`${s.url}/admin#/audit`);
    await waitForText(page.locator('tbody tr', { hasText: '调整次数' }).locator('td').nth(4), XSS);
    expect(await page.locator('main img, main script').count()).toBe(0);
  });

  it("shows the API's error message: an unknown user, and a refused adjustment inside the dialog", async () => {
    await page.goto(`${s.url}/admin#/users/01HZZZZZZZZZZZZZZZZZZZZZZZ`);
    await waitForText(page.locator('.error-box'), '用户不存在');

    const { userId } = users[1]!;
    expect((await admin.post(`/users/${userId}/quota-adjustments`, { delta: 3, reason: '测试' })).status).toBe(201);
    await page.goto(`${s.url}/admin#/users/${userId}`);
    await waitForText(page.locator('[data-field="quota"]'), '3');
    // meanwhile another operator takes the quota away: the page still shows 3
    expect((await admin.post(`/users/${userId}/quota-adjustments`, { delta: -3, reason: '撤回' })).status).toBe(201);
    await page.locator('[data-action="adjust-quota"]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('减少').check();
    await dialog.getByLabel('次数', { exact: true }).fill('3');
    await dialog.getByLabel('原因（必填）').fill('误发');
    await dialog.getByRole('button', { name: '确认调整' }).click();
    await waitForText(dialog.locator('.error-box'), '调整后余额不能小于 0（当前 0）');
    await dialog.getByRole('button', { name: '取消' }).click();
    expect(await page.locator('dialog').count()).toBe(0);
    expect((await s.db.models.User.findByPk(userId))?.quotaRemaining).toBe(0);
  });

  it('logout ends the session', async () => {
    await page.goto(`${s.url}/admin#/dashboard`);
    await waitForText(page.locator('.sidebar .who'), ADMIN);
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.waitForURL(/#\/login$/);
    const status = await page.evaluate(async () => (await fetch('/admin/api/session', { credentials: 'same-origin' })).status);
    expect(status).toBe(401);
  });

  it('ran without console errors, CSP violations or uncaught exceptions', () => {
    // the refused adjustment (400) and the unknown user (404) are expected answers of this file
    expect(
      problems.filter(
        (p) =>
          !/HTTP (400 POST \/admin\/api\/users\/\w+\/quota-adjustments|404 GET \/admin\/api\/users\/01HZZZZZZZZZZZZZZZZZZZZZZZ)$/.test(p),
      ),
    ).toEqual([]);
  });
});
