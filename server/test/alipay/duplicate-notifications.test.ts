/**
 * One grant per Alipay order under any number of notifications, on every database kind: the emulated Alipay's own
 * delivery plus 20 simultaneous and 79 sequential re-deliveries (100 in all, each answered `success`); the first one
 * lost and then 100 racing; and our own signed notifications racing the order query.
 */
import { describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { ledgerCheckedServer } from '../support/invariants.js';
import { MONEY_DBS, type DbKind } from '../support/server.js';
import { expectGrantedOnce, expectNothingGranted } from '../membership/helpers.js';
import { alipayKey, paidNotification, postNotification, purchaseAlipay, signed } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('100 duplicate Alipay notifications for one order on %s', (db) => {
  const srv = ledgerCheckedServer({ db, jobs: false });

  const notify = async (orderId: string, times: number, parallel: boolean): Promise<string[]> => {
    const r = await call(srv.s.url, 'POST', `/sandbox/alipay/orders/${orderId}/notify`, { body: { times, parallel } });
    expect(r.status).toBe(200);
    expect(r.body.statuses.every((st: number) => st === 200)).toBe(true);
    return r.body.answers as string[];
  };
  const expectOneGrant = async (user: { token: string; userId: string }, orderId: string) => {
    await expectGrantedOnce(srv.s, user.userId, orderId);
    expect(await srv.s.db.models.QuotaLog.count({ where: { userId: user.userId } })).toBe(1);
    const me = await call(srv.s.url, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
  };

  it('sandbox pay (1 delivery) + 20 simultaneous + 79 sequential re-deliveries → 100 × success, one grant', async () => {
    const user = await login(srv.s.url);
    const { orderId } = await purchaseAlipay(srv.s.url, user.token);
    const paid = await call(srv.s.url, 'POST', `/sandbox/alipay/orders/${orderId}/pay`);
    expect(paid.body).toEqual({ delivered: true, status: 200, answer: 'success' });
    const answers = [paid.body.answer as string, ...(await notify(orderId, 20, true)), ...(await notify(orderId, 79, false))];
    expect(answers).toHaveLength(100);
    expect(answers.filter((a) => a === 'success')).toHaveLength(100);
    await expectOneGrant(user, orderId);
  });

  it('paid, the first notification lost, then 20 simultaneous + 80 sequential deliveries race for the grant', async () => {
    const user = await login(srv.s.url);
    const { orderId } = await purchaseAlipay(srv.s.url, user.token);
    await srv.s.sandbox!.alipay!.pay(orderId, { deliver: false });
    await expectNothingGranted(srv.s, user.userId, orderId);
    const answers = [...(await notify(orderId, 20, true)), ...(await notify(orderId, 80, false))];
    expect(answers.filter((a) => a === 'success')).toHaveLength(100);
    await expectOneGrant(user, orderId);
  });

  it('20 of our own signed notifications at once, racing 20 order queries → one grant', async () => {
    const user = await login(srv.s.url);
    const { orderId } = await purchaseAlipay(srv.s.url, user.token);
    const n = signed(await paidNotification(srv.s, orderId), alipayKey(srv.s));
    // the order query fallback (GET /membership/orders/:id) starts 3 s after the order was created
    await new Promise((r) => setTimeout(r, 3100));
    const results = await Promise.all([
      ...Array.from({ length: 20 }, () => postNotification(srv.s.url, n)),
      ...Array.from({ length: 20 }, () => call(srv.s.url, 'GET', `/membership/orders/${orderId}`, { token: user.token })),
    ]);
    expect(results.slice(0, 20).every((r) => 'text' in r && r.text === 'success')).toBe(true);
    await expectOneGrant(user, orderId);
  });

  it('three orders of three merchants: three paid orders, three grant rows in all', async () => {
    expect(await srv.s.db.models.Order.count({ where: { status: 'paid' } })).toBe(3);
    expect(await srv.s.db.models.QuotaLog.count({ where: { action: 'grant' } })).toBe(3);
  });
});
