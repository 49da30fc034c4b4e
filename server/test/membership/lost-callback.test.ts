/**
 * The lost callback (docs/api.md `GET /membership/orders/:orderId`): the payer paid at WeChat Pay but the notification never
 * arrives. After the few-seconds grace, reading the order asks WeChat (at most once per ORDER_QUERY_MIN_INTERVAL per
 * order, counted at the emulator) and grants exactly once. The server's clock is injected and moved by the test.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import { DAY_MS, expectGrantedOnce, expectNothingGranted, purchase, runSlowJobs, usePaymentServer } from './helpers.js';

const MIN_INTERVAL_MS = 5000;
/** a few seconds after creation; the server's grace is 3 s */
const GRACE_MS = 3000;

describe.each<DbKind>(MONEY_DBS)('a lost payment notification on %s', (db) => {
  const t = usePaymentServer(db, { env: { ORDER_QUERY_MIN_INTERVAL: String(MIN_INTERVAL_MS) } });
  const { clock } = t;
  let user: { token: string; userId: string };
  let orderId: string;

  beforeAll(async () => {
    user = await login(t.url);
    ({ orderId } = await purchase(t.url, user.token));
  });

  const queries = (): number => t.s.sandbox!.wxpay.stats().byOrder[orderId]?.query ?? 0;
  const readOrder = async (): Promise<string> => {
    const r = await call(t.url, 'GET', `/membership/orders/${orderId}`, { token: user.token });
    expect(r.status).toBe(200);
    return r.body.status as string;
  };

  it('a fresh pending order is not asked about within the grace', async () => {
    expect(t.s.sandbox!.wxpay.stats().byOrder[orderId]).toEqual({ prepay: 1, query: 0, close: 0 });
    for (let i = 0; i < 3; i++) expect(await readOrder()).toBe('pending');
    clock.advance(GRACE_MS - 1);
    expect(await readOrder()).toBe('pending');
    expect(queries()).toBe(0);
  });

  it('after the grace, 10 simultaneous and 5 sequential reads of the unpaid order make one query', async () => {
    clock.advance(1);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => readOrder()));
    expect(parallel).toEqual(Array(10).fill('pending'));
    for (let i = 0; i < 5; i++) expect(await readOrder()).toBe('pending');
    expect(queries()).toBe(1);
  });

  it('the payer pays but the notification is lost: within the query interval nothing changes', async () => {
    // paid now by the server's clock (which runs apart from real time in this file)
    expect(await t.s.sandbox!.wxpay.pay(orderId, { deliver: false, at: clock.ms() })).toEqual({ delivered: false, status: 0 });
    expect(t.s.sandbox!.wxpay.getOrder(orderId)?.trade_state).toBe('SUCCESS');
    clock.advance(MIN_INTERVAL_MS - 1);
    expect(await readOrder()).toBe('pending');
    expect(queries()).toBe(1);
    await expectNothingGranted(t.s, user.userId, orderId);
  });

  it('once the interval has passed, 10 simultaneous reads make one more query, which grants once', async () => {
    clock.advance(1);
    const parallel = await Promise.all(Array.from({ length: 10 }, () => readOrder()));
    expect(parallel).toContain('paid');
    expect(queries()).toBe(2);
    expect(await readOrder()).toBe('paid');
    await expectGrantedOnce(t.s, user.userId, orderId);
    const row = await t.s.db.models.Order.findByPk(orderId);
    expect(row?.transactionId).toBe(t.s.sandbox!.wxpay.getOrder(orderId)?.transaction_id);
    // the membership runs from when the payer paid (WeChat's success_time, 5 s ago), not from when the query found it
    const paidAt = Date.parse(t.s.sandbox!.wxpay.getOrder(orderId)!.success_time!);
    expect(clock.ms() - paidAt).toBeGreaterThanOrEqual(MIN_INTERVAL_MS);
    const me = await call(t.url, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100, quotaExpireAt: new Date(paidAt + 30 * DAY_MS).toISOString() });
  });

  it('a paid order is never asked about again, and the late notification grants nothing more', async () => {
    clock.advance(10 * MIN_INTERVAL_MS);
    for (let i = 0; i < 5; i++) expect(await readOrder()).toBe('paid');
    expect(queries()).toBe(2);
    // the notification WeChat finally delivers is signed at real time: bring the server's clock back to it
    clock.set(Date.now());
    const late = await call(t.url, 'POST', `/sandbox/wxpay/orders/${orderId}/notify`, { body: { times: 3 } });
    expect(late.body.statuses).toEqual([204, 204, 204]);
    await expectGrantedOnce(t.s, user.userId, orderId);
    expect(t.s.sandbox!.wxpay.stats()).toMatchObject({ prepays: 1, queries: 2, closes: 0 });
  });

  it('order reads, 20 simultaneous notifications and a reconciler pass racing for one lost payment grant once', async () => {
    const other = await login(t.url);
    const { orderId: racedId } = await purchase(t.url, other.token);
    await t.s.sandbox!.wxpay.pay(racedId, { deliver: false });
    clock.advance(61_000); // past the grace and the reconciler's 60 s; still within the notifications' 5 min window
    const [reads, notified] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, () => call(t.url, 'GET', `/membership/orders/${racedId}`, { token: other.token }))),
      call(t.url, 'POST', `/sandbox/wxpay/orders/${racedId}/notify`, { body: { times: 20, parallel: true } }),
      runSlowJobs(t.s),
    ]);
    expect(reads.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(notified.body.statuses).toEqual(Array(20).fill(204));
    await expectGrantedOnce(t.s, other.userId, racedId);
    expect(t.s.sandbox!.wxpay.stats().byOrder[racedId]!.query).toBeLessThanOrEqual(1);
    const me = await call(t.url, 'GET', '/membership/status', { token: other.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
  });
});
