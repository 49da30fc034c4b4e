/**
 * Refunds end to end on SQLite and MariaDB (snapshot isolation off and on), through the real server,
 * the admin API and the emulated WeChat Pay: full and partial refunds from the admin (quota and expiry arithmetic
 * exact, capped at the balance, never below 0), a refund made in the merchant platform found by its notification and
 * by the order query, a lost notification found by the reconciler, 20 simultaneous clicks, 100 duplicate
 * notifications and a notification racing the query (one refund, one ledger row), forged notifications refused,
 * ABNORMAL / CLOSED, WeChat's refusals, and a re-delivered payment notification that must not grant again.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminOrderDetailResponse, orderRefundResponse } from '@aizhao/shared';
import { newRefundRow } from '../../src/modules/membership/refunds.js';
import { DEFAULT_REFUND_BEHAVIOUR, type RefundBehaviour } from '../../src/sandbox/wxpay/refunds.js';
import { buyMembership, call, login } from '../support/client.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import {
  createTestWechatIdentity,
  DAY_MS,
  deliver,
  eventually,
  purchase,
  refundState,
  runSlowJobs,
  signedNotification,
  successTransaction,
  usePaymentServer,
  waitForOrderStatus,
} from './helpers.js';

const PRICE = 9900;
const QUOTA = 100;
const DAYS = 30;

describe.each<DbKind>(MONEY_DBS)('refunds on %s', (db) => {
  const t = usePaymentServer(db, { admin: true });
  const { clock } = t;

  const wx = () => t.s.sandbox!.wxpay;
  /** a merchant with one paid order (100 次, 30 天) */
  const member = async () => {
    clock.set(Date.now());
    const who = await login(t.url);
    const orderId = await buyMembership(t.url, who.token);
    const user = (await t.s.db.models.User.findByPk(who.userId))!;
    return { ...who, orderId, expiry: user.quotaExpireAt!.getTime() };
  };
  const userOf = async (userId: string) => (await t.s.db.models.User.findByPk(userId))!;
  const refund = (orderId: string, amountFen: number, reason = '用户申请退款') =>
    t.admin.post(`/orders/${orderId}/refunds`, { amountFen, reason });
  /** Runs `fn` while the emulated WeChat Pay settles refunds as `b` says, then back to its default behaviour. */
  const withRefundBehaviour = async <T>(b: Partial<RefundBehaviour>, fn: () => T | Promise<T>): Promise<T> => {
    wx().setRefundBehaviour(b);
    try {
      return await fn();
    } finally {
      wx().setRefundBehaviour(DEFAULT_REFUND_BEHAVIOUR);
    }
  };

  it('a full refund from the admin: 201 {order, refund}, then SUCCESS takes back all 100 次 and 30 天 (one ledger row)', async () => {
    const m = await member();
    const r = await refund(m.orderId, PRICE);
    expect(r.status).toBe(201);
    const body = orderRefundResponse.parse(r.body);
    expect(body.order).toMatchObject({ id: m.orderId, status: 'refunding' });
    expect(body.refund).toMatchObject({
      amountFen: PRICE,
      status: 'PROCESSING',
      source: 'admin',
      requestedBy: 'ops',
      reason: '用户申请退款',
      outRefundNo: body.refund.id,
    });
    expect(wx().getRefund(body.refund.id)).toMatchObject({ out_trade_no: m.orderId, amount: { refund: PRICE, total: PRICE } });

    await waitForOrderStatus(t.s, m.orderId, 'refunded');
    const st = await refundState(t.s, m.orderId);
    expect(st.order).toMatchObject({ status: 'refunded', refundedFen: PRICE });
    expect(st.refunds.map((x) => [x.status, x.quotaTaken, x.expirySecondsTaken])).toEqual([['SUCCESS', QUOTA, DAYS * 86_400]]);
    expect(st.ledger).toEqual([{ amount: -QUOTA, refundId: body.refund.id, balanceAfter: 0 }]);
    const u = await userOf(m.userId);
    expect(u.quotaRemaining).toBe(0);
    expect(u.quotaExpireAt!.getTime()).toBe(m.expiry - DAYS * DAY_MS);
    expect(u.isMember).toBe(false);
    const detail = adminOrderDetailResponse.parse((await t.admin.get(`/orders/${m.orderId}`)).body);
    expect(detail.refunds).toHaveLength(1);
    const audit = await t.s.db.models.AdminAuditLog.findAll({ where: { action: 'order.refund', targetId: m.orderId } });
    expect(audit.map((a) => [a.adminUsername, a.reason, a.details])).toEqual([
      ['ops', '用户申请退款', { refundId: body.refund.id, amountFen: PRICE }],
    ]);
    // the merchant's side: the order view and the membership status show the refund and what it took
    const view = await call(t.url, 'GET', `/membership/orders/${m.orderId}`, { token: m.token });
    expect(view.body).toMatchObject({ status: 'refunded', refundedFen: PRICE });
    const me = await call(t.url, 'GET', '/membership/status', { token: m.token });
    expect(me.body).toMatchObject({
      quotaRemaining: 0,
      lastRefund: { orderId: m.orderId, refundFen: PRICE, quotaTaken: QUOTA, expiryShortenedSeconds: DAYS * 86_400 },
    });
  });

  it('three partial refunds (1/2, then 1/3, then the rest) take back 50 + 33 + 17 次 and 15 + 10 + 5 天: the whole order, exactly', async () => {
    const m = await member();
    const steps: [number, number, number, string][] = [
      [4950, 50, 15, 'partially_refunded'],
      [3300, 33, 10, 'partially_refunded'],
      [1650, 17, 5, 'refunded'],
    ];
    let balance = QUOTA;
    let expiry = m.expiry;
    for (const [fen, quota, days, status] of steps) {
      const r = await refund(m.orderId, fen);
      expect(r.status).toBe(201);
      await waitForOrderStatus(t.s, m.orderId, status);
      balance -= quota;
      expiry -= days * DAY_MS;
      const u = await userOf(m.userId);
      expect([u.quotaRemaining, u.quotaExpireAt!.getTime()]).toEqual([balance, expiry]);
      clock.advance(61_000); // WeChat: two refunds of one order at least a minute apart
    }
    const st = await refundState(t.s, m.orderId);
    expect(st.ledger.map((l) => l.amount)).toEqual([-50, -33, -17]);
    expect(st.order!.refundedFen).toBe(PRICE);
    const more = await refund(m.orderId, 1);
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe('REFUND_EXCEEDS_REMAINING');
  });

  it('takes back at most the balance, never below 0: 80 次 used, a full refund takes the remaining 20', async () => {
    const m = await member();
    const used = await t.admin.post(`/users/${m.userId}/quota-adjustments`, { delta: -80, reason: '模拟已使用 80 次' });
    expect(used.status).toBe(201);
    expect((await refund(m.orderId, PRICE)).status).toBe(201);
    await waitForOrderStatus(t.s, m.orderId, 'refunded');
    const st = await refundState(t.s, m.orderId);
    expect(st.refunds[0]).toMatchObject({ quotaTaken: 20 });
    expect(st.ledger).toEqual([expect.objectContaining({ amount: -20, balanceAfter: 0 })]);
    expect((await userOf(m.userId)).quotaRemaining).toBe(0);
  });

  it('clear errors: bad amounts (400), an unpaid order (409), more than the order (409), no CSRF token (403)', async () => {
    const m = await member();
    for (const body of [
      { amountFen: 0, reason: 'x' },
      { amountFen: 1.5, reason: 'x' },
      { amountFen: '100', reason: 'x' },
      { amountFen: 100 },
      { amountFen: 100, reason: '退'.repeat(27) },
    ]) {
      const r = await t.admin.post(`/orders/${m.orderId}/refunds`, body);
      expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_INPUT']);
    }
    const unpaid = await purchase(t.url, (await login(t.url)).token);
    const r1 = await refund(unpaid.orderId, 100);
    expect([r1.status, r1.body.error.code]).toEqual([409, 'ORDER_NOT_PAID']);
    const r2 = await refund(m.orderId, PRICE + 1);
    expect([r2.status, r2.body.error.code]).toEqual([409, 'REFUND_EXCEEDS_REMAINING']);
    const r3 = await t.admin.post(`/orders/${m.orderId}/refunds`, { amountFen: 100, reason: 'x' }, { csrf: false });
    expect([r3.status, r3.body.error.code]).toEqual([403, 'CSRF']);
    expect(await t.s.db.models.Refund.count({ where: { orderId: [m.orderId, unpaid.orderId] } })).toBe(0);
    expect(wx().refundsOf(m.orderId)).toEqual([]);
  });

  it('WeChat refusing the refund (NOT_ENOUGH): 409 REFUND_REJECTED, the refund is REJECTED, the order stays paid, quota untouched', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ notEnough: true }, () => refund(m.orderId, 100));
    expect([r.status, r.body.error.code]).toEqual([409, 'REFUND_REJECTED']);
    expect(r.body.error.message).toContain('余额不足');
    const st = await refundState(t.s, m.orderId);
    expect(st.order!.status).toBe('paid');
    expect(st.refunds.map((x) => [x.status, x.failReason])).toEqual([['REJECTED', expect.stringContaining('余额不足')]]);
    expect(st.ledger).toEqual([]);
    expect((await userOf(m.userId)).quotaRemaining).toBe(QUOTA);
    expect((await refund(m.orderId, 100)).status).toBe(201); // a refused request does not block the next one
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
  });

  it('20 simultaneous clicks → 1 refund at WeChat, 1 refund row, 1 ledger row, balance 100 → 50', async () => {
    const m = await member();
    const answers = await Promise.all(Array.from({ length: 20 }, () => refund(m.orderId, 4950)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    expect(new Set(answers.filter((a) => a.status === 409).map((a) => a.body.error.code))).toEqual(new Set(['REFUND_IN_PROGRESS']));
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
    const st = await refundState(t.s, m.orderId);
    expect(st.refunds).toHaveLength(1);
    expect(st.ledger).toHaveLength(1);
    expect(wx().refundsOf(m.orderId)).toHaveLength(1);
    expect((await userOf(m.userId)).quotaRemaining).toBe(50);
    // a click right after the refund settled is still refused (WeChat's one-minute spacing), not a second refund
    const late = await refund(m.orderId, 4950);
    expect([late.status, late.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  });

  it('100 duplicate REFUND.SUCCESS notifications racing for the first application (20 at once, 80 in a row) → 100 × 204, one ledger row', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ outcome: 'PROCESSING' }, () => refund(m.orderId, PRICE));
    await wx().settleRefund(r.body.refund.id, 'SUCCESS', { deliver: false });
    expect((await refundState(t.s, m.orderId)).order!.status).toBe('refunding');
    const parallel = await wx().notifyRefund(r.body.refund.id, { times: 20, parallel: true });
    const serial = await wx().notifyRefund(r.body.refund.id, { times: 80, parallel: false });
    const all = [...parallel.statuses, ...serial.statuses];
    expect(all.filter((x) => x === 204)).toHaveLength(100);
    const st = await refundState(t.s, m.orderId);
    expect(st.ledger).toHaveLength(1);
    expect((await userOf(m.userId)).quotaRemaining).toBe(0);
  });

  it('the notification racing the reconciler query (notification lost first): one ledger row', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ outcome: 'PROCESSING' }, () => refund(m.orderId, 4950));
    const no = r.body.refund.id as string;
    await wx().settleRefund(no, 'SUCCESS', { deliver: false });
    clock.advance(61_000);
    const [notified] = await Promise.all([wx().notifyRefund(no, { times: 10, parallel: true }), runSlowJobs(t.s)]);
    expect(notified.statuses.every((x) => x === 204)).toBe(true);
    const st = await refundState(t.s, m.orderId);
    expect(st.order!.status).toBe('partially_refunded');
    expect(st.ledger).toHaveLength(1);
    expect((await userOf(m.userId)).quotaRemaining).toBe(50);
  });

  it('a lost REFUND notification: the reconciler queries the processing refund after a minute and applies it', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ deliver: false }, () => refund(m.orderId, 3300));
    const no = r.body.refund.id as string;
    await eventually(() => wx().getRefund(no)?.status === 'SUCCESS');
    await runSlowJobs(t.s);
    expect((await refundState(t.s, m.orderId)).order!.status).toBe('refunding'); // not asked before a minute
    expect(wx().stats().byRefund[no]?.refundQuery ?? 0).toBe(0);
    clock.advance(61_000);
    await runSlowJobs(t.s);
    expect(wx().stats().byRefund[no]!.refundQuery).toBe(1);
    const st = await refundState(t.s, m.orderId);
    expect(st.order!.status).toBe('partially_refunded');
    expect(st.ledger.map((l) => l.amount)).toEqual([-33]);
    await runSlowJobs(t.s);
    expect(wx().stats().byRefund[no]!.refundQuery).toBe(1); // settled: never asked again
  });

  it('a refund still processing at WeChat is asked about at most once a minute', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ outcome: 'PROCESSING' }, () => refund(m.orderId, 100));
    const no = r.body.refund.id as string;
    const queries = () => wx().stats().byRefund[no]?.refundQuery ?? 0;
    clock.advance(61_000);
    await runSlowJobs(t.s);
    await runSlowJobs(t.s);
    expect(queries()).toBe(1);
    clock.advance(30_000);
    await runSlowJobs(t.s);
    expect(queries()).toBe(1);
    clock.advance(31_000);
    await runSlowJobs(t.s);
    expect(queries()).toBe(2);
    expect((await refundState(t.s, m.orderId)).order!.status).toBe('refunding');
    await wx().settleRefund(no, 'SUCCESS');
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
  });

  it('a refund whose request never reached WeChat (the server stopped after recording it) is sent again by the reconciler', async () => {
    const m = await member();
    const id = '01M8ZZZZZZZZZZZZZZZZZZZZZ1';
    await t.s.db.models.Refund.create(
      newRefundRow(
        { id: m.orderId, userId: m.userId },
        { id, amountFen: 3300, status: 'REQUESTED', source: 'admin', reason: '用户申请退款', requestedBy: 'ops' },
        clock.now(),
      ),
    );
    await t.s.db.models.Order.update({ status: 'refunding' }, { where: { id: m.orderId } });
    clock.advance(61_000);
    await runSlowJobs(t.s);
    expect(wx().stats().byRefund[id]).toEqual({ refund: 1, refundQuery: 1 }); // asked, unknown, sent with the same number
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
    const st = await refundState(t.s, m.orderId);
    expect(st.refunds.map((x) => [x.id, x.status, x.quotaTaken])).toEqual([[id, 'SUCCESS', 33]]);
    expect(st.ledger.map((l) => l.amount)).toEqual([-33]);
  });

  it('a REFUND notification for an order whose payment notification was lost: granted once (from the order query), then refunded', async () => {
    clock.set(Date.now());
    const who = await login(t.url);
    const order = await purchase(t.url, who.token);
    await wx().pay(order.orderId, { deliver: false });
    wx().refundFromPlatform(order.orderId, 4950);
    await waitForOrderStatus(t.s, order.orderId, 'partially_refunded');
    expect(await t.s.db.models.QuotaLog.count({ where: { orderId: order.orderId, action: 'grant' } })).toBe(1);
    const st = await refundState(t.s, order.orderId);
    expect(st.ledger.map((l) => [l.amount, l.balanceAfter])).toEqual([[-50, 50]]);
    expect((await userOf(who.userId)).quotaRemaining).toBe(50);
  });

  it('a refund made in the merchant platform is found by its notification and applied by the same code', async () => {
    const m = await member();
    const r = await call(t.url, 'POST', `/sandbox/wxpay/orders/${m.orderId}/refund`, { body: { amountFen: 3300 } });
    expect(r.status).toBe(200);
    expect(r.body.refund.out_refund_no).toMatch(/^RF\d{24}$/);
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
    const st = await refundState(t.s, m.orderId);
    expect(st.refunds.map((x) => [x.source, x.outRefundNo, x.wxRefundId, x.status, x.quotaTaken, x.expirySecondsTaken])).toEqual([
      ['platform', r.body.refund.out_refund_no, r.body.refund.refund_id, 'SUCCESS', 33, 10 * 86_400],
    ]);
    expect(st.ledger.map((l) => l.amount)).toEqual([-33]);
    // the admin can refund what is left, and no more
    clock.advance(61_000);
    const over = await refund(m.orderId, PRICE - 3300 + 1);
    expect(over.body.error.code).toBe('REFUND_EXCEEDS_REMAINING');
    expect((await refund(m.orderId, PRICE - 3300)).status).toBe(201);
    await waitForOrderStatus(t.s, m.orderId, 'refunded');
    expect((await refundState(t.s, m.orderId)).ledger.map((l) => l.amount)).toEqual([-33, -67]);
    // the emulator, like WeChat, refuses refunding an unpaid order or more than is left
    const unpaid = await purchase(t.url, (await login(t.url)).token);
    const u = await call(t.url, 'POST', `/sandbox/wxpay/orders/${unpaid.orderId}/refund`, { body: { amountFen: 1 } });
    expect(u.body.error.code).toBe('ORDER_NOT_PAID');
    const o = await call(t.url, 'POST', `/sandbox/wxpay/orders/${m.orderId}/refund`, { body: { amountFen: 1 } });
    expect(o.body.error.code).toBe('REFUND_EXCEEDS_REMAINING');
  });

  it('trade_state REFUND: a paid order whose payment callback was lost and that was refunded is granted once, not left pending', async () => {
    clock.set(Date.now());
    const who = await login(t.url);
    const order = await purchase(t.url, who.token);
    await wx().pay(order.orderId, { deliver: false });
    await withRefundBehaviour({ deliver: false }, () => wx().refundFromPlatform(order.orderId, PRICE));
    await eventually(() => wx().getOrder(order.orderId)!.trade_state === 'REFUND');
    clock.advance(61_000);
    await runSlowJobs(t.s);
    const st = await refundState(t.s, order.orderId);
    expect(st.order!.status).toBe('refunding'); // paid, refunded by an amount WeChat's order query does not tell
    expect(await t.s.db.models.QuotaLog.count({ where: { orderId: order.orderId, action: 'grant' } })).toBe(1);
    await runSlowJobs(t.s);
    expect(await t.s.db.models.QuotaLog.count({ where: { orderId: order.orderId, action: 'grant' } })).toBe(1);
    // WeChat's next delivery of the refund notification settles it
    const [platformRefund] = wx().refundsOf(order.orderId);
    expect((await wx().notifyRefund(platformRefund!.out_refund_no, { times: 1, parallel: false })).statuses).toEqual([204]);
    const after = await refundState(t.s, order.orderId);
    expect(after.order!.status).toBe('refunded');
    expect(after.ledger.map((l) => l.amount)).toEqual([-QUOTA]);
  });

  it('a payment notification re-delivered after the refund does not grant again', async () => {
    const m = await member();
    await refund(m.orderId, PRICE);
    await waitForOrderStatus(t.s, m.orderId, 'refunded');
    const tx = successTransaction(
      t.id,
      { orderId: m.orderId, amountFen: PRICE },
      { transaction_id: wx().getOrder(m.orderId)!.transaction_id },
    );
    expect((await deliver(t.url, signedNotification(t.id, tx, { nowMs: clock.ms() }))).status).toBe(204);
    expect((await refundState(t.s, m.orderId)).order!.status).toBe('refunded');
    expect(await t.s.db.models.QuotaLog.count({ where: { orderId: m.orderId, action: 'grant' } })).toBe(1);
    expect((await userOf(m.userId)).quotaRemaining).toBe(0);
  });

  it('ABNORMAL leaves the quota alone and keeps the order refunding; CLOSED gives the amount back and the order is paid again', async () => {
    const m = await member();
    const r = await withRefundBehaviour({ outcome: 'ABNORMAL' }, () => refund(m.orderId, PRICE));
    const no = r.body.refund.id as string;
    await eventually(async () => (await t.s.db.models.Refund.findByPk(no))?.status === 'ABNORMAL');
    let st = await refundState(t.s, m.orderId);
    expect(st.order!.status).toBe('refunding');
    expect(st.refunds[0]!.failReason).toContain('退款异常');
    expect(st.ledger).toEqual([]);
    expect((await userOf(m.userId)).quotaRemaining).toBe(QUOTA);
    expect((await refund(m.orderId, 100)).body.error.code).toBe('REFUND_IN_PROGRESS');
    expect((await wx().settleRefund(no, 'CLOSED')).status).toBe(204);
    st = await refundState(t.s, m.orderId);
    expect(st.order).toMatchObject({ status: 'paid', refundedFen: 0 });
    expect(st.refunds[0]!.status).toBe('CLOSED');
    expect(st.ledger).toEqual([]);
    expect((await userOf(m.userId)).quotaRemaining).toBe(QUOTA);
    // a closed refund is final: a late SUCCESS report for it changes nothing
    clock.advance(61_000);
    expect((await refund(m.orderId, PRICE)).status).toBe(201);
    await waitForOrderStatus(t.s, m.orderId, 'refunded');
  });

  describe('forged and tampered refund notifications are refused and change nothing', () => {
    let m: Awaited<ReturnType<typeof member>>;
    const notice = (overrides: Record<string, unknown> = {}) => ({
      mchid: t.id.mchid,
      out_trade_no: m.orderId,
      transaction_id: wx().getOrder(m.orderId)!.transaction_id,
      out_refund_no: 'RF000000000000000000000001',
      refund_id: '50000000000000000000000000001',
      refund_status: 'SUCCESS',
      success_time: '2026-12-01T10:00:00+08:00',
      user_received_account: '支付用户零钱',
      amount: { total: PRICE, refund: PRICE, payer_total: PRICE, payer_refund: PRICE },
      ...overrides,
    });
    const send = (body: object, o: Parameters<typeof signedNotification>[2] = {}) =>
      deliver(t.url, signedNotification(t.id, body, { eventType: 'REFUND.SUCCESS', originalType: 'refund', nowMs: clock.ms(), ...o }));

    beforeAll(async () => {
      m = await member();
    });

    it.each([
      ['signed by another key', 401, () => send(notice(), { privateKey: createTestWechatIdentity().privateKey })],
      ['encrypted with another APIv3 key', 400, () => send(notice(), { apiV3Key: 'x'.repeat(32) })],
      ['a stale timestamp', 401, () => send(notice(), { nowMs: clock.ms() - 10 * 60_000 })],
      ['another merchant', 400, () => send(notice({ mchid: '1900000999' }))],
      ['a total that is not the order', 400, () => send(notice({ amount: { total: 1, refund: 1, payer_total: 1, payer_refund: 1 } }))],
      [
        'more than the order',
        400,
        () => send(notice({ amount: { total: PRICE, refund: PRICE + 1, payer_total: PRICE, payer_refund: PRICE + 1 } })),
      ],
      ['refund_status not the event', 400, () => send(notice({ refund_status: 'CLOSED' }))],
      ['an unknown order', 400, () => send(notice({ out_trade_no: '01HZZZZZZZZZZZZZZZZZZZZZZZ' }))],
    ])('%s → %i', async (_name, status, run) => {
      const r = await run();
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ code: 'FAIL' });
      const st = await refundState(t.s, m.orderId);
      expect([st.order!.status, st.refunds.length, st.ledger.length]).toEqual(['paid', 0, 0]);
      expect((await userOf(m.userId)).quotaRemaining).toBe(QUOTA);
    });
  });

  it('the dashboard shows revenue net of refunds', async () => {
    const before = (await t.admin.get('/dashboard')).body;
    const m = await member();
    const mid = (await t.admin.get('/dashboard')).body;
    expect(mid.revenueTodayFen - before.revenueTodayFen).toBe(PRICE);
    await refund(m.orderId, 3300);
    await waitForOrderStatus(t.s, m.orderId, 'partially_refunded');
    const after = (await t.admin.get('/dashboard')).body;
    expect(after.refundsTodayFen - mid.refundsTodayFen).toBe(3300);
    expect(after.revenueTodayFen - mid.revenueTodayFen).toBe(-3300);
    expect(after.revenueMonthFen - mid.revenueMonthFen).toBe(-3300);
  });
});
