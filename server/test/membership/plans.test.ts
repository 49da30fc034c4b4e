/**
 * Plans and packs (issue 13), on every database kind: the default is exactly the configured one plan; the operator
 * turns on a 3-month length at its own price in the admin; an order records what it sold, so a later price change
 * never alters it; a 3-month order grants 300 次 and 90 天 and a half refund takes back half of each; a 加量包 needs an
 * active membership, adds quota without extending anything, refunds proportionally and lapses with the membership;
 * a plan turned off cannot be bought. Both channels sell them.
 */
import { describe, expect, it } from 'vitest';
import { buyMembership, call, login } from '../support/client.js';
import { MONEY_DBS, type DbKind } from '../support/server.js';
import { DAY_MS, usePaymentServer, waitForOrderStatus } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('plans and packs on %s', (db) => {
  const t = usePaymentServer(db, { admin: true });
  const { clock } = t;
  const buy = async (token: string, planId: string, channel: 'wx' | 'alipay' = 'wx') => {
    const p = await call(t.url, 'POST', '/membership/purchase', { token, body: { channel, planId } });
    if (p.status !== 201) throw new Error(`purchase ${p.status} ${JSON.stringify(p.body)}`);
    const paid = await call(t.url, 'POST', `/sandbox/${channel === 'alipay' ? 'alipay' : 'wxpay'}/orders/${p.body.orderId}/pay`);
    expect(paid.body.delivered).toBe(true);
    return p.body as { orderId: string; amountFen: number };
  };
  const user = async (userId: string) => (await t.s.db.models.User.findByPk(userId))!;

  it('the default: exactly the configured plan (9900 分, 100 次, 30 天) is on sale', async () => {
    const r = await call(t.url, 'GET', '/plans');
    expect(r.status).toBe(200);
    expect(r.body.plans).toEqual([
      { id: 'membership-1m', kind: 'membership', name: '会员 1 个月', months: 1, priceFen: 9900, quota: 100, days: 30 },
    ]);
    const all = await t.admin.get('/plans');
    expect(all.body.plans.map((p: { id: string; enabled: boolean }) => [p.id, p.enabled])).toEqual([
      ['membership-1m', true],
      ['membership-3m', false],
      ['membership-6m', false],
      ['membership-12m', false],
      ['pack-1', false],
    ]);
  });

  it('3 months at the operator’s price: 300 次 and 90 天; the order keeps its price when the plan changes; half a refund takes back half', async () => {
    clock.set(Date.now());
    const on = await t.admin.patch('/plans/membership-3m', { priceFen: 26_900, enabled: true, reason: '季度优惠' });
    expect(on.status).toBe(200);
    expect(on.body.plan).toMatchObject({ id: 'membership-3m', priceFen: 26_900, quota: 300, days: 90, enabled: true });
    const who = await login(t.url);
    const created = await call(t.url, 'POST', '/membership/purchase', {
      token: who.token,
      body: { channel: 'alipay', planId: 'membership-3m' },
    });
    expect(created.body.amountFen).toBe(26_900);
    // the price changes before the payment: the order sold at 269 元 stays 269 元, 300 次, 90 天
    await t.admin.patch('/plans/membership-3m', { priceFen: 29_900, quota: 330 });
    await call(t.url, 'POST', `/sandbox/alipay/orders/${created.body.orderId}/pay`);
    const order = (await t.s.db.models.Order.findByPk(created.body.orderId))!;
    expect(order).toMatchObject({ status: 'paid', amountFen: 26_900, quota: 300, days: 90, planId: 'membership-3m', channel: 'alipay' });
    const u = await user(who.userId);
    expect(u.quotaRemaining).toBe(300);
    expect(Math.round((u.quotaExpireAt!.getTime() - clock.ms()) / DAY_MS)).toBe(90);
    const refund = await t.admin.post(`/orders/${order.id}/refunds`, { amountFen: 13_450, reason: '退一半' });
    expect(refund.status).toBe(201);
    await waitForOrderStatus(t.s, order.id, 'partially_refunded');
    const after = await user(who.userId);
    expect(after.quotaRemaining).toBe(150);
    expect(Math.round((after.quotaExpireAt!.getTime() - clock.ms()) / DAY_MS)).toBe(45);
    // a second partial refund of the same Alipay trade a minute later: its own out_request_no and refund row
    clock.advance(61_000);
    expect((await t.admin.post(`/orders/${order.id}/refunds`, { amountFen: 2_690, reason: '再退一成' })).status).toBe(201);
    await expect.poll(async () => (await t.s.db.models.Order.findByPk(order.id))?.refundedFen, { timeout: 10_000 }).toBe(16_140);
    const rows = await t.s.db.models.Refund.findAll({ where: { orderId: order.id } });
    expect(rows.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(new Set(rows.map((r) => r.wxRefundId)).size).toBe(2);
    expect((await user(who.userId)).quotaRemaining).toBe(120);
  });

  it('a 加量包 needs a running membership; it adds quota, extends nothing, refunds proportionally and lapses with the membership', async () => {
    clock.set(Date.now());
    await t.admin.patch('/plans/pack-1', { priceFen: 4_900, enabled: true });
    const who = await login(t.url);
    const refused = await call(t.url, 'POST', '/membership/purchase', { token: who.token, body: { channel: 'wx', planId: 'pack-1' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'NOT_MEMBER', message: '加量包需在会员有效期内购买，请先开通或续费会员' });
    await buyMembership(t.url, who.token);
    const expiry = (await user(who.userId)).quotaExpireAt!.getTime();
    const pack = await buy(who.token, 'pack-1', 'alipay');
    expect(pack.amountFen).toBe(4_900);
    const u = await user(who.userId);
    expect(u.quotaRemaining).toBe(200);
    expect(u.quotaExpireAt!.getTime()).toBe(expiry);
    const ledger = await t.s.db.models.QuotaLog.findAll({ where: { orderId: pack.orderId } });
    expect(ledger.map((l) => [l.action, l.amount, l.reason])).toEqual([['grant', 100, '购买加量包 +100 次']]);
    // a fifth of the pack's price back: a fifth of its quota, and the expiry stays
    await t.admin.post(`/orders/${pack.orderId}/refunds`, { amountFen: 980, reason: '部分退款' });
    await waitForOrderStatus(t.s, pack.orderId, 'partially_refunded');
    expect((await user(who.userId)).quotaRemaining).toBe(180);
    expect((await user(who.userId)).quotaExpireAt!.getTime()).toBe(expiry);
    // the membership ends: the pack's quota ends with it
    clock.set(expiry + 1000);
    const status = await call(t.url, 'GET', '/membership/status', { token: who.token });
    expect(status.body).toMatchObject({ isMember: false, quotaRemaining: 0 });
    clock.set(Date.now());
  });

  it('a plan turned off cannot be bought (400 PLAN_UNAVAILABLE), nor one that does not exist; GET /plans lists only what is on', async () => {
    await t.admin.patch('/plans/membership-3m', { enabled: false });
    const who = await login(t.url);
    for (const planId of ['membership-3m', 'no-such-plan']) {
      const r = await call(t.url, 'POST', '/membership/purchase', { token: who.token, body: { channel: 'wx', planId } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('PLAN_UNAVAILABLE');
    }
    expect((await call(t.url, 'GET', '/plans')).body.plans.map((p: { id: string }) => p.id)).toEqual(['membership-1m', 'pack-1']);
  });

  it('the admin creates a 12-month plan and a second pack; changes are audited; bad plans are refused', async () => {
    const year = await t.admin.post('/plans', {
      kind: 'membership',
      months: 12,
      days: 365,
      name: '年度会员',
      priceFen: 99_900,
      quota: 1500,
      enabled: true,
      sortOrder: 5,
    });
    expect(year.status).toBe(201);
    expect(year.body.plan).toMatchObject({ kind: 'membership', months: 12, days: 365, quota: 1500 });
    const pack = await t.admin.post('/plans', {
      kind: 'pack',
      name: '加量包 500 次',
      priceFen: 19_900,
      quota: 500,
      enabled: true,
      sortOrder: 11,
    });
    expect(pack.body.plan).toMatchObject({ kind: 'pack', months: 0, days: 0 });
    expect(
      (
        await t.admin.post('/plans', {
          kind: 'membership',
          months: 2,
          days: 60,
          name: 'x',
          priceFen: 1,
          quota: 1,
          enabled: true,
          sortOrder: 1,
        })
      ).status,
    ).toBe(400);
    expect((await t.admin.patch(`/plans/${pack.body.plan.id}`, { days: 30 })).status).toBe(400);
    // a change without the session's CSRF token is refused and changes nothing
    const forged = await t.admin.request('PATCH', `/admin/api/plans/${pack.body.plan.id}`, { body: { priceFen: 1 }, csrf: false });
    expect([forged.status, forged.body.error.code]).toEqual([403, 'CSRF']);
    expect((await t.s.db.models.Plan.findByPk(pack.body.plan.id))?.priceFen).toBe(19_900);
    const audit = await t.admin.get('/audit-log');
    const actions = audit.body.items.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['plan.create', 'plan.update']));
  });

  it('the dashboard splits this month’s revenue by plan and channel', async () => {
    const d = await t.admin.get('/dashboard');
    const by = d.body.revenueMonthBy as {
      planId: string;
      channel: string;
      orders: number;
      grossFen: number;
      refundsFen: number;
      netFen: number;
    }[];
    const row = (planId: string, channel: string) => by.find((r) => r.planId === planId && r.channel === channel);
    expect(row('membership-3m', 'alipay')).toMatchObject({ orders: 1, grossFen: 26_900, refundsFen: 16_140, netFen: 10_760 });
    expect(row('pack-1', 'alipay')).toMatchObject({ orders: 1, grossFen: 4_900, refundsFen: 980 });
    expect(row('membership-1m', 'wx')).toMatchObject({ orders: 1, grossFen: 9_900, refundsFen: 0 });
    expect(by.reduce((s, r) => s + r.netFen, 0)).toBe(d.body.revenueMonthFen);
    const alipayOrders = await t.admin.get('/orders?channel=alipay');
    expect(alipayOrders.body.items.every((o: { channel: string }) => o.channel === 'alipay')).toBe(true);
    expect(alipayOrders.body.items).toHaveLength(2);
  });
});
