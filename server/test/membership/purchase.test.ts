/**
 * POST /membership/purchase and GET /membership/orders/:id (docs/api.md): 201 for a new order, 200 with the
 * same unexpired pending order afterwards (one prepay at WeChat), UNSUPPORTED_CHANNEL, someone else's order, no token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { mutableClock } from './helpers.js';

describe('membership purchase', () => {
  const clock = mutableClock();
  let s: TestServer;
  let base: string;
  let alice: { token: string; userId: string };
  let bob: { token: string; userId: string };
  let aliceOrder: { orderId: string; codeUrl: string; amountFen: number; expiresAt: string };

  beforeAll(async () => {
    s = await startTestServer({ jobs: false, now: clock.now });
    base = s.url;
    alice = await login(base);
    bob = await login(base);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it.each([
    ['GET', '/membership/status', undefined],
    ['POST', '/membership/purchase', { channel: 'wx' }],
    ['GET', '/membership/orders/01JZ0000000000000000000000', undefined],
  ] as const)('%s %s → 401 UNAUTHENTICATED without a token or with a bad one', async (method, path, body) => {
    for (const token of [undefined, 'not-a-jwt', `${alice.token.slice(0, -4)}AAAA`]) {
      const r = await call(base, method, path, { body, token });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(await s.db.models.Order.count()).toBe(0);
  });

  it('a new merchant is not a member and sees the plan', async () => {
    const r = await call(base, 'GET', '/membership/status', { token: alice.token });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ isMember: false, quotaRemaining: 0, quotaExpireAt: null, plan: { priceFen: 9900, quota: 100, days: 30 } });
  });

  it('an unsupported channel → 400 UNSUPPORTED_CHANNEL and no order (alipay is a channel now: test/alipay)', async () => {
    for (const channel of ['unionpay', 'WX', 'Alipay', '']) {
      const r = await call(base, 'POST', '/membership/purchase', { token: alice.token, body: { channel } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('UNSUPPORTED_CHANNEL');
    }
    expect(await s.db.models.Order.count()).toBe(0);
    expect(s.sandbox!.wxpay.stats().prepays).toBe(0);
  });

  it('201 with a new pending order and its Native code_url', async () => {
    const r = await call(base, 'POST', '/membership/purchase', { token: alice.token, body: { channel: 'wx' } });
    expect(r.status).toBe(201);
    aliceOrder = r.body;
    expect(Object.keys(aliceOrder).sort()).toEqual(['amountFen', 'codeUrl', 'expiresAt', 'orderId']);
    expect(aliceOrder.amountFen).toBe(9900);
    expect(aliceOrder.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(aliceOrder.expiresAt).toBe(new Date(clock.ms() + 30 * 60_000).toISOString());
    const atWechat = s.sandbox!.wxpay.getOrder(aliceOrder.orderId);
    expect(atWechat).toMatchObject({ trade_state: 'NOTPAY', code_url: aliceOrder.codeUrl, amount: { total: 9900 } });
    expect(atWechat?.notify_url).toBe(`${s.ctx.config.publicBaseUrl}/membership/payment-callback`);
    const view = await call(base, 'GET', `/membership/orders/${aliceOrder.orderId}`, { token: alice.token });
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      orderId: aliceOrder.orderId,
      status: 'pending',
      amountFen: 9900,
      createdAt: new Date(clock.ms()).toISOString(),
      paidAt: null,
    });
  });

  it('200 with the same unexpired pending order (same orderId and codeUrl, no second prepay)', async () => {
    clock.advance(10 * 60_000);
    for (let i = 0; i < 3; i++) {
      const r = await call(base, 'POST', '/membership/purchase', { token: alice.token, body: { channel: 'wx' } });
      expect(r.status).toBe(200);
      expect(r.body).toEqual(aliceOrder);
    }
    const concurrent = await Promise.all(
      Array.from({ length: 5 }, () => call(base, 'POST', '/membership/purchase', { token: alice.token, body: { channel: 'wx' } })),
    );
    expect(concurrent.map((r) => [r.status, r.body.orderId])).toEqual(Array(5).fill([200, aliceOrder.orderId]));
    expect(await s.db.models.Order.count({ where: { userId: alice.userId } })).toBe(1);
    expect(s.sandbox!.wxpay.stats().prepays).toBe(1);
  });

  it('another merchant gets their own order; someone else’s order → 404', async () => {
    const r = await call(base, 'POST', '/membership/purchase', { token: bob.token, body: { channel: 'wx' } });
    expect(r.status).toBe(201);
    expect(r.body.orderId).not.toBe(aliceOrder.orderId);
    expect(r.body.codeUrl).not.toBe(aliceOrder.codeUrl);
    const peek = await call(base, 'GET', `/membership/orders/${aliceOrder.orderId}`, { token: bob.token });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe('NOT_FOUND');
    const other = await call(base, 'GET', `/membership/orders/${r.body.orderId}`, { token: alice.token });
    expect(other.status).toBe(404);
    for (const unknown of ['01JZ0000000000000000000000', 'x', '%27%20OR%201%3D1']) {
      const u = await call(base, 'GET', `/membership/orders/${unknown}`, { token: alice.token });
      expect(u.status).toBe(404);
    }
    expect(s.sandbox!.wxpay.stats().prepays).toBe(2);
  });

  it('an order with under a minute left is closed at WeChat before a new QR code is issued', async () => {
    const r0 = await call(base, 'POST', '/membership/purchase', { token: bob.token, body: { channel: 'wx' } });
    expect(r0.status).toBe(200); // bob's order from above, still fresh
    const closesBefore = s.sandbox!.wxpay.stats().closes;
    clock.set(new Date(r0.body.expiresAt).getTime() - 30_000);
    const r = await call(base, 'POST', '/membership/purchase', { token: bob.token, body: { channel: 'wx' } });
    expect(r.status).toBe(201);
    expect(r.body.orderId).not.toBe(r0.body.orderId);
    expect(s.sandbox!.wxpay.stats().closes).toBe(closesBefore + 1);
    expect(s.sandbox!.wxpay.getOrder(r0.body.orderId)?.trade_state).toBe('CLOSED');
    expect((await s.db.models.Order.findByPk(r0.body.orderId))?.status).toBe('closed');
    const pay = await call(base, 'POST', `/sandbox/wxpay/orders/${r0.body.orderId}/pay`);
    expect(pay.status).toBe(409); // the old QR code can no longer be paid
  });

  it('once the pending order has expired, purchase creates a new one (201)', async () => {
    clock.set(new Date(aliceOrder.expiresAt).getTime());
    const r = await call(base, 'POST', '/membership/purchase', { token: alice.token, body: { channel: 'wx' } });
    expect(r.status).toBe(201);
    expect(r.body.orderId).not.toBe(aliceOrder.orderId);
    expect(await s.db.models.Order.count({ where: { userId: alice.userId } })).toBe(2);
  });
});
