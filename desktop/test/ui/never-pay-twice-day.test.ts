/**
 * Never paying twice, as the merchant meets it: the real renderer in Chromium bridged to the real main-process
 * services against a real sandbox server. A photo is processed; the app restarts; the same photo (copied under another
 * name) is dropped again: the app says 「已处理过，直接使用上次结果，不扣次数」, the cost line charges nothing, and the
 * batch lands its result with the balance unchanged on the server; 仍然重新处理 then charges one 次. Screenshots:
 * merchant-dup-*.png (docs/screenshots/ with UPDATE_SCREENSHOTS=1, else test-results/screenshots/).
 */
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import { buyInApp, loginWithSandboxCode, startDesktop, type Desktop } from '../support/desktop.js';
import {
  dropFiles,
  launchBrowser,
  openRenderer,
  pushMessage,
  screenshotDir,
  serveRenderer,
  type RendererPage,
  type StaticServer,
} from '../support/renderer-harness.js';

const SHOTS = screenshotDir();

describe('the same photo dropped again after a restart (real main process, real server)', () => {
  let server: TestServer;
  let d: Desktop;
  let web: StaticServer;
  let browser: Browser;
  let r: RendererPage | null = null;
  let page: Page;
  const photos = mkdtempSync(join(tmpdir(), 'aizhao-dup-day-'));
  const first = join(photos, '春装-SKU123-正面.jpg');
  const copy = join(mkdtempSync(join(tmpdir(), 'aizhao-dup-day-copy-')), '正面-再次导出.jpg');

  /** Opens the window on the service `d` (again after a restart). */
  async function openWindow() {
    await r?.close();
    const dispatch = createDispatcher(d.service);
    r = await openRenderer(browser, web.url, (channel, args) => dispatch(channel, args), {
      filePaths: { [basename(first)]: first, [basename(copy)]: copy },
    });
    page = r.page;
    // main pushes every state change to the window as a patch, as main/ipc.ts does
    d.service.onStateMessage((message) => void pushMessage(page, message).catch(() => {}));
    await page.getByTestId('membership-bar').waitFor();
  }
  const shot = async (name: string) => {
    await page.evaluate(() => document.fonts.ready);
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, `merchant-dup-${name}.png`), animations: 'disabled' });
  };
  const deducts = () => server.db.models.QuotaLog.count({ where: { action: 'deduct' } });
  const stages = () => page.getByTestId('item').evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')).join(','));

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
    d = await startDesktop(server.url);
    await loginWithSandboxCode(d, server.url);
    await d.service.acceptConsent();
    await buyInApp(d);
    writeFileSync(first, await garmentJpeg(900, 1100, '#2b8a4f'));
    copyFileSync(first, copy);
    web = await serveRenderer();
    browser = await launchBrowser();
    await openWindow();
  });
  afterAll(async () => {
    await r?.close();
    await browser?.close();
    await web?.close();
    await d?.service.close();
    await server?.destroy();
  });

  it('processes the photo once, charged', async () => {
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: '春装-SKU123-正面.jpg', type: 'image/jpeg' }]);
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toBe('1 张 × 1 次 = 1 次，剩余 100 次');
    expect(await page.getByTestId('duplicate-notice').count()).toBe(0);
    await page.getByTestId('start-batch').click();
    await expect.poll(stages, { timeout: 30_000 }).toBe('done');
    expect(await deducts()).toBe(1);
  });

  it('after a restart, the same bytes under another name are reused for free — the server agrees', async () => {
    await d.service.close();
    d = await startDesktop(server.url, { from: d });
    await openWindow();
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('99');

    await page.getByTestId('tab-new').click();
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: '正面-再次导出.jpg', type: 'image/jpeg' }]);
    await expect.poll(() => page.getByTestId('duplicate-reused').count()).toBe(1);
    expect(await page.getByTestId('duplicate-reused').textContent()).toContain('已处理过，直接使用上次结果，不扣次数');
    expect(await page.getByTestId('duplicate-reused').textContent()).toContain('春装-SKU123-正面.jpg');
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toBe('1 张已处理过，直接使用上次结果，本次 0 次，剩余 99 次');
    await shot('01-reused');
    await page.getByTestId('start-batch').click();
    await expect.poll(stages, { timeout: 30_000 }).toMatch(/^done/);
    await expect.poll(() => page.getByTestId('item-reused').count()).toBe(1);
    await shot('02-reused-done');
    const reused = d.service.getState().batches[0]!.items[0]!;
    expect(reused).toMatchObject({ name: '正面-再次导出.jpg', reused: true, stage: 'done' });
    expect(existsSync(reused.files[0]!)).toBe(true);
    expect(await deducts()).toBe(1);
    expect((await d.service.refreshMembership()).quotaRemaining).toBe(99);
  });

  it('仍然重新处理 makes a new task and charges it', async () => {
    await page.getByTestId('tab-new').click();
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: '正面-再次导出.jpg', type: 'image/jpeg' }]);
    await page.getByTestId('reprocess').click();
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toBe('1 张 × 1 次 = 1 次，剩余 99 次');
    await page.getByTestId('start-batch').click();
    await expect.poll(() => d.service.getState().batches.length).toBe(3);
    await d.service.whenIdle();
    expect(d.service.getState().batches[0]!.items[0]).toMatchObject({ stage: 'done', reused: false });
    expect(await deducts()).toBe(2);
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('98');
  });
});
