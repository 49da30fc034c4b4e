/**
 * The admin dashboard in Chromium shows a broken ledger invariant found by the periodic check as a red warning with
 * the user's id, linking to the user (screenshot admin-dashboard-ledger-alert), and nothing when the ledger holds.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_USERNAME } from '../admin/helpers.js';
import { loginAsMember } from '../support/client.js';
import { screenshot, submitLogin, useAdminPage, waitForText } from './browser.js';

const ui = useAdminPage({ jobs: false });

describe('dashboard: the ledger invariant', () => {
  it('no warning while every balance matches its ledger; a red one naming the user when one does not', async () => {
    const { s, password, page, problems } = ui;
    const who = await loginAsMember(s.url);
    await page.goto(`${s.url}/admin`);
    await page.waitForURL(/#\/login/);
    await submitLogin(page, ADMIN_USERNAME, password);
    await page.waitForURL(/#\/dashboard/);
    await s.ledgerCheck.checkNow();
    await page.getByRole('button', { name: '刷新' }).click();
    await page.locator('.stat').first().waitFor();
    expect(await page.locator('.alert-bad').count()).toBe(0);

    await s.db.models.User.increment({ quotaRemaining: 7 }, { where: { id: who.userId } });
    await s.ledgerCheck.checkNow(); // one pass of the periodic check (this server runs no background jobs)
    await page.getByRole('button', { name: '刷新' }).click();
    const alert = page.locator('.alert-bad[role="alert"]');
    await waitForText(alert.locator('strong'), '账本不一致：1 个用户的剩余次数与次数流水合计不符');
    await waitForText(alert.locator('li'), `${who.userId}：剩余 107，流水合计 100`);
    expect(await alert.locator('a').getAttribute('href')).toBe(`#/users/${who.userId}`);
    const colour = await alert.evaluate(
      (el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color,
    );
    expect(colour).toBe('rgb(180, 35, 24)'); // --bad
    await screenshot(page, 'admin-dashboard-ledger-alert');
    expect(problems).toEqual([]);
  });
});
