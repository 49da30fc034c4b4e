/**
 * A renewal paid before the expiry whose notice lands after it: the grant is computed at the payment's
 * moment, min(WeChat's success_time, now). A merchant with 100 left pays 10 s before expiry; the expiry sweep lapses
 * the membership in between; the notification — or, separately, the reconciler's query — lands 5 s after expiry:
 * 200 and expiry + 30 days, the lapse credited back once (`reinstate`). A SUCCESS without a valid success_time is
 * refused, never granted: 400 in WeChat's FAIL shape on the callback, pending (and asked again) on the query path.
 */
import { describe, expect, it } from 'vitest';
import { sweepExpiredMemberships } from '../../src/jobs/orders.js';
import type { WxTransaction } from '../../src/vendors/types.js';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import {
  DAY_MS,
  deliver,
  expectNothingGranted,
  MIN_MS,
  moneyState,
  payAndNotifyAt,
  purchase,
  runSlowJobs,
  signedNotification,
  successTransaction,
  usePaymentServer,
} from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('a renewal paid before expiry, applied after it, on %s', (db) => {
  const t = usePaymentServer(db);
  const { clock } = t;

  const status = async (token: string) => (await call(t.url, 'GET', '/membership/status', { token })).body;
  /** the emulator's transaction for an order, as its notification carries it */
  const transactionOf = (orderId: string): WxTransaction => {
    const { description: _d, notify_url: _n, code_url: _c, time_expire: _t, ...tx } = t.s.sandbox!.wxpay.getOrder(orderId)!;
    return tx;
  };

  /**
   * A member with 100 until `expiry` renews: the order is created 2 min and paid 10 s before the expiry; the sweep
   * lapses the membership 1 s after it; the clock then stands 5 s after it. Returns what is needed to apply the payment.
   */
  async function renewBeforeExpiryLapseInBetween(o: { sweep: boolean } = { sweep: true }) {
    const user = await login(t.url);
    const first = await purchase(t.url, user.token);
    await payAndNotifyAt(t.s, t.id, first.orderId, clock.ms());
    const expiry = clock.ms() + 30 * DAY_MS;
    expect(await status(user.token)).toMatchObject({ quotaRemaining: 100, quotaExpireAt: new Date(expiry).toISOString() });

    clock.set(expiry - 2 * MIN_MS);
    const renewal = await purchase(t.url, user.token);
    await t.s.sandbox!.wxpay.pay(renewal.orderId, { deliver: false, at: expiry - 10_000 });
    if (o.sweep) {
      clock.set(expiry + 1000);
      await sweepExpiredMemberships(t.s.ctx);
      expect((await moneyState(t.s, user.userId)).user).toMatchObject({ isMember: false, quotaRemaining: 0 });
    }
    clock.set(expiry + 5000);
    return { user, first, renewal, expiry };
  }

  async function expectRenewedFromExpiry(r: Awaited<ReturnType<typeof renewBeforeExpiryLapseInBetween>>) {
    expect(await status(r.user.token)).toMatchObject({
      isMember: true,
      quotaRemaining: 200,
      quotaExpireAt: new Date(r.expiry + 30 * DAY_MS).toISOString(),
    });
    const { order, ledger } = await moneyState(t.s, r.user.userId, r.renewal.orderId);
    expect(order?.status).toBe('paid');
    expect(order?.paidAt?.getTime()).toBe(r.expiry - 10_000);
    expect(ledger).toEqual([
      { action: 'grant', amount: 100, orderId: r.first.orderId, balanceAfter: 100 },
      { action: 'expire', amount: -100, orderId: null, balanceAfter: 0 },
      { action: 'reinstate', amount: 100, orderId: r.renewal.orderId, balanceAfter: 100 },
      { action: 'grant', amount: 100, orderId: r.renewal.orderId, balanceAfter: 200 },
    ]);
    await expectLedgerInvariant(t.s.db);
  }

  it('by its notification 5 s after expiry: 200 and expiry + 30 days; repeated notifications change nothing', async () => {
    const r = await renewBeforeExpiryLapseInBetween();
    for (let i = 0; i < 3; i++) {
      const answer = await deliver(t.url, signedNotification(t.id, transactionOf(r.renewal.orderId), { nowMs: clock.ms() }));
      expect(answer.status).toBe(204);
    }
    await expectRenewedFromExpiry(r);
  });

  it('by the reconciler’s query 5 s after expiry (the notification was lost): the same', async () => {
    const r = await renewBeforeExpiryLapseInBetween();
    await runSlowJobs(t.s);
    expect(t.s.sandbox!.wxpay.stats().byOrder[r.renewal.orderId]).toMatchObject({ query: 1, close: 0 });
    await expectRenewedFromExpiry(r);
    await runSlowJobs(t.s);
    await expectRenewedFromExpiry(r);
  });

  it('by its notification 5 s after expiry before any lapse: 200 and expiry + 30 days, nothing expired', async () => {
    const r = await renewBeforeExpiryLapseInBetween({ sweep: false });
    const answer = await deliver(t.url, signedNotification(t.id, transactionOf(r.renewal.orderId), { nowMs: clock.ms() }));
    expect(answer.status).toBe(204);
    expect(await status(r.user.token)).toMatchObject({
      quotaRemaining: 200,
      quotaExpireAt: new Date(r.expiry + 30 * DAY_MS).toISOString(),
    });
    expect((await moneyState(t.s, r.user.userId)).ledger.map((e) => [e.action, e.amount, e.balanceAfter])).toEqual([
      ['grant', 100, 100],
      ['grant', 100, 200],
    ]);
  });

  it('a notification whose success_time is missing or not RFC 3339 is refused with 400 FAIL and grants nothing', async () => {
    const user = await login(t.url);
    const order = await purchase(t.url, user.token);
    for (const success_time of ['2026-13-01 10:00:00', 'yesterday', '', undefined]) {
      const tx = successTransaction(t.id, order, { success_time });
      const answer = await deliver(t.url, signedNotification(t.id, tx, { nowMs: clock.ms() }));
      expect(answer).toMatchObject({ status: 400, body: { code: 'FAIL' } });
    }
    await expectNothingGranted(t.s, user.userId, order.orderId);
    const ok = await deliver(
      t.url,
      signedNotification(t.id, successTransaction(t.id, order, { success_time: '2026-06-08T10:34:56+08:00' }), { nowMs: clock.ms() }),
    );
    expect(ok.status).toBe(204);
    expect((await moneyState(t.s, user.userId, order.orderId)).order?.paidAt?.toISOString()).toBe('2026-06-08T02:34:56.000Z');
  });

  it('a query answering SUCCESS with a bad success_time leaves the order pending and is asked again later', async () => {
    const user = await login(t.url);
    const order = await purchase(t.url, user.token);
    await t.s.sandbox!.wxpay.pay(order.orderId, { deliver: false, at: clock.ms() });
    const wechat = t.s.ctx.vendors.wechat;
    const realQuery = wechat.queryOrder.bind(wechat);
    wechat.queryOrder = async (no) => {
      const tx = await realQuery(no);
      return tx && { ...tx, success_time: '2026-06-08T10:34:56' }; // no offset
    };
    try {
      for (let i = 0; i < 2; i++) {
        clock.advance(5000);
        const view = await call(t.url, 'GET', `/membership/orders/${order.orderId}`, { token: user.token });
        expect(view).toMatchObject({ status: 200, body: { status: 'pending' } });
      }
      expect(t.s.sandbox!.wxpay.stats().byOrder[order.orderId]!.query).toBe(2);
      await expectNothingGranted(t.s, user.userId, order.orderId);
    } finally {
      wechat.queryOrder = realQuery;
    }
    clock.advance(5000);
    const view = await call(t.url, 'GET', `/membership/orders/${order.orderId}`, { token: user.token });
    expect(view.body).toMatchObject({ status: 'paid' });
  });
});
