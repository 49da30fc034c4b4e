/**
 * The web admin in a real browser against the real server (sandbox mode), seeded through the merchant API:
 * log in → dashboard figures → find a merchant by the last 4 digits of the phone → +5 quota with a reason → find the
 * stuck model task → fail and refund it → sync an order paid at WeChat Pay whose notification never came → close a
 * stale pending order → the audit log lists every action. Asserts on the DOM and the database, and saves a
 * full-page screenshot of every screen to docs/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfBusinessDay } from '../../src/lib/time.js';
import { call, garmentJpeg, login, loginAsMember, setRunningHub, uploadInput, waitForTask } from '../support/client.js';
import { ADMIN_USERNAME as ADMIN, startAdminServer } from '../admin/helpers.js';
import { finish, type TestServer } from '../support/server.js';
import { fieldValue, launchBrowser, newPage, screenshot, statValue, waitForText } from './browser.js';

const MIN = 60_000;
const ADJUST_REASON = '客服补偿：AI模特任务长时间未完成';
const FAIL_REASON = '生成超时，已为您返还次数，请重新提交';
const CLOSE_REASON = '用户放弃支付，关闭过期订单';

const shanghai = (iso: string) =>
  new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

describe('web admin: an operator answers "did they pay, how much quota, why did the task fail" and fixes it', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let password: string;
  let merchant: { token: string; userId: string; phone: string };
  let stale: { userId: string; phone: string; orderId: string };
  let cleanTaskId: string;
  let stuckTaskId: string;
  let vendorTaskId: string;
  let stuckToday: boolean;

  beforeAll(async () => {
    ({ s, password } = await startAdminServer());
    const base = s.url;
    const { Task, Order } = s.db.models;

    // A member (¥99 paid today) with a finished basic_clean task and a model task stuck at RunningHub.
    merchant = await loginAsMember(base);
    const cleanKey = await uploadInput(base, merchant.token, await garmentJpeg());
    const clean = await call(base, 'POST', '/task/create', { token: merchant.token, body: { type: 'basic_clean', inputKey: cleanKey } });
    expect(clean.status, JSON.stringify(clean.body)).toBe(201);
    cleanTaskId = clean.body.task.id;
    expect((await waitForTask(base, merchant.token, cleanTaskId)).status).toBe('done');
    await setRunningHub(base, 'hang');
    const modelKey = await uploadInput(base, merchant.token, await garmentJpeg(1000, 1200, '#b4342b'));
    const model = await call(base, 'POST', '/task/create', {
      token: merchant.token,
      body: { type: 'model_pose12', inputKey: modelKey, params: { scene: 'street', category: 'dress' } },
    });
    expect(model.status, JSON.stringify(model.body)).toBe(201);
    stuckTaskId = model.body.task.id;
    for (let i = 0; ; i++) {
      const t = await Task.findByPk(stuckTaskId);
      if (t?.vendorTaskId) {
        vendorTaskId = t.vendorTaskId;
        break;
      }
      if (i > 200) throw new Error(`model task never reached RunningHub (stage ${t?.stage})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The task has been stuck for 25 minutes (the dashboard counts processing tasks created longer ago than
    // RUNNINGHUB_TIMEOUT; the poller's own timeout counts from submission, so it leaves the task alone).
    const stuckAt = Date.now() - 25 * MIN;
    await Task.update({ createdAt: new Date(stuckAt) }, { where: { id: stuckTaskId }, silent: true });
    // in the first 25 minutes of a business day the stuck task was created the day before: not one of today's
    stuckToday = stuckAt >= startOfBusinessDay(new Date(), s.ctx.config.timezone).getTime();

    // Another merchant who opened the QR code 15 minutes ago and never paid: a stale pending order.
    const other = await login(base);
    const p = await call(base, 'POST', '/membership/purchase', { token: other.token, body: { channel: 'wx' } });
    expect(p.status).toBe(201);
    await Order.update({ createdAt: new Date(Date.now() - 15 * MIN) }, { where: { id: p.body.orderId }, silent: true });
    stale = { userId: other.userId, phone: other.phone, orderId: p.body.orderId };

    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
  });

  afterAll(async () => {
    await browser?.close();
    await finish(s);
  });

  it('logs in (a wrong password shows the API message)', async () => {
    const res = await page.goto(`${s.url}/admin`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.waitForURL(/#\/login/);
    await page.getByLabel('用户名').fill(ADMIN);
    await screenshot(page, 'admin-login');

    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await waitForText(page.locator('.login-error'), '用户名或密码错误');

    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(/#\/dashboard/);
    await waitForText(page.locator('.sidebar .who'), ADMIN);
  });

  it('dashboard: members, revenue, tasks by type and status, stuck tasks and stale orders', async () => {
    await waitForText(statValue(page, '当前会员'), '1');
    await waitForText(statValue(page, '今日新会员'), '1');
    await waitForText(statValue(page, '今日收入'), '¥99.00');
    await waitForText(statValue(page, '本月收入'), '¥99.00');
    await waitForText(statValue(page, '今日任务'), stuckToday ? '2' : '1');
    await waitForText(statValue(page, '今日失败率'), '0.0%');
    await waitForText(statValue(page, '卡住的任务'), '1');
    await waitForText(statValue(page, '超时未付订单'), '1');
    const rows = await page
      .locator('section', { hasText: '今日任务（按类型）' })
      .locator('table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(rows).toEqual(
      stuckToday
        ? [
            ['基础修图（白底）', '1', '0', '1', '0'],
            ['AI模特12图', '1', '1', '0', '0'],
            ['合计', '2', '1', '1', '0'],
          ]
        : [
            ['基础修图（白底）', '1', '0', '1', '0'],
            ['AI模特12图', '0', '0', '0', '0'],
            ['合计', '1', '0', '1', '0'],
          ],
    );
    await screenshot(page, 'admin-dashboard');
  });

  it('finds the merchant by the last 4 digits of the phone and adjusts the quota +5 with a reason', async () => {
    await page.locator('.sidebar nav a', { hasText: '用户' }).click();
    await page.getByLabel('手机号').fill(merchant.phone.slice(-4));
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(new RegExp(`#/users\\?phone=${merchant.phone.slice(-4)}$`));
    const rows = page.locator('table tbody tr');
    await waitForText(rows.first().locator('td').first(), merchant.phone);
    expect(await rows.count()).toBe(1);
    await waitForText(page.locator('.paged-status'), '共 1 条，已全部显示');
    await screenshot(page, 'admin-users');

    await rows.first().getByRole('link', { name: merchant.phone }).click();
    await waitForText(page.locator('[data-field="quota"]'), '98'); // 100 granted, 1 basic_clean, 1 model task
    await page.locator('[data-action="adjust-quota"]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('次数', { exact: true }).fill('5');
    await waitForText(dialog.locator('.preview'), '当前剩余 98 次 → 调整后 103 次');
    expect(await dialog.getByRole('button', { name: '确认调整' }).isDisabled()).toBe(true); // a reason is required
    await dialog.getByLabel('原因（必填）').fill(ADJUST_REASON);
    await screenshot(page, 'admin-quota-dialog', false);
    await dialog.getByRole('button', { name: '确认调整' }).click();
    await waitForText(page.locator('[data-field="quota"]'), '103');
    expect(await page.locator('dialog[open]').count()).toBe(0);

    const top = page.locator('section', { hasText: '次数流水' }).locator('tbody tr').first().locator('td');
    expect(await top.allTextContents()).toEqual([expect.any(String), '人工调整', '+5', '103', '—', ADJUST_REASON]);
    const user = await s.db.models.User.findByPk(merchant.userId);
    expect(user?.quotaRemaining).toBe(103);
    const adjust = await s.db.models.QuotaLog.findOne({ where: { userId: merchant.userId, action: 'adjust' } });
    expect(adjust).toMatchObject({ amount: 5, balanceAfter: 103, reason: ADJUST_REASON });
    // times are Beijing time whatever the browser's zone (this browser runs in Europe/London)
    expect(await top.first().textContent()).toBe(shanghai(adjust!.createdAt.toISOString()));
    await screenshot(page, 'admin-user-detail');
  });

  it('shows a finished task with its two results (白底图, 透明抠图) through signed URLs', async () => {
    await page.goto(`${s.url}/admin#/tasks?status=done`);
    await page.locator('table tbody tr').first().getByRole('link', { name: cleanTaskId }).click();
    await waitForText(page.locator('section h2', { hasText: '结果' }), '结果（2 张）');
    const section = page.locator('section', { hasText: '结果（2 张）' });
    expect(await section.locator('figcaption').allTextContents()).toEqual(['白底图 · result.jpg', '透明抠图 · cutout.png']);
    const result = section.locator('.thumb img').first();
    await page.waitForFunction(
      (el) => {
        const image = el as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth === 800; // the 800×800 white-background main image
      },
      await result.elementHandle(),
    );
    expect(await result.getAttribute('src')).toMatch(new RegExp(`/output/${merchant.userId}/${cleanTaskId}/.+[?&]q-signature=`));
    const cutout = section.locator('.thumb img').nth(1);
    await page.waitForFunction(
      (el) => (el as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0,
      await cutout.elementHandle(),
    );
    await screenshot(page, 'admin-task-results');
    expect(await page.locator('.page-header').textContent()).toContain('任务已结束，无需操作');
  });

  it('filters the stuck model task, fails it and refunds the quota with a reason', async () => {
    await page.locator('.sidebar nav a', { hasText: '任务' }).click();
    await page.getByLabel('状态').selectOption('processing');
    await page.getByLabel('类型').selectOption('model_pose12');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/#\/tasks\?status=processing&type=model_pose12$/);
    const rows = page.locator('table tbody tr');
    await waitForText(rows.first().locator('td').first(), stuckTaskId);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('生成中 · 已 25 分钟');
    await screenshot(page, 'admin-tasks');

    await rows.first().getByRole('link', { name: stuckTaskId }).click();
    await waitForText(fieldValue(page, '厂商任务 ID'), vendorTaskId);
    await waitForText(fieldValue(page, '参数'), '街拍 · 连衣裙 · 女模特'); // the default model, stored on the task
    const img = page.locator('.thumb img').first();
    await page.waitForFunction(
      (el) => {
        const image = el as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0; // the signed preview URL loaded
      },
      await img.elementHandle(),
    );
    expect(await page.locator('.timeline li .tl-event').allTextContents()).toEqual(['创建任务', '扣减次数', '提交给 RunningHub']);

    await page.locator('[data-action="fail-and-refund"]').click();
    const dialog = page.locator('dialog[open]');
    expect(await dialog.getByRole('button', { name: '确认失败并返还' }).isDisabled()).toBe(true);
    await dialog.getByLabel('原因（必填）').fill(FAIL_REASON);
    await dialog.getByRole('button', { name: '确认失败并返还' }).click();
    await waitForText(fieldValue(page, '状态'), '失败');
    await waitForText(fieldValue(page, '失败原因'), FAIL_REASON);
    expect(await page.locator('.timeline li .tl-event').allTextContents()).toEqual(
      expect.arrayContaining(['返还次数', '失败', '管理员标记失败并返还']),
    );
    expect(await page.locator('[data-action="fail-and-refund"]').count()).toBe(0);
    await screenshot(page, 'admin-task-detail');

    const task = await s.db.models.Task.findByPk(stuckTaskId);
    expect(task).toMatchObject({ status: 'failed', errorReason: FAIL_REASON });
    const refunds = await s.db.models.QuotaLog.findAll({ where: { taskId: stuckTaskId, action: 'refund' } });
    expect(refunds.map((r) => [r.amount, r.balanceAfter])).toEqual([[1, 104]]);

    // the refund in the merchant's ledger
    await fieldValue(page, '用户').getByRole('link').click();
    await waitForText(page.locator('[data-field="quota"]'), '104');
    const top = page.locator('section', { hasText: '次数流水' }).locator('tbody tr').first().locator('td');
    expect((await top.allTextContents()).slice(1, 5)).toEqual(['失败返还', '+1', '104', `任务 ${stuckTaskId}`]);
  });

  it('syncs an order paid at WeChat Pay whose notification never came, and closes a stale pending order', async () => {
    // The merchant renews: pays in WeChat, but the notification is lost.
    const p = await call(s.url, 'POST', '/membership/purchase', { token: merchant.token, body: { channel: 'wx' } });
    expect(p.status).toBe(201);
    const orderId: string = p.body.orderId;
    expect(await s.sandbox!.wxpay.pay(orderId, { deliver: false })).toEqual({ delivered: false, status: 0 });
    expect((await s.db.models.Order.findByPk(orderId))?.status).toBe('pending');

    await page.locator('.sidebar nav a', { hasText: '订单' }).click();
    await page.getByLabel('状态').selectOption('pending');
    await page.getByRole('button', { name: '查询' }).click();
    await page.waitForURL(/#\/orders\?status=pending$/);
    const rows = page.locator('table tbody tr');
    await waitForText(rows.first().locator('td').first(), orderId);
    // the unfiltered list also starts with this order: wait for the filtered one to replace it
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(1).textContent()).toContain('已等待 15 分钟');
    await screenshot(page, 'admin-orders');

    await rows.first().getByRole('link', { name: orderId }).click();
    await waitForText(fieldValue(page, '状态'), '待支付');
    await waitForText(fieldValue(page, '微信支付交易号'), '—');
    await page.locator('[data-action="sync-order"]').click();
    await waitForText(fieldValue(page, '状态'), '已支付');
    const order = await s.db.models.Order.findByPk(orderId);
    expect(order?.status).toBe('paid');
    expect(order?.transactionId).toMatch(/^\d{20,}$/);
    await waitForText(fieldValue(page, '微信支付交易号'), order!.transactionId!);
    await waitForText(fieldValue(page, '支付时间'), shanghai(order!.paidAt!.toISOString()));
    expect((await s.db.models.User.findByPk(merchant.userId))?.quotaRemaining).toBe(204);
    await screenshot(page, 'admin-order-detail');

    await page.goto(`${s.url}/admin#/orders/${stale.orderId}`);
    await waitForText(fieldValue(page, '用户'), stale.phone);
    await page.locator('[data-action="close-order"]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('原因（选填）').fill(CLOSE_REASON);
    await dialog.getByRole('button', { name: '确认关闭' }).click();
    await waitForText(fieldValue(page, '状态'), '已关闭');
    expect((await s.db.models.Order.findByPk(stale.orderId))?.status).toBe('closed');
  });

  it('the audit log lists every action with its reason, newest first', async () => {
    await page.locator('.sidebar nav a', { hasText: '操作日志' }).click();
    const rows = page.locator('table tbody tr');
    await waitForText(rows.first().locator('td').nth(2), '关闭订单');
    const table = await rows.evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(1, 5).map((td) => td.textContent?.trim())),
    );
    expect(table.slice(0, 4)).toEqual([
      [ADMIN, '关闭订单', `订单 ${stale.orderId}`, CLOSE_REASON],
      [ADMIN, '同步微信支付', expect.stringMatching(/^订单 \w+$/), '—'],
      [ADMIN, '任务失败并返还', `任务 ${stuckTaskId}`, FAIL_REASON],
      [ADMIN, '调整次数', `用户 ${merchant.userId}`, ADJUST_REASON],
    ]);
    expect(table.map((r) => r[1])).toContain('登录');
    await screenshot(page, 'admin-audit');

    const audit = await s.db.models.AdminAuditLog.findAll({ order: [['id', 'DESC']], limit: 4 });
    expect(audit.map((a) => [a.adminUsername, a.action, a.targetId, a.reason])).toEqual([
      [ADMIN, 'order.close', stale.orderId, CLOSE_REASON],
      [ADMIN, 'order.sync', expect.any(String), null],
      [ADMIN, 'task.fail_and_refund', stuckTaskId, FAIL_REASON],
      [ADMIN, 'user.quota_adjust', merchant.userId, ADJUST_REASON],
    ]);
  });

  it('ran without console errors, CSP violations or uncaught exceptions', () => {
    expect(problems).toEqual([]);
  });
});
