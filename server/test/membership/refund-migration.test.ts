/**
 * Migration 08 (refunds) on SQLite and MariaDB: the orders table keeps every index (SQLite's changeColumn would rebuild
 * it without them), orders.status holds `partially_refunded`, and the ledger's order key is (orderId, action, refundId).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';

const ORDER_INDEXES = [
  'idx_orders_createdAt',
  'idx_orders_status_createdAt',
  'idx_orders_status_paidAt',
  'idx_orders_userId_createdAt',
  'idx_orders_userId_paidAt',
  'idx_orders_userId_status',
];

describe.each<DbKind>(MONEY_DBS)('migration 08 on %s', (db) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false });
  });
  afterAll(async () => {
    await s.destroy();
  });

  const indexes = async (table: string) =>
    (await s.db.sequelize.getQueryInterface().showIndex(table)) as unknown as {
      name: string;
      unique: boolean;
      fields: { attribute: string }[];
    }[];

  it('keeps the orders indexes', async () => {
    const names = (await indexes('orders')).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(ORDER_INDEXES));
  });

  it('keys the ledger by (orderId, action, refundId) instead of (orderId, action)', async () => {
    const all = await indexes('quota_logs');
    expect(all.map((i) => i.name)).not.toContain('uq_quota_logs_order_action');
    const key = all.find((i) => i.name === 'uq_quota_logs_order_action_refund');
    expect(key?.unique).toBe(true);
    expect(key?.fields.map((f) => f.attribute)).toEqual(['orderId', 'action', 'refundId']);
  });

  it('stores the longest order state', async () => {
    const { Order } = s.db.models;
    const now = new Date();
    await Order.create({
      id: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
      userId: 'u',
      status: 'partially_refunded',
      amountFen: 1,
      quota: 1,
      days: 1,
      channel: 'wx',
      codeUrl: null,
      transactionId: null,
      expiresAt: now,
      paidAt: now,
      closedAt: null,
      lastQueriedAt: null,
      failReason: null,
    });
    expect((await Order.findByPk('01HZZZZZZZZZZZZZZZZZZZZZZZ'))?.status).toBe('partially_refunded');
  });
});
