/**
 * Forged WeChat Pay notifications against the real payment callback (docs/api.md "payment-callback"):
 * the server runs in sandbox mode with our own platform key and APIv3 key, so the test signs and encrypts
 * notifications itself. Each forgery is answered with WeChat's `{"code":"FAIL","message"}` shape and 401/400, and
 * grants nothing; other event types get 204 and grant nothing; a correct notification for the same order grants.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  createTestWechatIdentity,
  deliver,
  expectGrantedOnce,
  expectNothingGranted,
  purchase,
  signedNotification,
  successTransaction,
  type SignedNotification,
  type TestWechatIdentity,
} from './helpers.js';

describe('forged payment callbacks', () => {
  let id: TestWechatIdentity;
  let s: TestServer;
  let base: string;
  let user: { token: string; userId: string };
  let order: { orderId: string; amountFen: number };
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  beforeAll(async () => {
    id = createTestWechatIdentity();
    s = await startTestServer({ env: id.env, jobs: false });
    base = s.url;
    user = await login(base);
    order = await purchase(base, user.token);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
    id.cleanup();
  });

  const good = (): SignedNotification => signedNotification(id, successTransaction(id, order));

  const forgeries: [string, 401 | 400, () => SignedNotification][] = [
    ['signed with a key that is not the platform key', 401, () => signedNotification(id, successTransaction(id, order), { privateKey: strangerKey })],
    [
      'tampered body (one character changed after signing)',
      401,
      () => {
        const n = good();
        const body = JSON.parse(n.body) as { id: string };
        const flipped = body.id.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
        return { headers: n.headers, body: n.body.replace(body.id, flipped) };
      },
    ],
    [
      'the signed headers of one notification on the body of another',
      401,
      () => ({ headers: good().headers, body: good().body }),
    ],
    ['unknown Wechatpay-Serial', 401, () => signedNotification(id, successTransaction(id, order), { serial: 'PUB_KEY_ID_0112FFFFFFFFFFFFFFFFFFFF' })],
    ['timestamp exactly 5 min old', 401, () => signedNotification(id, successTransaction(id, order), { nowMs: Date.now() - 300_000 })],
    ['timestamp 5 min in the future', 401, () => signedNotification(id, successTransaction(id, order), { nowMs: Date.now() + 301_000 })],
    [
      'WECHATPAY/SIGNTEST/ probe',
      401,
      () => {
        const n = good();
        return { headers: { ...n.headers, 'Wechatpay-Signature': `WECHATPAY/SIGNTEST/${n.headers['Wechatpay-Signature']}` }, body: n.body };
      },
    ],
    [
      'no Wechatpay-Signature header',
      401,
      () => {
        const { 'Wechatpay-Signature': _drop, ...headers } = good().headers;
        return { headers, body: good().body };
      },
    ],
    [
      'amount.total one fen short',
      400,
      () =>
        signedNotification(
          id,
          successTransaction(id, order, { amount: { total: order.amountFen - 1, payer_total: order.amountFen - 1, currency: 'CNY', payer_currency: 'CNY' } }),
        ),
    ],
    ['amount missing', 400, () => signedNotification(id, successTransaction(id, order, { amount: undefined }))],
    ['another merchant (mchid)', 400, () => signedNotification(id, successTransaction(id, order, { mchid: '1900009191' }))],
    ['another app (appid)', 400, () => signedNotification(id, successTransaction(id, order, { appid: 'wx8888888888888888' }))],
    [
      'unknown order (out_trade_no)',
      400,
      () => signedNotification(id, successTransaction(id, { orderId: `01JZ${randomBytes(11).toString('hex').toUpperCase()}`, amountFen: order.amountFen })),
    ],
    [
      'resource encrypted with another APIv3 key',
      400,
      () => signedNotification(id, successTransaction(id, order), { apiV3Key: randomBytes(24).toString('base64url').slice(0, 32) }),
    ],
    ['body that is not JSON (correctly signed)', 400, () => signedNotification(id, {}, { rawBody: 'event_type=TRANSACTION.SUCCESS' })],
  ];

  it.each(forgeries)('%s → %i {"code":"FAIL"}, nothing granted', async (_name, status, forge) => {
    const r = await deliver(base, forge());
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ code: 'FAIL', message: expect.any(String) });
    await expectNothingGranted(s, user.userId, order.orderId);
    const me = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: false, quotaRemaining: 0, quotaExpireAt: null });
  });

  it('a correctly signed event of another type (carrying a SUCCESS transaction) → 204, nothing granted', async () => {
    const r = await deliver(base, signedNotification(id, successTransaction(id, order), { eventType: 'TRANSACTION.CLOSED' }));
    expect(r.status).toBe(204);
    expect(r.body).toBeNull();
    await expectNothingGranted(s, user.userId, order.orderId);
  });

  it.each(['REFUND.SUCCESS', 'REFUND.ABNORMAL'])('a correctly signed %s event carrying a transaction, not a refund → 400, nothing granted', async (eventType) => {
    const r = await deliver(base, signedNotification(id, successTransaction(id, order), { eventType }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'FAIL' });
    await expectNothingGranted(s, user.userId, order.orderId);
  });

  it('positive control: a correctly signed notification (4 min old) for the right order and amount grants', async () => {
    const tx = successTransaction(id, order);
    const r = await deliver(base, signedNotification(id, tx, { nowMs: Date.now() - 240_000 }));
    expect(r.status).toBe(204);
    expect(r.body).toBeNull();
    await expectGrantedOnce(s, user.userId, order.orderId);
    const row = await s.db.models.Order.findByPk(order.orderId);
    expect(row?.transactionId).toBe(tx.transaction_id);
    const me = await call(base, 'GET', '/membership/status', { token: user.token });
    expect(me.body).toMatchObject({ isMember: true, quotaRemaining: 100 });
    const view = await call(base, 'GET', `/membership/orders/${order.orderId}`, { token: user.token });
    expect(view.body).toMatchObject({ orderId: order.orderId, status: 'paid', amountFen: 9900 });
  });

  it('after the grant, a forged one is still refused and a replay of the good one grants nothing more', async () => {
    const forged = await deliver(base, signedNotification(id, successTransaction(id, order), { privateKey: strangerKey }));
    expect(forged.status).toBe(401);
    const replay = await deliver(base, good());
    expect(replay.status).toBe(204);
    await expectGrantedOnce(s, user.userId, order.orderId);
    expect((await s.db.models.User.findByPk(user.userId))?.quotaRemaining).toBe(100);
  });
});
