/**
 * Alipay asynchronous notifications against the real notify_url (docs/api.md "alipay-callback"), the battery of the
 * WeChat Pay one: forged (a stranger's key), tampered, unsigned, RSA (not RSA2), wrong app, wrong seller, wrong
 * amount, unknown order, a parameter twice — each answered `fail` with 400 and granting nothing; WAIT_BUYER_PAY
 * grants nothing; the genuine one grants once, and replaying it (also after a refund) changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { expectGrantedOnce, expectNothingGranted } from '../membership/helpers.js';
import { alipayKey, paidNotification, postNotification, purchaseAlipay, signed, strangerKey } from './helpers.js';

describe('Alipay notifications: the forged, tampered and replayed are refused', () => {
  let s: TestServer;
  let user: { token: string; userId: string };
  let orderId: string;
  let genuine: Record<string, string>;

  beforeAll(async () => {
    s = await startTestServer({ jobs: false });
    user = await login(s.url);
    ({ orderId } = await purchaseAlipay(s.url, user.token));
    genuine = await paidNotification(s, orderId);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  const key = () => alipayKey(s);
  const forgeries: [string, () => Record<string, string> | string][] = [
    ['signed with a key that is not Alipay’s', () => signed(genuine, strangerKey)],
    ['tampered after signing (total_amount raised)', () => ({ ...signed(genuine, key()), total_amount: '999.00' })],
    ['tampered after signing (another out_trade_no)', () => ({ ...signed(genuine, key()), out_trade_no: '01JAAAAAAAAAAAAAAAAAAAAAAA' })],
    ['without a signature', () => genuine],
    ['sign_type RSA (SHA-1), not RSA2', () => ({ ...signed(genuine, key()), sign_type: 'RSA' })],
    ['signed by Alipay for another app', () => signed({ ...genuine, app_id: '2021000000000999', auth_app_id: '2021000000000999' }, key())],
    ['signed by Alipay for another seller', () => signed({ ...genuine, seller_id: '2088999999999999' }, key())],
    ['signed by Alipay with another amount', () => signed({ ...genuine, total_amount: '0.01' }, key())],
    ['signed by Alipay for an order we never made', () => signed({ ...genuine, out_trade_no: '01JBBBBBBBBBBBBBBBBBBBBBBB' }, key())],
    ['a parameter twice (which one was signed?)', () => `${new URLSearchParams(signed(genuine, key())).toString()}&total_amount=0.01`],
    ['an empty body', () => ''],
  ];

  it.each(forgeries)('refuses a notification %s: 400 fail, nothing granted', async (_name, make) => {
    const r = await postNotification(s.url, make());
    expect(r).toEqual({ status: 400, text: 'fail' });
    await expectNothingGranted(s, user.userId, orderId);
  });

  it('a genuine WAIT_BUYER_PAY notification is acknowledged and grants nothing', async () => {
    const { gmt_payment: _paid, ...unpaid } = genuine;
    const waiting = { ...unpaid, trade_status: 'WAIT_BUYER_PAY' };
    const r = await postNotification(s.url, signed(waiting, key()));
    expect(r).toEqual({ status: 200, text: 'success' });
    await expectNothingGranted(s, user.userId, orderId);
  });

  it('the genuine notification grants once; replayed 5 times it changes nothing', async () => {
    const n = signed(genuine, key());
    expect(await postNotification(s.url, n)).toEqual({ status: 200, text: 'success' });
    for (let i = 0; i < 5; i++) expect(await postNotification(s.url, n)).toEqual({ status: 200, text: 'success' });
    await expectGrantedOnce(s, user.userId, orderId);
    expect((await s.db.models.Order.findByPk(orderId))?.transactionId).toBe(genuine.trade_no);
    const me = await call(s.url, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
  });

  it('a forged TRADE_CLOSED with refund fields (a stranger’s key) takes nothing back', async () => {
    const refund = {
      ...genuine,
      trade_status: 'TRADE_CLOSED',
      refund_fee: '99.00',
      out_biz_no: 'FAKE-REFUND-1',
      gmt_refund: '2026-12-01 12:00:00.000',
    };
    expect(await postNotification(s.url, signed(refund, strangerKey))).toEqual({ status: 400, text: 'fail' });
    await expectGrantedOnce(s, user.userId, orderId);
    expect(await s.db.models.Refund.count({ where: { orderId } })).toBe(0);
  });

  it('the payment replayed after the order was refunded at Alipay grants nothing again', async () => {
    await s.sandbox!.alipay!.refundFromPlatform(orderId, 9900);
    await expect.poll(async () => (await s.db.models.Order.findByPk(orderId))?.status, { timeout: 10_000 }).toBe('refunded');
    expect(await postNotification(s.url, signed(genuine, key()))).toEqual({ status: 200, text: 'success' });
    const grants = await s.db.models.QuotaLog.count({ where: { orderId, action: 'grant' } });
    expect(grants).toBe(1);
    const user0 = await s.db.models.User.findByPk(user.userId);
    expect(user0?.quotaRemaining).toBe(0);
  });
});
