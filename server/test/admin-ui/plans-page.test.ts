/**
 * The admin's 套餐 page in Chromium: the seeded plans (1 month on sale, the rest off), setting the 3-month price and
 * putting it on sale (the merchant API then sells it at that price), a new 加量包, and the dashboard's revenue by
 * plan and channel and the orders' channel column and filter (screenshots admin-plans, admin-dashboard-revenue-split).
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_USERNAME } from '../admin/helpers.js';
import { buyMembership, call, login } from '../support/client.js';
import { screenshot, submitLogin, useAdminPage, waitForText } from './browser.js';

const ui = useAdminPage({ jobs: false });

describe('admin: plans', () => {
  it('sets the 3-month price, puts it on sale, adds a pack; the dashboard splits revenue by plan and channel', async () => {
    const { s, password, page, problems } = ui;
    const who = await login(s.url);
    await buyMembership(s.url, who.token, 'alipay');
    await page.goto(`${s.url}/admin#/plans`);
    await page.waitForURL(/#\/login/);
    await submitLogin(page, ADMIN_USERNAME, password);
    await page.goto(`${s.url}/admin#/plans`);
    const row = (id: string) => page.locator(`tr[data-plan="${id}"]`);
    await row('membership-3m').waitFor();
    expect(await page.locator('tr[data-plan]').count()).toBe(5);
    expect(await row('membership-1m').getByLabel('会员 1 个月 上架').isChecked()).toBe(true);
    expect(await row('membership-3m').getByLabel('会员 3 个月 上架').isChecked()).toBe(false);

    await row('membership-3m').getByLabel('会员 3 个月 价格（元）').fill('269');
    await row('membership-3m').getByLabel('会员 3 个月 上架').check();
    await row('membership-3m').getByRole('button', { name: '保存' }).click();
    await waitForText(page.locator('.toast').last(), '已保存「会员 3 个月」');
    await waitForText(row('membership-3m').locator('.inline-check'), '在售');
    const plans = await call(s.url, 'GET', '/plans');
    expect(plans.body.plans.find((p: { id: string }) => p.id === 'membership-3m')).toMatchObject({
      priceFen: 26_900,
      quota: 300,
      days: 90,
    });

    await page.getByPlaceholder('例如：加量包 500 次').fill('加量包 500 次');
    await page.getByPlaceholder('元').fill('199');
    await page.getByPlaceholder('次', { exact: true }).fill('500');
    await page.getByRole('button', { name: '新建加量包' }).click();
    await waitForText(page.locator('.toast').last(), '已新建加量包（未上架）');
    await expect.poll(() => page.locator('tr[data-plan]').count()).toBe(6);
    await screenshot(page, 'admin-plans');

    await page.goto(`${s.url}/admin#/dashboard`);
    const split = page.locator('section', { hasText: '本月收入（按套餐和支付方式）' });
    await waitForText(split.locator('tbody tr').first(), /会员 1 个月\s*支付宝\s*1\s*¥99\.00\s*¥0\.00\s*¥99\.00/);
    await screenshot(page, 'admin-dashboard-revenue-split');

    await page.goto(`${s.url}/admin#/orders?channel=wx`);
    await waitForText(page.locator('.empty'), '没有符合条件的订单');
    await page.goto(`${s.url}/admin#/orders?channel=alipay`);
    await waitForText(page.locator('tbody tr').first(), /支付宝/);
    expect(problems).toEqual([]);
  });
});
