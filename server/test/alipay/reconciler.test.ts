/**
 * Alipay orders in the reconciler and the order query, on every database kind: a payment whose notification was
 * lost is found by alipay.trade.query (GET /membership/orders/:id and the reconciler) and granted once; an expired
 * code nobody scanned (ACQ.TRADE_NOT_EXIST at close) ends `closed`; a trade paid while we close it is granted;
 * switching channel closes the other pending order first. Every order ends paid / closed / failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, MONEY_DBS, type DbKind, type TestServer } from '../support/server.js';
import { expectGrantedOnce, MIN_MS, mutableClock, runSlowJobs } from '../membership/helpers.js';
import { purchaseAlipay } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('Alipay orders in the reconciler on %s', (db) => {
  let s: TestServer;
  const clock = mutableClock();

  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false, now: clock.now });
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });
  const calls = (orderId: string) => s.sandbox!.alipay!.stats().byOrder[orderId] ?? {};

  it('a lost notification: the order query (after 3 s) asks alipay.trade.query and grants once', async () => {
    clock.set(Date.now());
    const user = await login(s.url);
    const { orderId } = await purchaseAlipay(s.url, user.token);
    await s.sandbox!.alipay!.pay(orderId, { deliver: false });
    expect((await call(s.url, 'GET', `/membership/orders/${orderId}`, { token: user.token })).body.status).toBe('pending');
    expect(calls(orderId).query ?? 0).toBe(0);
    clock.advance(4000);
    expect((await call(s.url, 'GET', `/membership/orders/${orderId}`, { token: user.token })).body.status).toBe('paid');
    expect(calls(orderId).query).toBe(1);
    await expectGrantedOnce(s, user.userId, orderId);
  });

  it('a lost notification: the reconciler finds the payment a minute later', async () => {
    clock.set(Date.now());
    const user = await login(s.url);
    const { orderId } = await purchaseAlipay(s.url, user.token);
    await s.sandbox!.alipay!.pay(orderId, { deliver: false });
    clock.advance(61_000);
    await runSlowJobs(s);
    await expectGrantedOnce(s, user.userId, orderId);
  });

  it('an expired code nobody scanned: the reconciler closes it (alipay.trade.close → ACQ.TRADE_NOT_EXIST) → closed', async () => {
    clock.set(Date.now());
    const user = await login(s.url);
    const { orderId } = await purchaseAlipay(s.url, user.token);
    clock.advance(31 * MIN_MS);
    await runSlowJobs(s);
    const order = await s.db.models.Order.findByPk(orderId);
    expect(order?.status).toBe('closed');
    expect(calls(orderId).close).toBe(1);
    expect(await s.db.models.QuotaLog.count({ where: { userId: user.userId } })).toBe(0);
  });

  it('a code paid just before the close: the close answers ACQ.TRADE_STATUS_ERROR, the query shows it paid → granted', async () => {
    clock.set(Date.now());
    const user = await login(s.url);
    const { orderId } = await purchaseAlipay(s.url, user.token);
    await s.sandbox!.alipay!.pay(orderId, { deliver: false });
    // the query throttle is spent, so the first thing the reconciler does past time_expire is the close
    await s.db.models.Order.update({ lastQueriedAt: new Date(clock.ms() + 31 * MIN_MS) }, { where: { id: orderId } });
    clock.advance(31 * MIN_MS + 30_000);
    const order = (await s.db.models.Order.findByPk(orderId))!;
    const { closeOrderAtChannel } = await import('../../src/modules/membership/channels.js');
    expect(await closeOrderAtChannel(s.ctx, order)).toBe('paid');
    await expectGrantedOnce(s, user.userId, orderId);
  });

  it('switching from 支付宝 to 微信支付 closes the pending Alipay order first; the WeChat order is new', async () => {
    clock.set(Date.now());
    const user = await login(s.url);
    const alipayOrder = await purchaseAlipay(s.url, user.token);
    const again = await call(s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'alipay' } });
    expect(again.status).toBe(200);
    expect(again.body.orderId).toBe(alipayOrder.orderId);
    const wx = await call(s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } });
    expect(wx.status).toBe(201);
    expect(wx.body.orderId).not.toBe(alipayOrder.orderId);
    expect((await s.db.models.Order.findByPk(alipayOrder.orderId))?.status).toBe('closed');
    expect((await s.db.models.Order.findByPk(wx.body.orderId))?.channel).toBe('wx');
  });

  it('every order has ended but none still pending past its expiry', async () => {
    clock.advance(60 * MIN_MS);
    await runSlowJobs(s);
    const pending = await s.db.models.Order.count({ where: { status: 'pending' } });
    expect(pending).toBe(0);
  });
});
