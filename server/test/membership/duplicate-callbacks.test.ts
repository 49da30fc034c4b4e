/**
 * Idempotent granting (docs/api.md: "any number of callbacks and queries for one order grant once"), on SQLite and on
 * MariaDB: 100 deliveries of the SUCCESS notification for one order, 20 of them at the same time, grant exactly once
 * and are all answered 204 — by the emulated WeChat Pay (sandbox `pay` + `notify` routes) and by our own signed
 * notifications racing for the first grant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import {
  createTestWechatIdentity,
  deliver,
  expectGrantedOnce,
  expectNothingGranted,
  purchase,
  signedNotification,
  successTransaction,
  type TestWechatIdentity,
} from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('100 duplicate callbacks for one order on %s', (db) => {
  let id: TestWechatIdentity;
  let s: TestServer;
  let base: string;

  beforeAll(async () => {
    id = createTestWechatIdentity();
    s = await startTestServer({ db, env: id.env, jobs: false });
    base = s.url;
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
    id.cleanup();
  });

  const notify = async (orderId: string, times: number, parallel: boolean): Promise<number[]> => {
    const r = await call(base, 'POST', `/sandbox/wxpay/orders/${orderId}/notify`, { body: { times, parallel } });
    expect(r.status).toBe(200);
    return r.body.statuses as number[];
  };

  const expectOneGrant = async (user: { token: string; userId: string }, orderId: string) => {
    await expectGrantedOnce(s, user.userId, orderId);
    const me = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
    expect(await s.db.models.QuotaLog.count({ where: { userId: user.userId } })).toBe(1);
    const view = await call(base, 'GET', `/membership/orders/${orderId}`, { token: user.token });
    expect(view.body).toMatchObject({ status: 'paid' });
  };

  it('sandbox pay (1 delivery) + 20 simultaneous + 79 sequential re-deliveries → 100 × 204, one grant', async () => {
    const user = await login(base);
    const { orderId } = await purchase(base, user.token);
    const paid = await call(base, 'POST', `/sandbox/wxpay/orders/${orderId}/pay`);
    expect(paid.body).toEqual({ delivered: true, status: 204 });
    const statuses = [paid.body.status as number, ...(await notify(orderId, 20, true)), ...(await notify(orderId, 79, false))];
    expect(statuses).toHaveLength(100);
    expect(statuses.filter((st) => st === 204)).toHaveLength(100);
    await expectOneGrant(user, orderId);
    const row = await s.db.models.Order.findByPk(orderId);
    expect(row?.transactionId).toBe(s.sandbox!.wxpay.getOrder(orderId)?.transaction_id);
  });

  it('paid at WeChat, first notification lost, then 20 simultaneous + 80 sequential deliveries race for the grant', async () => {
    const user = await login(base);
    const { orderId } = await purchase(base, user.token);
    expect(await s.sandbox!.wxpay.pay(orderId, { deliver: false })).toEqual({ delivered: false, status: 0 });
    await expectNothingGranted(s, user.userId, orderId);
    const statuses = [...(await notify(orderId, 20, true)), ...(await notify(orderId, 80, false))];
    expect(statuses).toHaveLength(100);
    expect(statuses.filter((st) => st === 204)).toHaveLength(100);
    await expectOneGrant(user, orderId);
  });

  it('our own signed notifications: 20 with Promise.all before any grant, then 80 more → 100 × 204, one grant', async () => {
    const user = await login(base);
    const order = await purchase(base, user.token);
    const tx = successTransaction(id, order);
    const burst = await Promise.all(Array.from({ length: 20 }, () => deliver(base, signedNotification(id, tx))));
    const rest: number[] = [];
    for (let i = 0; i < 80; i++) rest.push((await deliver(base, signedNotification(id, tx))).status);
    const statuses = [...burst.map((r) => r.status), ...rest];
    expect(statuses).toHaveLength(100);
    expect(statuses.filter((st) => st === 204)).toHaveLength(100);
    await expectOneGrant(user, order.orderId);
    expect((await s.db.models.Order.findByPk(order.orderId))?.transactionId).toBe(tx.transaction_id);
  });

  it('three orders of three merchants: three paid orders, three grant rows in all', async () => {
    expect(await s.db.models.Order.count({ where: { status: 'paid' } })).toBe(3);
    expect(await s.db.models.QuotaLog.count({ where: { action: 'grant' } })).toBe(3);
    expect(await s.db.models.QuotaLog.count()).toBe(3);
  });
});
