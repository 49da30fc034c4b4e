/**
 * How pending orders end (every order ends paid / closed / failed), against the emulated WeChat Pay:
 * - an unpaid order past time_expire is still NOTPAY at WeChat (the payer can no longer pay it): the reconciler
 *   closes it through the close API, at WeChat and here;
 * - PAYERROR closes the order at WeChat first and then fails it here; when the close answers ORDER_PAID the payment
 *   is queried and granted; when the close fails the order stays pending and is tried again;
 * - an order whose prepay was cut off (the process stopped before its code was stored) can be paid by nobody: it is
 *   closed 5 min after creation, or failed when WeChat never heard of it;
 * - one order or one user that fails does not stop the reconciler or the expiry sweep for the others.
 */
import { describe, expect, it } from 'vitest';
import { sweepExpiredMemberships } from '../../src/jobs/orders.js';
import { VendorError } from '../../src/lib/errors.js';
import { newPendingOrder } from '../../src/modules/membership/service.js';
import { EmulatorOrderNotPending } from '../../src/sandbox/wxpay/index.js';
import { call, login } from '../support/client.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import {
  deliver,
  expectGrantedOnce,
  MIN_MS,
  moneyState,
  purchase,
  runSlowJobs,
  signedNotification,
  successTransaction,
  usePaymentServer,
  wxCalls,
} from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('how pending orders end on %s', (db) => {
  const t = usePaymentServer(db);
  const { clock } = t;

  const wxState = (orderId: string) => t.s.sandbox!.wxpay.getOrder(orderId)?.trade_state;
  const local = async (orderId: string) => (await t.s.db.models.Order.findByPk(orderId))!;
  const payError = (order: { orderId: string; amountFen: number }) =>
    successTransaction(t.id, order, {
      trade_state: 'PAYERROR',
      trade_state_desc: '支付失败',
      transaction_id: undefined,
      success_time: undefined,
    });

  it('past time_expire WeChat still says NOTPAY and the payer cannot pay: the reconciler closes it at WeChat and here', async () => {
    // created 31 min ago by the server's clock: its time_expire (30 min) has passed by WeChat's (real) clock too
    clock.set(Date.now() - 31 * MIN_MS);
    const user = await login(t.url);
    const { orderId } = await purchase(t.url, user.token);
    await expect(t.s.sandbox!.wxpay.pay(orderId)).rejects.toBeInstanceOf(EmulatorOrderNotPending);
    expect(wxState(orderId)).toBe('NOTPAY');
    clock.set(Date.now());
    await runSlowJobs(t.s);
    expect(wxCalls(t.s, orderId)).toEqual({ prepay: 1, query: 1, close: 1 });
    expect(wxState(orderId)).toBe('CLOSED');
    expect(await local(orderId)).toMatchObject({ status: 'closed', closedAt: clock.now() });
    expect((await moneyState(t.s, user.userId)).ledger).toEqual([]);
  });

  it('PAYERROR for an order WeChat has unpaid: closed at WeChat first (no longer payable), then failed here', async () => {
    clock.set(Date.now());
    const user = await login(t.url);
    const order = await purchase(t.url, user.token);
    const r = await deliver(t.url, signedNotification(t.id, payError(order)));
    expect(r.status).toBe(204);
    expect(wxCalls(t.s, order.orderId)).toMatchObject({ close: 1 });
    expect(wxState(order.orderId)).toBe('CLOSED');
    await expect(t.s.sandbox!.wxpay.pay(order.orderId)).rejects.toBeInstanceOf(EmulatorOrderNotPending);
    expect(await local(order.orderId)).toMatchObject({ status: 'failed', failReason: '支付失败', paidAt: null });
  });

  it('PAYERROR for an order the payer paid after all: the close answers ORDER_PAID, the payment is queried and granted', async () => {
    clock.set(Date.now());
    const user = await login(t.url);
    const order = await purchase(t.url, user.token);
    await t.s.sandbox!.wxpay.pay(order.orderId, { deliver: false });
    const r = await deliver(t.url, signedNotification(t.id, payError(order)));
    expect(r.status).toBe(204);
    expect(wxCalls(t.s, order.orderId)).toEqual({ prepay: 1, query: 1, close: 1 });
    expect(wxState(order.orderId)).toBe('SUCCESS');
    await expectGrantedOnce(t.s, user.userId, order.orderId);
  });

  it('PAYERROR answered by a query while the close fails: the order stays pending, and fails once the close works', async () => {
    clock.set(Date.now());
    const user = await login(t.url);
    const order = await purchase(t.url, user.token);
    const wechat = t.s.ctx.vendors.wechat;
    const realQuery = wechat.queryOrder.bind(wechat);
    const realClose = wechat.closeOrder.bind(wechat);
    wechat.queryOrder = async (no) => {
      const tx = await realQuery(no);
      return tx && { ...tx, trade_state: 'PAYERROR', trade_state_desc: '支付失败' };
    };
    wechat.closeOrder = () =>
      Promise.reject(new VendorError('wechatpay', 'close: HTTP 500 SYSTEM_ERROR', { status: 500, retryable: true }));
    const read = async () => {
      clock.advance(5000); // past the query grace and the per-order query interval
      return (await call(t.url, 'GET', `/membership/orders/${order.orderId}`, { token: user.token })).body.status;
    };
    try {
      expect(await read()).toBe('pending');
      expect(await read()).toBe('pending');
      wechat.closeOrder = realClose;
      expect(await read()).toBe('failed');
    } finally {
      wechat.queryOrder = realQuery;
      wechat.closeOrder = realClose;
    }
    expect(wxCalls(t.s, order.orderId)).toMatchObject({ query: 3, close: 1 });
    expect(wxState(order.orderId)).toBe('CLOSED');
  });

  it('one order the reconciler cannot handle is logged and skipped; the orders after it are reconciled', async () => {
    clock.set(Date.now() - 2 * MIN_MS);
    const a = await login(t.url);
    const b = await login(t.url);
    const stuck = await purchase(t.url, a.token);
    clock.advance(1000); // the reconciler takes the oldest first: the stuck one
    const lost = await purchase(t.url, b.token);
    await t.s.sandbox!.wxpay.pay(lost.orderId, { deliver: false });
    clock.set(Date.now());
    const { Order } = t.s.db.models;
    const realFindByPk = Order.findByPk;
    Order.findByPk = function (this: typeof Order, pk: unknown, ...rest: unknown[]) {
      if (pk === stuck.orderId) return Promise.reject(new Error('injected failure'));
      return realFindByPk.call(this, pk as string, ...(rest as []));
    } as typeof Order.findByPk;
    try {
      await runSlowJobs(t.s);
    } finally {
      Order.findByPk = realFindByPk;
    }
    expect(wxCalls(t.s, stuck.orderId).query).toBe(1);
    expect(wxCalls(t.s, lost.orderId).query).toBe(1);
    await expectGrantedOnce(t.s, b.userId, lost.orderId);
    expect((await local(stuck.orderId)).status).toBe('pending');
  });

  it('one user the expiry sweep cannot lapse is logged and skipped; the users after it are lapsed', async () => {
    clock.set(Date.now());
    const { User } = t.s.db.models;
    const [a, b] = [await login(t.url), await login(t.url)];
    await User.update({ isMember: true, quotaExpireAt: new Date(clock.ms() - 1000) }, { where: { id: [a.userId, b.userId] } });
    const realFindByPk = User.findByPk;
    User.findByPk = function (this: typeof User, pk: unknown, ...rest: unknown[]) {
      if (pk === a.userId) return Promise.reject(new Error('injected failure'));
      return realFindByPk.call(this, pk as string, ...(rest as []));
    } as typeof User.findByPk;
    try {
      await sweepExpiredMemberships(t.s.ctx);
    } finally {
      User.findByPk = realFindByPk;
    }
    expect((await User.findByPk(a.userId))?.isMember).toBe(true);
    expect((await User.findByPk(b.userId))?.isMember).toBe(false);
    await sweepExpiredMemberships(t.s.ctx);
    expect((await User.findByPk(a.userId))?.isMember).toBe(false);
  });

  it('orders whose prepay was cut off before the code was stored end 5 min after creation: closed, or failed if unknown', async () => {
    clock.set(Date.now() - 6 * MIN_MS);
    const user = await login(t.url);
    const cutOff = () => t.s.db.models.Order.create(newPendingOrder(t.s.ctx, user.userId, 'wx', clock.now()));
    const neverSent = await cutOff();
    const prepaid = await cutOff(); // the prepay reached WeChat, its answer was lost with the process
    await t.s.ctx.vendors.wechat.nativePrepay({
      outTradeNo: prepaid.id,
      description: t.s.ctx.config.wechat.description,
      amountFen: prepaid.amountFen,
      timeExpire: prepaid.expiresAt,
      notifyUrl: `${t.s.ctx.config.publicBaseUrl}/membership/payment-callback`,
    });
    clock.set(Date.now());
    await runSlowJobs(t.s);
    expect(await local(neverSent.id)).toMatchObject({ status: 'failed', failReason: 'prepay failed' });
    expect(await local(prepaid.id)).toMatchObject({ status: 'closed' });
    expect(wxState(prepaid.id)).toBe('CLOSED');
    expect(wxCalls(t.s, prepaid.id)).toEqual({ prepay: 1, query: 1, close: 1 });
  });
});
