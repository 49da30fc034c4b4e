/**
 * Admin orders over HTTP on SQLite and MariaDB: list and detail (WeChat transaction id), sync with WeChat Pay of a
 * payment whose notification was lost (grants exactly once, also with 10 admins at once), closing a stale pending
 * order at WeChat Pay (and the ORDERPAID case, which grants instead), 409 for an order that is not pending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminOrderSchema, adminPage } from '@aizhao/shared';
import { login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { expectGrantedOnce, expectNothingGranted, purchase } from '../membership/helpers.js';
import { adminLogin, startAdminServer, type AdminClient } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('admin orders on %s', (db) => {
  let s: TestServer;
  let admin: AdminClient;
  const orders: Record<'lost' | 'raced' | 'stale' | 'paidLate', { orderId: string; userId: string }> = {} as never;

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db, jobs: false }));
    admin = await adminLogin(s.url, password);
    for (const k of ['lost', 'raced', 'stale', 'paidLate'] as const) {
      const m = await login(s.url);
      orders[k] = { orderId: (await purchase(s.url, m.token)).orderId, userId: m.userId };
    }
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  const wx = () => s.sandbox!.wxpay;

  it('syncs an unpaid order (asks WeChat, nothing changes), then a payment whose notification was lost: granted once', async () => {
    const { orderId, userId } = orders.lost;
    const unpaid = await admin.post(`/orders/${orderId}/sync`);
    expect(unpaid.status).toBe(200);
    expect(adminOrderSchema.parse(unpaid.body.order)).toMatchObject({ id: orderId, status: 'pending', transactionId: null });
    expect(wx().stats().byOrder[orderId]!.query).toBe(1);
    await expectNothingGranted(s, userId, orderId);

    await wx().pay(orderId, { deliver: false });
    const paid = await admin.post(`/orders/${orderId}/sync`, { reason: 'merchant says they paid' });
    expect(paid.status).toBe(200);
    expect(paid.body.order).toMatchObject({ status: 'paid', transactionId: wx().getOrder(orderId)!.transaction_id, paidAt: expect.any(String) });
    await expectGrantedOnce(s, userId, orderId);
    const again = await admin.post(`/orders/${orderId}/sync`);
    expect(again.body.order.status).toBe('paid');
    expect(wx().stats().byOrder[orderId]!.query).toBe(2); // a paid order is not asked about again
    await expectGrantedOnce(s, userId, orderId);
    const audits = await s.db.models.AdminAuditLog.findAll({ where: { targetType: 'order', targetId: orderId }, order: [['id', 'ASC']] });
    expect(audits.map((a) => [a.action, a.reason, a.details])).toEqual([
      ['order.sync', null, { before: 'pending', after: 'pending' }],
      ['order.sync', 'merchant says they paid', { before: 'pending', after: 'paid' }],
      ['order.sync', null, { before: 'paid', after: 'paid' }],
    ]);
  });

  it('10 admins syncing one lost payment at once grant it once', async () => {
    const { orderId, userId } = orders.raced;
    await wx().pay(orderId, { deliver: false });
    const rs = await Promise.all(Array.from({ length: 10 }, () => admin.post(`/orders/${orderId}/sync`)));
    expect(rs.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(rs.map((r) => r.body.order.status)).toContain('paid');
    await expectGrantedOnce(s, userId, orderId);
  });

  it('closes a stale pending order at WeChat Pay and here; a second close is 409 ORDER_NOT_PENDING', async () => {
    const { orderId, userId } = orders.stale;
    const r = await admin.post(`/orders/${orderId}/close`, { reason: 'stale' });
    expect(r.status).toBe(200);
    expect(r.body.order).toMatchObject({ id: orderId, status: 'closed', closedAt: expect.any(String) });
    expect(wx().getOrder(orderId)!.trade_state).toBe('CLOSED');
    expect(wx().stats().byOrder[orderId]!.close).toBe(1);
    for (const id of [orderId, orders.lost.orderId]) {
      const again = await admin.post(`/orders/${id}/close`);
      expect([again.status, again.body.error.code]).toEqual([409, 'ORDER_NOT_PENDING']);
    }
    expect(wx().stats().byOrder[orderId]!.close).toBe(1);
    const row = await s.db.models.Order.findByPk(orderId);
    expect(row?.status).toBe('closed');
    expect(await s.db.models.QuotaLog.count({ where: { userId } })).toBe(0);
    const audit = await s.db.models.AdminAuditLog.findOne({ where: { targetId: orderId } });
    expect([audit?.action, audit?.reason, audit?.details]).toEqual(['order.close', 'stale', { wechat: 'closed', after: 'closed' }]);
  });

  it('closing an order WeChat says is paid (ORDERPAID) applies the payment instead', async () => {
    const { orderId, userId } = orders.paidLate;
    await wx().pay(orderId, { deliver: false });
    const r = await admin.post(`/orders/${orderId}/close`);
    expect(r.status).toBe(200);
    expect(r.body.order.status).toBe('paid');
    await expectGrantedOnce(s, userId, orderId);
  });

  it('lists orders newest first by status and date with cursors, and shows one', async () => {
    const all = adminPage(adminOrderSchema).parse((await admin.get('/orders')).body);
    expect(all.items.map((o) => o.id)).toEqual([orders.paidLate, orders.stale, orders.raced, orders.lost].map((o) => o.orderId));
    const ids = async (q: string) => ((await admin.get(`/orders?${q}`)).body.items as { id: string }[]).map((o) => o.id);
    expect(await ids('status=closed')).toEqual([orders.stale.orderId]);
    expect(await ids('status=paid&limit=2')).toEqual([orders.paidLate.orderId, orders.raced.orderId]);
    expect(await ids('status=pending')).toEqual([]);
    const page1 = await admin.get('/orders?status=paid&limit=2');
    const page2 = await admin.get(`/orders?status=paid&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.map((o: { id: string }) => o.id)).toEqual([orders.lost.orderId]);
    expect(page2.body.nextCursor).toBeNull();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(await ids(`from=${today}&to=${today}&status=closed`)).toEqual([orders.stale.orderId]);
    expect(await ids('to=2020-01-01')).toEqual([]);

    const one = await admin.get(`/orders/${orders.lost.orderId}`);
    expect(one.status).toBe(200);
    expect(adminOrderSchema.parse(one.body.order)).toMatchObject({ id: orders.lost.orderId, userId: orders.lost.userId, status: 'paid', amountFen: 9900, channel: 'wx' });
    expect(one.body.order.transactionId).toMatch(/^4200\d{24}$/);
    expect((await admin.get('/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await admin.post('/orders/01HZZZZZZZZZZZZZZZZZZZZZZZ/sync')).status).toBe(404);
    expect((await admin.get('/orders?status=refunded')).status).toBe(200); // a refund state is a filter
    expect((await admin.get('/orders?status=nonsense')).status).toBe(400);
  });
});
