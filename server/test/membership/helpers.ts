/**
 * Membership test support: our own WeChat Pay identity (keys written to a temp dir at test time and given to the
 * server through WECHAT_* variables), notifications signed and encrypted like WeChat's, a mutable clock, and the
 * database reads that show what a payment granted.
 */
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { WxTransaction } from '../../src/vendors/types.js';
import { encryptResource } from '../../src/vendors/wechatpay/keys.js';
import { newNonce, signedHeaders } from '../../src/vendors/wechatpay/signing.js';
import { toWechatTime } from '../../src/vendors/wechatpay/time.js';
import { adminLogin, startAdminServer, type AdminClient } from '../admin/helpers.js';
import { call } from '../support/client.js';
import { finish, startTestServer, type DbKind, type TestServer } from '../support/server.js';

export interface TestWechatIdentity {
  appid: string;
  mchid: string;
  apiV3Key: string;
  /** WeChat Pay public-key mode: our stand-in for WeChat's platform key */
  serial: string;
  privateKey: KeyObject;
  /** WECHAT_* variables for `startTestServer({ env })` */
  env: Record<string, string>;
  cleanup(): void;
}

/** A fresh WeChat Pay identity; the platform public key is written as a PEM file into a temp dir. */
export function createTestWechatIdentity(): TestWechatIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-wxkeys-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPath = join(dir, 'pub_key.pem');
  writeFileSync(publicKeyPath, publicKey.export({ type: 'spki', format: 'pem' }).toString(), { mode: 0o600 });
  const identity = {
    appid: 'wxd930ea5d5a258f4f',
    mchid: '1230000109',
    apiV3Key: randomBytes(24).toString('base64url').slice(0, 32),
    serial: `PUB_KEY_ID_0112${randomBytes(10).toString('hex').toUpperCase()}`,
  };
  return {
    ...identity,
    privateKey,
    env: {
      // WECHAT_MCHID alone would read as "some cloud credentials set": say sandbox explicitly
      SANDBOX: '1',
      WECHAT_APPID: identity.appid,
      WECHAT_MCHID: identity.mchid,
      WECHAT_API_V3_KEY: identity.apiV3Key,
      WECHAT_PLATFORM_PUBLIC_KEY_ID: identity.serial,
      WECHAT_PLATFORM_PUBLIC_KEY_PATH: publicKeyPath,
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The decrypted `resource` of a TRANSACTION.SUCCESS notification for one of our orders. */
export function successTransaction(
  id: TestWechatIdentity,
  order: { orderId: string; amountFen: number },
  overrides: Partial<WxTransaction> = {},
): WxTransaction & { bank_type?: string } {
  return {
    appid: id.appid,
    mchid: id.mchid,
    out_trade_no: order.orderId,
    transaction_id: `4200${String(Date.now()).padStart(24, '0')}`,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    success_time: toWechatTime(Date.now()),
    amount: { total: order.amountFen, payer_total: order.amountFen, currency: 'CNY', payer_currency: 'CNY' },
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    ...overrides,
  };
}

export interface NotificationOptions {
  eventType?: string;
  /** signing time (default: now); the server compares it with its own clock */
  nowMs?: number;
  /** encrypt with this key instead of ours */
  apiV3Key?: string;
  /** sign with this key / announce this serial instead of ours */
  privateKey?: KeyObject;
  serial?: string;
  /** replaces the whole body (signed as is) */
  rawBody?: string;
  /** resource.original_type (default `transaction`; `refund` for REFUND.* events) */
  originalType?: string;
}

export interface SignedNotification {
  headers: Record<string, string>;
  body: string;
}

/** A notification as WeChat sends it: encrypted resource, `Wechatpay-*` headers signed over the raw body. */
export function signedNotification(id: TestWechatIdentity, tx: object, o: NotificationOptions = {}): SignedNotification {
  const nowMs = o.nowMs ?? Date.now();
  const body =
    o.rawBody ??
    JSON.stringify({
      id: randomUUID(),
      create_time: toWechatTime(nowMs),
      resource_type: 'encrypt-resource',
      event_type: o.eventType ?? 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: encryptResource({
        plaintext: JSON.stringify(tx),
        apiV3Key: o.apiV3Key ?? id.apiV3Key,
        associatedData: o.originalType === 'refund' ? '' : 'transaction',
        originalType: o.originalType,
      }),
    });
  const headers = signedHeaders({
    body,
    privateKey: o.privateKey ?? id.privateKey,
    serial: o.serial ?? id.serial,
    nowMs,
    nonce: newNonce(),
  });
  return { headers, body };
}

/** POSTs a notification to the payment callback exactly as given (raw bytes). */
export async function deliver(base: string, n: SignedNotification): Promise<{ status: number; body: unknown }> {
  const res = await call(base, 'POST', '/membership/payment-callback', {
    headers: { 'content-type': 'application/json', ...n.headers },
    raw: n.body,
  });
  return { status: res.status, body: res.body };
}

/**
 * A clock the test moves; the server reads it through `startTestServer({ now })`. It starts on a whole second:
 * WeChat's success_time, which a payment counts from, has second precision.
 */
export function mutableClock(startMs = Math.floor(Date.now() / 1000) * 1000) {
  let t = startMs;
  return {
    now: () => new Date(t),
    ms: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}

export const MIN_MS = 60_000;
export const DAY_MS = 86_400_000;

export type MutableClock = ReturnType<typeof mutableClock>;

export interface PaymentServer {
  /** the server's clock, moved by the test (unless `now` was given) */
  clock: MutableClock;
  /** the running server (set before the suite's tests run) */
  s: TestServer;
  /** its base URL */
  url: string;
  /** our WeChat Pay identity, given to the server */
  id: TestWechatIdentity;
  /** with `admin: true`: the logged-in admin `ops` */
  admin: AdminClient;
}

/**
 * A payment suite's server: registers the hooks that create a WeChat Pay identity and start the server on `db`
 * (jobs off; its clock the returned `clock`, or `now`) and, after the suite, check the ledger invariant, stop the
 * server and remove the keys. Call it in the `describe` body; the returned object is filled in before the tests run.
 */
export function usePaymentServer(db: DbKind, o: { env?: Record<string, string>; now?: () => Date; admin?: boolean } = {}): PaymentServer {
  const t = { clock: mutableClock() } as PaymentServer;
  beforeAll(async () => {
    t.id = createTestWechatIdentity();
    const options = { db, jobs: false, now: o.now ?? t.clock.now, env: { ...t.id.env, ...o.env } };
    if (o.admin) {
      let password: string;
      ({ s: t.s, password } = await startAdminServer(options));
      t.admin = await adminLogin(t.s.url, password);
    } else {
      t.s = await startTestServer(options);
    }
    t.url = t.s.url;
  });
  afterAll(async () => {
    try {
      await finish(t.s);
    } finally {
      t.id?.cleanup();
    }
  });
  return t;
}

/** Order row, user row and ledger rows as the database holds them. */
export async function moneyState(s: TestServer, userId: string, orderId?: string) {
  const order = orderId ? await s.db.models.Order.findByPk(orderId) : null;
  const user = await s.db.models.User.findByPk(userId);
  const ledger = await s.db.models.QuotaLog.findAll({ where: { userId }, order: [['id', 'ASC']] });
  return {
    order,
    user,
    ledger: ledger.map((r) => ({ action: r.action, amount: r.amount, orderId: r.orderId, balanceAfter: r.balanceAfter })),
  };
}

/** Nothing was granted: the order is still pending, the user has no quota, no membership and no ledger rows. */
export async function expectNothingGranted(s: TestServer, userId: string, orderId: string): Promise<void> {
  const { order, user, ledger } = await moneyState(s, userId, orderId);
  expect(order?.status).toBe('pending');
  expect(order?.paidAt).toBeNull();
  expect(order?.transactionId).toBeNull();
  expect(user?.quotaRemaining).toBe(0);
  expect(user?.isMember).toBe(false);
  expect(user?.quotaExpireAt).toBeNull();
  expect(ledger).toEqual([]);
}

/** Exactly one grant for this order: paid once, one `grant` row of the plan quota. */
export async function expectGrantedOnce(s: TestServer, userId: string, orderId: string, quota = s.ctx.config.plan.quota): Promise<void> {
  const { order } = await moneyState(s, userId, orderId);
  expect(order?.status).toBe('paid');
  expect(order?.paidAt).toBeInstanceOf(Date);
  const grants = await s.db.models.QuotaLog.findAll({ where: { orderId, action: 'grant' } });
  expect(grants.map((g) => g.amount)).toEqual([quota]);
  expect(await s.db.models.QuotaLog.count({ where: { orderId } })).toBe(1);
}

/** Starts a purchase and returns the order as the API shows it. */
export async function purchase(
  base: string,
  token: string,
): Promise<{ orderId: string; codeUrl: string; amountFen: number; expiresAt: string }> {
  const r = await call(base, 'POST', '/membership/purchase', { token, body: { channel: 'wx' } });
  if (r.status !== 201) throw new Error(`purchase ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Runs the background runner until it has made exactly one pass of the slow sweeps (the order reconciler and the
 * expiry sweeper run every 5th tick).
 */
export async function runSlowJobs(s: TestServer): Promise<void> {
  for (let i = 0; i < 5; i++) await s.runner.tick();
  await s.runner.idle();
}

/**
 * The payer pays at the emulated WeChat Pay at `paidAtMs` (its `success_time`), and WeChat's notification (the
 * emulator's transaction, signed with our platform key) arrives when the server's clock says `nowMs` — for tests
 * that move the server's clock away from real time, where the emulator's own real-time signature would be stale.
 */
export async function payAndNotifyAt(
  s: TestServer,
  id: TestWechatIdentity,
  orderId: string,
  nowMs: number,
  paidAtMs = nowMs,
): Promise<void> {
  const wx = s.sandbox!.wxpay;
  await wx.pay(orderId, { deliver: false, at: paidAtMs });
  const { description: _d, notify_url: _n, code_url: _c, time_expire: _t, ...tx } = wx.getOrder(orderId)!;
  const r = await deliver(s.url, signedNotification(id, tx, { nowMs }));
  if (r.status !== 204) throw new Error(`payment callback ${r.status} ${JSON.stringify(r.body)}`);
}

/** The requests the emulated WeChat Pay received about one order. */
export const wxCalls = (s: TestServer, orderId: string) => s.sandbox!.wxpay.stats().byOrder[orderId] ?? { prepay: 0, query: 0, close: 0 };

/** The order's refund rows and its `order_refund` ledger rows, oldest first. */
export async function refundState(s: TestServer, orderId: string) {
  const order = await s.db.models.Order.findByPk(orderId);
  const refunds = await s.db.models.Refund.findAll({
    where: { orderId },
    order: [
      ['createdAt', 'ASC'],
      ['id', 'ASC'],
    ],
  });
  const ledger = await s.db.models.QuotaLog.findAll({ where: { orderId, action: 'order_refund' }, order: [['id', 'ASC']] });
  return { order, refunds, ledger: ledger.map((l) => ({ amount: l.amount, refundId: l.refundId, balanceAfter: l.balanceAfter })) };
}

/** Polls `cond` every 50 ms until it holds; throws `describe()` (or a generic message) after `timeoutMs`. */
export async function eventually(
  cond: () => boolean | Promise<boolean>,
  describe = () => 'condition not met',
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${describe()} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits (polling the database) until the order is in `status`. */
export async function waitForOrderStatus(s: TestServer, orderId: string, status: string): Promise<void> {
  let last: string | undefined;
  await eventually(
    async () => (last = (await s.db.models.Order.findByPk(orderId))?.status) === status,
    () => `order ${orderId} is ${last}, not ${status}`,
  );
}
