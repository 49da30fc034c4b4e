/** Chromium for the admin UI tests (playwright-core + the system Chromium), and small page helpers. */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startAdminServer } from '../admin/helpers.js';
import type { TestServer, TestServerOptions } from '../support/server.js';

/** The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to test-results/ (ignored). */
export const SCREENSHOT_DIR = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../../docs/screenshots/' : '../../../test-results/screenshots/', import.meta.url),
);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A 1280×800 page that records console errors and uncaught exceptions (a CSP violation is a console error). */
export async function newPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Europe/London' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    // failed loads are reported with their URL by the response listener below
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    // the 401s of a first visit (no session yet) and of a wrong password are expected answers
    const expected = r.status() === 401 && (path === '/admin/api/session' || path === '/admin/api/login');
    if (r.status() >= 400 && !expected) problems.push(`HTTP ${r.status()} ${r.request().method()} ${path}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { page, problems };
}

export interface AdminPageSuite {
  s: TestServer;
  password: string;
  browser: Browser;
  page: Page;
  problems: string[];
}

/**
 * Starts an admin server and a Chromium page before the file's tests and closes both after them; the returned object
 * is filled in by `beforeAll` (read its fields inside the tests).
 */
export function useAdminPage(o: TestServerOptions = {}): AdminPageSuite {
  const suite = {} as AdminPageSuite;
  beforeAll(async () => {
    Object.assign(suite, await startAdminServer(o));
    suite.browser = await launchBrowser();
    Object.assign(suite, await newPage(suite.browser));
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.s?.destroy();
  });
  return suite;
}

/** Full page by default; a modal dialog is shot as the viewport (its backdrop covers only the viewport). */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.locator('.toast').evaluateAll((toasts) => toasts.forEach((t) => t.remove()));
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage });
}

/** The value of the dashboard card with this label. */
export const statValue = (page: Page, label: string): Locator =>
  page.locator('.stat', { has: page.locator('.stat-label', { hasText: label }) }).locator('.stat-value');

/** The value of a detail field (dt/dd) with this label. */
export const fieldValue = (page: Page, label: string): Locator =>
  page.locator('.field', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');

/** Waits until the locator's text (trimmed) equals `text`. */
export async function waitForText(locator: Locator, text: string | RegExp, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (
      (await locator
        .first()
        .textContent({ timeout: Math.max(1, until - Date.now()) })
        .catch(() => null)) ?? ''
    ).trim();
    if (typeof text === 'string' ? last === text : text.test(last)) return;
    if (Date.now() > until) throw new Error(`expected ${String(text)}, got ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Fills the login form on the page and submits it. */
export async function submitLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}
