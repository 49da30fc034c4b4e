/**
 * The web admin's 退款 action in a real browser against the real server (sandbox mode): a member's paid order is
 * refunded in part (amount and reason in the dialog), WeChat Pay (the emulator) settles it and notifies, and the
 * order detail shows 部分退款 with the refund, what it took back, and the ledger row. Screenshots of the dialog and
 * of the refunded order go to docs/screenshots/ (UPDATE_SCREENSHOTS=1).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USERNAME as ADMIN, startAdminServer } from '../admin/helpers.js';
import { waitForOrderStatus } from '../membership/helpers.js';
import { buyMembership, login } from '../support/client.js';
import { finish, type TestServer } from '../support/server.js';
import { fieldValue, launchBrowser, newPage, screenshot, submitLogin, waitForText } from './browser.js';

const REASON = '用户误购，协商退还一半';

describe('web admin: refunding part of a paid order', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let merchant: { userId: string; phone: string };
  let orderId: string;

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer());
    const who = await login(s.url);
    merchant = { userId: who.userId, phone: who.phone };
    orderId = await buyMembership(s.url, who.token);
    browser = await launchBrowser();
    ({ page, problems } = await newPage(browser));
    await page.goto(`${s.url}/admin`);
    await submitLogin(page, ADMIN, password);
    await page.waitForURL(/#\/dashboard/);
  });

  afterAll(async () => {
    await browser?.close();
    await finish(s);
  });

  it('refunds ¥49.50 with a reason; the order becomes 部分退款 and 50 次 and 15 天 are taken back', async () => {
    const expiryBefore = (await s.db.models.User.findByPk(merchant.userId))!.quotaExpireAt!.getTime();
    await page.goto(`${s.url}/admin#/orders/${orderId}`);
    await waitForText(fieldValue(page, '状态'), '已支付');
    await page.locator('[data-action="refund-order"]').click();
    const dialog = page.locator('dialog[open]');
    await expect.poll(() => dialog.getByLabel('退款金额（元）').inputValue()).toBe('99.00');
    await dialog.getByLabel('退款金额（元）').fill('100');
    await dialog.getByLabel('原因（必填）').fill(REASON);
    await dialog.getByRole('button', { name: '确认退款' }).click();
    await waitForText(dialog.locator('.dialog-error'), '最多可退 ¥99.00');
    await dialog.getByLabel('退款金额（元）').fill('49.50');
    await expect.poll(() => dialog.locator('.dialog-error').textContent()).toBe(''); // the old problem goes with the edit
    await screenshot(page, 'admin-refund-dialog', false);
    await dialog.getByRole('button', { name: '确认退款' }).click();
    await expect.poll(() => page.locator('dialog[open]').count()).toBe(0);

    // WeChat settles the refund a moment later and notifies; the page shows it once reloaded
    await waitForOrderStatus(s, orderId, 'partially_refunded');
    await page.reload();
    await waitForText(fieldValue(page, '状态'), /^部分退款\s*已退 ¥49\.50$/);
    const row = page.locator('section', { hasText: '退款记录' }).locator('table tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    const cells = (await row.first().locator('td').allTextContents()).map((t) => t.trim());
    expect(cells.slice(1, 6)).toEqual(['¥49.50', '退款成功', `后台（${ADMIN}）`, REASON, '次数 −50，有效期 −15 天']);
    await expect.poll(() => page.locator('[data-action="refund-order"]').count()).toBe(1); // the rest can still be refunded
    await screenshot(page, 'admin-order-refunded');

    const user = (await s.db.models.User.findByPk(merchant.userId))!;
    expect(user.quotaRemaining).toBe(50);
    expect(user.quotaExpireAt!.getTime()).toBe(expiryBefore - 15 * 86_400_000);
    const audit = await s.db.models.AdminAuditLog.findAll({ where: { action: 'order.refund' } });
    expect(audit.map((a) => [a.adminUsername, a.targetId, a.reason])).toEqual([[ADMIN, orderId, REASON]]);
  });

  it('the orders list shows the refund state and the refunded amount, and the filter finds it', async () => {
    await page.goto(`${s.url}/admin#/orders?status=partially_refunded`);
    const rows = page.locator('table tbody tr');
    await waitForText(rows.first().locator('td').first(), orderId);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('已退 ¥49.50');
  });

  it('ran without console errors, CSP violations or uncaught exceptions', () => {
    expect(problems).toEqual([]);
  });
});
