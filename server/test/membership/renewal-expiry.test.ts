/**
 * Renewal and expiry with the server's clock injected: a paid order adds the plan quota and sets expiry
 * to max(now, current expiry) + PLAN_DAYS; at expiry the membership lapses and the balance goes to 0 with an `expire`
 * ledger row (on the read path and by the sweeper); an expired merchant cannot create tasks; buying again starts
 * from now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import {
  createTestWechatIdentity,
  DAY_MS,
  moneyState,
  mutableClock,
  payAndNotifyAt,
  purchase,
  runSlowJobs,
  type TestWechatIdentity,
} from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('renewal and expiry on %s', (db) => {
  // on a whole second: WeChat's success_time has second precision, and the membership runs from it
  const clock = mutableClock(Math.floor(Date.now() / 1000) * 1000);
  const T0 = clock.ms();
  let id: TestWechatIdentity;
  let s: TestServer;
  let base: string;
  let carol: { token: string; userId: string };
  let dave: { token: string; userId: string };
  const carolOrders: string[] = [];

  const status = async (token: string) => {
    const r = await call(base, 'GET', '/membership/status', { token });
    expect(r.status).toBe(200);
    return r.body as { isMember: boolean; quotaRemaining: number; quotaExpireAt: string | null };
  };
  const ledgerOf = async (userId: string) => (await moneyState(s, userId)).ledger;

  beforeAll(async () => {
    id = createTestWechatIdentity();
    s = await startTestServer({ db, jobs: false, now: clock.now, env: id.env });
    base = s.url;
    carol = await login(base);
    dave = await login(base);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
    id.cleanup();
  });

  it('a first purchase gives 100 quota until now + 30 days', async () => {
    for (const who of [carol, dave]) {
      const { orderId } = await purchase(base, who.token);
      await payAndNotifyAt(s, id, orderId, clock.ms());
      if (who === carol) carolOrders.push(orderId);
    }
    expect(await status(carol.token)).toMatchObject({ isMember: true, quotaRemaining: 100, quotaExpireAt: new Date(T0 + 30 * DAY_MS).toISOString() });
  });

  it('renewing a day later extends expiry by 30 days from the current expiry and adds 100 (200 in all)', async () => {
    clock.advance(DAY_MS);
    const { orderId } = await purchase(base, carol.token);
    expect(orderId).not.toBe(carolOrders[0]);
    await payAndNotifyAt(s, id, orderId, clock.ms());
    carolOrders.push(orderId);
    expect(await status(carol.token)).toMatchObject({ isMember: true, quotaRemaining: 200, quotaExpireAt: new Date(T0 + 60 * DAY_MS).toISOString() });
    expect(await ledgerOf(carol.userId)).toEqual([
      { action: 'grant', amount: 100, orderId: carolOrders[0], balanceAfter: 100 },
      { action: 'grant', amount: 100, orderId: carolOrders[1], balanceAfter: 200 },
    ]);
  });

  it('one millisecond before quotaExpireAt the merchant is still a member with 200', async () => {
    clock.set(T0 + 60 * DAY_MS - 1);
    expect(await status(carol.token)).toMatchObject({ isMember: true, quotaRemaining: 200 });
    expect(await ledgerOf(carol.userId)).toHaveLength(2);
  });

  it('at quotaExpireAt GET /membership/status reports not a member with 0 quota and writes one expire row', async () => {
    clock.set(T0 + 60 * DAY_MS);
    for (let i = 0; i < 3; i++) {
      expect(await status(carol.token)).toEqual({
        isMember: false,
        quotaRemaining: 0,
        quotaExpireAt: new Date(T0 + 60 * DAY_MS).toISOString(),
        plan: { priceFen: 9900, quota: 100, days: 30 },
      });
    }
    const { user, ledger } = await moneyState(s, carol.userId);
    expect(user).toMatchObject({ isMember: false, quotaRemaining: 0 });
    expect(ledger).toHaveLength(3);
    expect(ledger[2]).toEqual({ action: 'expire', amount: -200, orderId: null, balanceAfter: 0 });
  });

  it('an expired merchant cannot create tasks or get upload credentials: 403 MEMBERSHIP_EXPIRED, nothing charged', async () => {
    const task = await call(base, 'POST', '/task/create', {
      token: carol.token,
      body: { type: 'basic_clean', inputKey: `input/${carol.userId}/garment.jpg`, clientRequestId: 'after-expiry-1' },
    });
    expect(task.status).toBe(403);
    expect(task.body.error.code).toBe('MEMBERSHIP_EXPIRED');
    const sts = await call(base, 'POST', '/storage/sts', { token: carol.token, body: {} });
    expect(sts.status).toBe(403);
    expect(sts.body.error.code).toBe('MEMBERSHIP_EXPIRED');
    expect(await ledgerOf(carol.userId)).toHaveLength(3);
    expect(await s.db.models.Task.count()).toBe(0);
  });

  it('the expiry sweeper lapses a member nobody has read (Dave: 100 until T0 + 30 days)', async () => {
    expect((await moneyState(s, dave.userId)).user).toMatchObject({ isMember: true, quotaRemaining: 100 });
    await runSlowJobs(s);
    const { user, ledger } = await moneyState(s, dave.userId);
    expect(user).toMatchObject({ isMember: false, quotaRemaining: 0 });
    expect(ledger.map((r) => [r.action, r.amount, r.balanceAfter])).toEqual([
      ['grant', 100, 100],
      ['expire', -100, 0],
    ]);
    await runSlowJobs(s);
    expect(await ledgerOf(dave.userId)).toHaveLength(2);
  });

  it('buying again after expiry starts from now: 100 quota until now + 30 days', async () => {
    clock.advance(10 * DAY_MS);
    const { orderId } = await purchase(base, carol.token);
    await payAndNotifyAt(s, id, orderId, clock.ms());
    expect(await status(carol.token)).toMatchObject({
      isMember: true,
      quotaRemaining: 100,
      quotaExpireAt: new Date(clock.ms() + 30 * DAY_MS).toISOString(),
    });
    expect((await ledgerOf(carol.userId)).map((r) => [r.action, r.amount, r.balanceAfter])).toEqual([
      ['grant', 100, 100],
      ['grant', 100, 200],
      ['expire', -200, 0],
      ['grant', 100, 100],
    ]);
  });
});
