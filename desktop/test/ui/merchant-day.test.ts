/**
 * The real renderer in Chromium with the preload API bridged to the real main-process services (AppService +
 * dispatcher, in this test process) against a real sandbox server: log in with the sandbox SMS code → buy with the
 * sandbox payment → drop 3 photos (a DataTransfer drop event) → watch the progress (pushed as patches, as main does)
 * → results on disk, reviewed large (grid, detail beside the input) → a SKU folder tree dropped: the results mirror
 * it, reviewed large, exported to 淘宝 + 亚马逊 (one sub-folder per preset), and a copy of one photo dropped again is
 * reused without a 次 → a model task
 * fails, is refunded, and one click retries it → history → settings. Every screen is saved as a screenshot
 * (docs/screenshots/merchant-*.png with UPDATE_SCREENSHOTS=1, else test-results/screenshots/).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/core/dispatcher.js';
import { localDate } from '../../src/core/result-paths.js';
import { call, garmentJpeg, setRunningHub } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { expectLedgerInvariant } from '../../../server/test/support/invariants.js';
import { photoFolder, startDesktop, uniquePhoto, type Desktop } from '../support/desktop.js';
import {
  dropFiles,
  launchBrowser,
  openRenderer,
  pushMessage,
  screenshotDir,
  serveRenderer,
  setFilePaths,
  type RendererPage,
  type StaticServer,
} from '../support/renderer-harness.js';

const SHOTS = screenshotDir();
const PHONE = '13912345678';

describe('a merchant’s first day in the desktop app (real main process, real server)', () => {
  let server: TestServer;
  let d: Desktop;
  let web: StaticServer;
  let browser: Browser;
  let r: RendererPage;
  let page: Page;
  let photos: string;

  const shot = async (name: string) => {
    await page.evaluate(() => document.fonts.ready);
    await page.waitForTimeout(400); // progress bars ease to their value in 0.3 s
    await page.screenshot({ path: join(SHOTS, `merchant-${name}.png`), animations: 'disabled' });
  };
  const items = () => page.getByTestId('item');
  const deducts = () => server.db.models.QuotaLog.count({ where: { action: 'deduct' } });

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
    d = await startDesktop(server.url);
    const dispatch = createDispatcher(d.service);
    web = await serveRenderer();
    browser = await launchBrowser();
    photos = await photoFolder(3, { colours: ['#2b5fb4', '#b4322b', '#2b8a4f'] });
    writeFileSync(join(photos, '尺码表.txt'), '尺码 S M L XL');
    const names = ['款式01.jpg', '款式02.jpg', '款式03.jpg', '尺码表.txt'];
    r = await openRenderer(browser, web.url, (channel, args) => dispatch(channel, args), {
      filePaths: Object.fromEntries(names.map((n) => [n, join(photos, n)])),
    });
    page = r.page;
    // main pushes every state change to the window as a patch, as main/ipc.ts does
    d.service.onStateMessage((message) => void pushMessage(page, message).catch(() => {}));
  });
  afterAll(async () => {
    await r?.close();
    await browser?.close();
    await web?.close();
    await d?.service.close();
    await server?.destroy();
  });

  it('logs in with the SMS code', async () => {
    await expect.poll(() => page.getByTestId('login-phone').isVisible()).toBe(true);
    await shot('01-login');
    await page.getByTestId('login-phone').fill('1391234');
    await page.getByTestId('send-code').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('手机号');
    await page.getByTestId('login-phone').fill(PHONE);
    await page.getByTestId('send-code').click();
    await expect.poll(() => page.getByTestId('send-code').textContent()).toMatch(/\d+ ?秒/);
    // sandbox mode: the app shows and fills in the code the sandbox "sent" (a real SMS in production)
    const outbox = await call(server.url, 'GET', `/sandbox/sms/outbox?phone=${PHONE}`);
    const code = outbox.body.messages[0].code as string;
    await expect.poll(() => page.getByTestId('login-code').inputValue()).toBe(code);
    expect(await page.getByTestId('code-sent').textContent()).toContain(`验证码 ${code} 已自动填好`);
    await page.getByTestId('login-submit').click();
    // the first login: the terms and the privacy policy, served by the server, accepted (and recorded there)
    await page.getByTestId('consent-screen').waitFor();
    await page.getByTestId('legal-terms').waitFor();
    expect(await page.getByTestId('consent-accept').isDisabled()).toBe(true);
    await page.getByTestId('consent-tab-privacy').click();
    await page.getByTestId('legal-privacy').waitFor();
    await page.getByTestId('consent-check').check();
    await shot('01b-consent');
    await page.getByTestId('consent-accept').click();
    await expect.poll(() => page.getByTestId('membership-bar').textContent()).toContain('未开通');
    expect(d.service.getState().consent?.required).toBe(false);
    expect(await page.getByTestId('user-phone').textContent()).toBe('139****5678');
    await shot('02-not-member');
  });

  it('buys the membership by QR code with the sandbox payment', async () => {
    await page.getByTestId('buy-button').click();
    await expect.poll(() => page.getByTestId('payment-qr').isVisible()).toBe(true);
    expect(await page.getByTestId('payment-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await page.getByTestId('payment-amount').textContent()).toContain('¥99.00');
    await shot('03-purchase-qr');
    await page.getByTestId('simulate-pay').click();
    await expect.poll(() => page.getByTestId('payment-done').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByTestId('payment-quota-after').textContent()).toContain('100');
    await shot('04-purchase-paid');
    await page.getByTestId('payment-done').click();
    await expect.poll(() => page.getByTestId('payment-dialog').count()).toBe(0);
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('100');
  });

  it('drops 3 photos and a text file, sees the cost, and gets 3 white images on disk', async () => {
    await dropFiles(page, '[data-testid="drop-zone"]', [
      { name: '款式01.jpg', type: 'image/jpeg' },
      { name: '款式02.jpg', type: 'image/jpeg' },
      { name: '款式03.jpg', type: 'image/jpeg' },
      { name: '尺码表.txt', type: 'text/plain' },
    ]);
    await expect.poll(() => page.getByTestId('draft-file').count()).toBe(3);
    expect(await page.getByTestId('rejected-file').textContent()).toContain('不是支持的图片格式');
    await page.getByTestId('task-type-basic_clean').click();
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toMatch(/3 张 × 1 次 = 3 次，剩余 100 次/);
    await shot('05-new-batch');
    await page.getByTestId('start-batch').click();

    // the progress tab: upload, processing and download states, then all done
    await expect.poll(() => items().count()).toBe(3);
    await expect
      .poll(async () => (await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).join(','), { timeout: 30_000 })
      .toBe('done,done,done');
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('97');
    await shot('06-progress-done');
    const batch = d.service.getState().batches[0]!;
    for (const item of batch.items) {
      const file = item.files[0]!;
      expect(basename(file)).toBe(`${item.name.replace('.jpg', '')}_白底.jpg`);
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height]).toEqual([800, 800]);
    }
    expect(d.platform.notifications.at(-1)?.body).toContain('3 张图片已完成');

    await page.getByTestId('open-folder').first().click();
    await expect.poll(() => d.platform.opened).toEqual([batch.items[0]!.outputDir]);

    // review large: the batch's results as a grid, one opened beside its input, its file shown in the folder
    await page.getByTestId('batch-review').click();
    await expect.poll(() => page.getByTestId('review-tile').count()).toBe(3);
    await page.getByTestId('review-tile').first().click();
    const detail = page.getByTestId('detail-view');
    await expect.poll(() => detail.getByTestId('detail-result').getAttribute('data-size')).toBe('detail');
    expect(await detail.getByTestId('fact-output').textContent()).toBe(batch.items[0]!.outputDir);
    await shot('06b-review-detail');
    await detail.getByTestId('reveal-file').click();
    await expect.poll(() => d.platform.revealed).toEqual([batch.items[0]!.files[0]]);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => detail.getByTestId('detail-position').textContent()).toBe('2 / 3');
    await page.keyboard.press('Escape');
    await page.getByTestId('review-back').click();
    await expect.poll(() => items().count()).toBe(3);
  });

  it('drops a SKU tree, finds the mirrored folders, reviews it large, exports to 淘宝 + 亚马逊, and a duplicate is free', async () => {
    // 春装/SKU01/正面.jpg, 春装/SKU01/背面.jpg, 春装/SKU02/正面.jpg: each photo with bytes of its own
    const tree = join(mkdtempSync(join(tmpdir(), 'aizhao-sku-tree-')), '春装');
    const SKU = [
      { rel: 'SKU01/正面.jpg', colour: '#2b5fb4' },
      { rel: 'SKU01/背面.jpg', colour: '#b4322b' },
      { rel: 'SKU02/正面.jpg', colour: '#2b8a4f' },
    ];
    for (const s of SKU) {
      mkdirSync(join(tree, s.rel.split('/')[0]!), { recursive: true });
      writeFileSync(join(tree, s.rel), await uniquePhoto(await garmentJpeg(900, 1100, s.colour)));
    }
    // the same bytes as SKU01/正面.jpg, copied elsewhere under another name
    const copy = join(mkdtempSync(join(tmpdir(), 'aizhao-sku-copy-')), '正面-副本.jpg');
    copyFileSync(join(tree, 'SKU01/正面.jpg'), copy);
    await setFilePaths(page, { 春装: tree, [basename(copy)]: copy });

    await page.getByTestId('tab-new').click();
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: '春装' }]);
    await expect.poll(() => page.getByTestId('draft-file').count()).toBe(3);
    await page.getByTestId('task-type-basic_clean').click();
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toMatch(/3 张 × 1 次 = 3 次，剩余 97 次/);
    expect(await page.getByTestId('batch-name').getAttribute('placeholder')).toBe('春装');
    await shot('06c-sku-tree');
    await page.getByTestId('start-batch').click();
    await expect.poll(() => d.service.getState().batches.length).toBe(2);
    await expect
      .poll(
        () =>
          d.service
            .getState()
            .batches[0]!.items.map((i) => i.stage)
            .join(','),
        { timeout: 30_000 },
      )
      .toBe('done,done,done');
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('94');
    const charged = await deducts();

    // the results mirror the dropped tree under <root>/<date> 春装
    const batch = d.service.getState().batches[0]!;
    const batchDir = join(d.resultRoot, `${localDate(new Date(batch.createdAt))} 春装`);
    expect(batch.dir).toBe(batchDir);
    for (const s of SKU) {
      const white = join(batchDir, s.rel.replace('.jpg', '_白底.jpg'));
      expect(batch.items.find((i) => i.relPath === s.rel)?.files[0]).toBe(white);
      expect(await sharp(white).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
    }
    await shot('06d-sku-done');

    // review large: the newest batch's three results as a grid
    await page.getByTestId('batch-review').first().click();
    await expect.poll(() => page.getByTestId('review-tile').count()).toBe(3);
    await shot('06e-sku-review');
    await page.getByTestId('review-back').click();

    // 导出全部 to 淘宝 (设置's default) and 亚马逊: each preset in its own sub-folder, the SKU tree mirrored in each
    await page.getByTestId('batch-export-all').first().click();
    await page.getByTestId('export-dialog').waitFor();
    expect(await page.getByTestId('preset-taobao').locator('input').isChecked()).toBe(true);
    await page.getByTestId('preset-amazon').click();
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-report').waitFor({ timeout: 60_000 });
    const names = await page
      .getByTestId('export-file')
      .evaluateAll((els) => els.map((e) => e.querySelector('.export-file__name')!.textContent));
    expect([...names].sort()).toEqual(
      [
        'SKU01/正面_白底.jpg',
        'SKU01/正面_亚马逊.jpg',
        'SKU01/背面_白底.jpg',
        'SKU01/背面_亚马逊.jpg',
        'SKU02/正面_白底.jpg',
        'SKU02/正面_亚马逊.jpg',
      ].sort(),
    );
    await shot('06f-sku-export');
    for (const s of SKU) {
      const amazon = join(batchDir, '亚马逊主图', s.rel.replace('.jpg', '_亚马逊.jpg'));
      expect(await sharp(amazon).metadata()).toMatchObject({ format: 'jpeg', width: 2000, height: 2000 });
      const taobao = join(batchDir, '淘宝天猫白底图', s.rel.replace('.jpg', '_白底.jpg'));
      expect(await sharp(taobao).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
    }
    await page.getByTestId('export-close').click();
    // each row (one fixed height) still shows its name, its two badges and its detail line in full
    const clipped = await items().evaluateAll((rows) =>
      rows.flatMap((row) => {
        const box = row.getBoundingClientRect();
        const main = row.querySelector('.item__main')!.getBoundingClientRect();
        return main.top < box.top || main.bottom > box.bottom ? [row.textContent] : [];
      }),
    );
    expect(clipped).toEqual([]);
    await shot('06f2-sku-badges');
    expect(await deducts()).toBe(charged); // exports are made on this computer: free

    // the same photo dropped again (a copy under another name): reused, no 次 spent
    await page.getByTestId('tab-new').click();
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: basename(copy), type: 'image/jpeg' }]);
    await page.getByTestId('task-type-basic_clean').click();
    await expect.poll(() => page.getByTestId('duplicate-reused').count()).toBe(1);
    expect(await page.getByTestId('duplicate-reused').textContent()).toContain('已处理过，直接使用上次结果，不扣次数');
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toBe('1 张已处理过，直接使用上次结果，本次 0 次，剩余 94 次');
    await shot('06g-duplicate');
    await page.getByTestId('start-batch').click();
    await expect.poll(() => d.service.getState().batches.length).toBe(3);
    await expect.poll(() => d.service.getState().batches[0]!.items[0]!.stage, { timeout: 30_000 }).toBe('done');
    await expect.poll(() => page.getByTestId('item-reused').count()).toBe(1);
    const reused = d.service.getState().batches[0]!.items[0]!;
    expect(reused).toMatchObject({ name: '正面-副本.jpg', reused: true });
    expect(existsSync(reused.files[0]!)).toBe(true);
    await shot('06h-duplicate-done');
    expect(await deducts()).toBe(charged);
    expect((await d.service.refreshMembership()).quotaRemaining).toBe(94);
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('94');
  });

  it('shows a failed model task as refunded, and one click retries it', async () => {
    await setRunningHub(server.url, 'fail', 50);
    await page.getByTestId('tab-new').click();
    await dropFiles(page, '[data-testid="drop-zone"]', [{ name: '款式01.jpg', type: 'image/jpeg' }]);
    await page.getByTestId('task-type-model_pose12').click();
    await page.getByTestId('scene-select').selectOption('studio');
    await page.getByTestId('category-select').selectOption('dress');
    await expect.poll(() => page.getByTestId('cost-summary').textContent()).toMatch(/1 张 × 1 次 = 1 次，剩余 94 次/);
    await page.getByTestId('start-batch').click();
    const failed = page.locator('[data-testid="item"][data-stage="failed"]');
    await expect.poll(() => failed.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => failed.getByTestId('item-refund').textContent()).toContain('次数已退回');
    // the server's reason in Chinese, without repeating what the refund note says
    expect(await failed.getByTestId('item-error').textContent()).toBe('AI模特生成失败，请换一张图片或稍后重试');
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('94');
    await shot('07-progress-failed');

    await setRunningHub(server.url, 'success', 50);
    await failed.getByTestId('item-retry').click();
    await expect
      .poll(async () => (await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-stage')))).join(','), { timeout: 30_000 })
      .toBe('done,done,done,done,done,done,done,done'); // the model task, the duplicate, the SKU tree, the first 3
    await expect.poll(() => page.getByTestId('quota-remaining').textContent()).toContain('93');
    const retried = d.service.getState().batches[0]!.items[0]!;
    expect(retried.files).toHaveLength(12);
    for (const f of retried.files) expect(existsSync(f)).toBe(true);
    await shot('08-progress-retried');
    await expectLedgerInvariant(server.db);
  });

  it('lists the history with filters and a task detail', async () => {
    await page.getByTestId('tab-history').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(8);
    await page.getByTestId('history-status-failed').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(1);
    await page.getByTestId('history-status-all').click();
    await expect.poll(() => page.getByTestId('history-row').count()).toBe(8);
    await page.getByTestId('history-row').first().click();
    await expect.poll(() => page.getByTestId('history-detail').textContent()).toContain('AI模特12图');
    await shot('09-history');
  });

  it('shows the settings with the result folder', async () => {
    await page.getByTestId('tab-settings').click();
    await expect.poll(() => page.getByTestId('settings-root').textContent()).toContain(d.resultRoot);
    await shot('10-settings');
    expect(r.problems).toEqual([]);
  });
});
