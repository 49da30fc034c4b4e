/**
 * Every membership number comes from configuration (docs/configuration.md): PLAN_MONTHLY_QUOTA=7, MEMBERSHIP_PRICE=1 (fen),
 * PLAN_DAYS=3 — the price at WeChat, the quota and days granted, the amount a notification must carry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  createTestWechatIdentity,
  DAY_MS,
  deliver,
  expectGrantedOnce,
  expectNothingGranted,
  moneyState,
  mutableClock,
  payAndNotifyAt,
  purchase,
  signedNotification,
  successTransaction,
  type TestWechatIdentity,
} from './helpers.js';

describe('plan numbers from configuration', () => {
  const clock = mutableClock();
  let id: TestWechatIdentity;
  let s: TestServer;
  let base: string;
  let user: { token: string; userId: string };

  beforeAll(async () => {
    id = createTestWechatIdentity();
    s = await startTestServer({
      jobs: false,
      now: clock.now,
      env: { ...id.env, PLAN_MONTHLY_QUOTA: '7', MEMBERSHIP_PRICE: '1', PLAN_DAYS: '3' },
    });
    base = s.url;
    user = await login(base);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
    id.cleanup();
  });

  it('the status shows the configured plan', async () => {
    const r = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(r.body).toEqual({ isMember: false, quotaRemaining: 0, quotaExpireAt: null, plan: { priceFen: 1, quota: 7, days: 3 } });
  });

  it('the order costs 1 fen, here and at WeChat; a notification for the default price is an amount mismatch', async () => {
    const order = await purchase(base, user.token);
    expect(order.amountFen).toBe(1);
    expect(s.sandbox!.wxpay.getOrder(order.orderId)?.amount).toMatchObject({ total: 1 });
    const wrong = await deliver(base, signedNotification(id, successTransaction(id, { orderId: order.orderId, amountFen: 9900 })));
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ code: 'FAIL', message: expect.any(String) });
    await expectNothingGranted(s, user.userId, order.orderId);
  });

  it('paying grants 7 quota for 3 days; a renewal makes 14 until 6 days', async () => {
    const first = (await s.db.models.Order.findOne({ where: { userId: user.userId } }))!;
    const paid = await call(base, 'POST', `/sandbox/wxpay/orders/${first.id}/pay`);
    expect(paid.body).toEqual({ delivered: true, status: 204 });
    await expectGrantedOnce(s, user.userId, first.id, 7);
    let r = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(r.body).toMatchObject({ isMember: true, quotaRemaining: 7, quotaExpireAt: new Date(clock.ms() + 3 * DAY_MS).toISOString() });

    const second = await purchase(base, user.token);
    expect(second.amountFen).toBe(1);
    const paid2 = await call(base, 'POST', `/sandbox/wxpay/orders/${second.orderId}/pay`);
    expect(paid2.body).toEqual({ delivered: true, status: 204 });
    await expectGrantedOnce(s, user.userId, second.orderId, 7);
    r = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(r.body).toMatchObject({ isMember: true, quotaRemaining: 14, quotaExpireAt: new Date(clock.ms() + 6 * DAY_MS).toISOString() });
    expect((await moneyState(s, user.userId)).ledger.map((e) => [e.action, e.amount, e.balanceAfter])).toEqual([
      ['grant', 7, 7],
      ['grant', 7, 14],
    ]);
  });
});

describe('an order keeps what it sold', () => {
  it('an order made at 7 次 / 3 days is granted 7 次 / 3 days after the plan changed to 9 次 / 5 days', async () => {
    const id = createTestWechatIdentity();
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-plan-'));
    const env = (quota: string, days: string) => ({ ...id.env, PLAN_MONTHLY_QUOTA: quota, MEMBERSHIP_PRICE: '1', PLAN_DAYS: days });
    let s = await startTestServer({ jobs: false, dataDir, env: env('7', '3') });
    try {
      const user = await login(s.url);
      const order = await purchase(s.url, user.token);
      expect(await s.db.models.Order.findByPk(order.orderId)).toMatchObject({ quota: 7, days: 3 });
      await s.close();
      // the operator changes the plan and restarts; the merchant pays the QR code they already have
      s = await startTestServer({ jobs: false, dataDir, env: env('9', '5') });
      const paidAt = Date.now();
      // (the emulated WeChat still has the old port as notify_url: the notification is delivered by hand)
      await payAndNotifyAt(s, id, order.orderId, paidAt);
      await expectGrantedOnce(s, user.userId, order.orderId, 7);
      const u = (await s.db.models.User.findByPk(user.userId))!;
      expect(u.quotaRemaining).toBe(7);
      expect(Math.abs(u.quotaExpireAt!.getTime() - (paidAt + 3 * DAY_MS))).toBeLessThan(60_000);
      await expectLedgerInvariant(s.db);
    } finally {
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
      id.cleanup();
    }
  });
});
