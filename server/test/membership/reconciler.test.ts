/**
 * The order reconciler (server/src/jobs/orders.ts), driven through the job runner with an injected clock:
 * pending orders without a callback are queried after 60 s and then about once a minute; after time_expire (and
 * ≥ 5 min after creation) they are closed at WeChat and locally; one paid at WeChat but never notified is granted.
 * WeChat's side is read from the emulator (its order state and the requests it received).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import {
  deliver,
  expectGrantedOnce,
  expectNothingGranted,
  MIN_MS,
  purchase,
  runSlowJobs,
  signedNotification,
  successTransaction,
  usePaymentServer,
  wxCalls,
} from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('the order reconciler on %s', (db) => {
  const t = usePaymentServer(db);
  const { clock } = t;

  const localStatus = async (orderId: string) => (await t.s.db.models.Order.findByPk(orderId))?.status;

  describe('an unpaid order', () => {
    let user: { token: string; userId: string };
    let order: { orderId: string; amountFen: number; expiresAt: string };
    let createdAt: number;

    beforeAll(async () => {
      user = await login(t.url);
      createdAt = clock.ms();
      order = await purchase(t.url, user.token);
    });

    it('is left alone for its first 60 s', async () => {
      clock.set(createdAt + 59_999);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 0, close: 0 });
      expect(await localStatus(order.orderId)).toBe('pending');
    });

    it('is queried once after 60 s without a callback, then not again within the minute', async () => {
      clock.set(createdAt + MIN_MS + 1);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 1, close: 0 });
      clock.advance(30_000);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 1, close: 0 });
      clock.advance(31_000);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 2, close: 0 });
      expect(await localStatus(order.orderId)).toBe('pending');
      await expectNothingGranted(t.s, user.userId, order.orderId);
    });

    it('past time_expire it is closed at WeChat and locally, and nothing is granted', async () => {
      clock.set(new Date(order.expiresAt).getTime() - 1);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 3, close: 0 });
      expect(await localStatus(order.orderId)).toBe('pending');

      // the next pass that picks it up (more than a minute after the last query) finds it expired
      clock.advance(MIN_MS + 1);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 4, close: 1 });
      expect(t.s.sandbox!.wxpay.getOrder(order.orderId)?.trade_state).toBe('CLOSED');
      const row = await t.s.db.models.Order.findByPk(order.orderId);
      expect(row?.status).toBe('closed');
      expect(row?.closedAt?.getTime()).toBe(clock.ms());
      const view = await call(t.url, 'GET', `/membership/orders/${order.orderId}`, { token: user.token });
      expect(view.body).toMatchObject({ status: 'closed', paidAt: null });
      const me = await call(t.url, 'GET', '/membership/status', { token: user.token });
      expect(me.body).toMatchObject({ isMember: false, quotaRemaining: 0 });
      expect(await t.s.db.models.QuotaLog.count({ where: { userId: user.userId } })).toBe(0);
    });

    it('a closed order is not asked about again, and purchase no longer reuses it', async () => {
      const before = wxCalls(t.s, order.orderId);
      clock.advance(10 * MIN_MS);
      await runSlowJobs(t.s);
      await call(t.url, 'GET', `/membership/orders/${order.orderId}`, { token: user.token });
      expect(wxCalls(t.s, order.orderId)).toEqual(before);
      const again = await call(t.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } });
      expect(again.status).toBe(201);
      expect(again.body.orderId).not.toBe(order.orderId);
    });

    it('a SUCCESS notification that arrives for the closed order still grants (the money was taken)', async () => {
      const r = await deliver(t.url, signedNotification(t.id, successTransaction(t.id, order), { nowMs: clock.ms() }));
      expect(r.status).toBe(204);
      await expectGrantedOnce(t.s, user.userId, order.orderId);
      const me = await call(t.url, 'GET', '/membership/status', { token: user.token });
      expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
    });
  });

  describe('an order paid at WeChat whose notification never arrived', () => {
    it('is granted by the reconciler’s query after 60 s, once', async () => {
      const user = await login(t.url);
      const createdAt = clock.ms();
      const { orderId } = await purchase(t.url, user.token);
      expect(await t.s.sandbox!.wxpay.pay(orderId, { deliver: false })).toEqual({ delivered: false, status: 0 });
      clock.set(createdAt + MIN_MS + 1);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, orderId)).toEqual({ prepay: 1, query: 1, close: 0 });
      await expectGrantedOnce(t.s, user.userId, orderId);
      expect((await t.s.db.models.Order.findByPk(orderId))?.transactionId).toBe(t.s.sandbox!.wxpay.getOrder(orderId)?.transaction_id);
      clock.advance(5 * MIN_MS);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, orderId)).toEqual({ prepay: 1, query: 1, close: 0 });
      const me = await call(t.url, 'GET', '/membership/status', { token: user.token });
      expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
    });

    it('is granted, not closed, when the reconciler first sees it after time_expire', async () => {
      const user = await login(t.url);
      const { orderId, expiresAt } = await purchase(t.url, user.token);
      await t.s.sandbox!.wxpay.pay(orderId, { deliver: false });
      clock.set(new Date(expiresAt).getTime() + MIN_MS);
      await runSlowJobs(t.s);
      expect(wxCalls(t.s, orderId)).toEqual({ prepay: 1, query: 1, close: 0 });
      await expectGrantedOnce(t.s, user.userId, orderId);
      expect(t.s.sandbox!.wxpay.getOrder(orderId)?.trade_state).toBe('SUCCESS');
    });
  });
});
