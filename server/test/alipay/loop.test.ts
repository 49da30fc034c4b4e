/**
 * The whole loop with Alipay 当面付, on every database kind: buy (alipay.trade.precreate through the real alipay-sdk
 * against the emulated gateway) → the sandbox buyer pays → the signed notification grants 100 次 → a task spends one
 * → the admin refunds the order through alipay.trade.refund → what is unused comes back off the balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyMembership, call, garmentJpeg, login, uploadInput, waitForTask } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { finish, MONEY_DBS, type DbKind, type TestServer } from '../support/server.js';
import { adminLogin, startAdminServer, type AdminClient } from '../admin/helpers.js';
import { waitForOrderStatus } from '../membership/helpers.js';

describe.each<DbKind>(MONEY_DBS)('the Alipay loop on %s', (db) => {
  let s: TestServer;
  let admin: AdminClient;

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db }));
    admin = await adminLogin(s.url, password);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await finish(s);
  });

  it('buy → pay → quota → task → refund, all through Alipay', async () => {
    const { token, userId } = await login(s.url);
    const purchase = await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: 'alipay' } });
    expect(purchase.status).toBe(201);
    expect(purchase.body.codeUrl).toMatch(/^https:\/\/qr\.alipay\.com\//);
    const orderId = purchase.body.orderId as string;
    const trade = s.sandbox!.alipay!.getTrade(orderId)!;
    expect(trade).toMatchObject({ total_fen: 9900, qr_code: purchase.body.codeUrl, notify_url: `${s.url}/membership/alipay-callback` });
    // nobody scanned it yet: Alipay does not know the trade, and the order stays pending
    expect((await call(s.url, 'GET', `/membership/orders/${orderId}`, { token })).body.status).toBe('pending');

    const paid = await call(s.url, 'POST', `/sandbox/alipay/orders/${orderId}/pay`);
    expect(paid.body).toEqual({ delivered: true, status: 200, answer: 'success' });
    const order = await s.db.models.Order.findByPk(orderId);
    expect(order).toMatchObject({ status: 'paid', channel: 'alipay', transactionId: s.sandbox!.alipay!.getTrade(orderId)!.trade_no });
    const status = await call(s.url, 'GET', '/membership/status', { token });
    expect(status.body).toMatchObject({ isMember: true, quotaRemaining: 100 });

    const inputKey = await uploadInput(s.url, token, await garmentJpeg());
    const created = await call(s.url, 'POST', '/task/create', {
      token,
      body: { type: 'basic_clean', inputKey, clientRequestId: 'alipay-loop-1' },
    });
    expect(created.status).toBe(201);
    expect((await waitForTask(s.url, token, created.body.task.id)).status).toBe('done');

    const refund = await admin.post(`/orders/${orderId}/refunds`, { amountFen: 9900, reason: '用户申请退款' });
    expect(refund.status).toBe(201);
    await waitForOrderStatus(s, orderId, 'refunded');
    expect(s.sandbox!.alipay!.refundsOf(orderId)).toMatchObject([{ refund_fen: 9900, out_request_no: refund.body.refund.id }]);
    expect(s.sandbox!.alipay!.getTrade(orderId)!.state).toBe('TRADE_CLOSED');
    const after = await s.db.models.User.findByPk(userId);
    // 99 were left: the whole order's 100 is owed back, capped at the balance; the membership ends with it
    expect(after?.quotaRemaining).toBe(0);
    const ledger = await s.db.models.QuotaLog.findAll({ where: { userId }, order: [['id', 'ASC']] });
    expect(ledger.map((l) => l.action)).toEqual(['grant', 'deduct', 'order_refund']);
    // the refund notification that follows (TRADE_CLOSED with refund_fee) changes nothing more
    await new Promise((r) => setTimeout(r, 300));
    expect(await s.db.models.QuotaLog.count({ where: { userId } })).toBe(3);
  });

  it('buyMembership over Alipay: the helper the other suites use', async () => {
    const { token } = await login(s.url);
    const orderId = await buyMembership(s.url, token, 'alipay');
    expect((await s.db.models.Order.findByPk(orderId))?.status).toBe('paid');
  });
});
