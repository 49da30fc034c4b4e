import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmulatorOrderNotFound,
  EmulatorOrderNotPaid,
  EmulatorOrderNotPending,
} from '../../src/sandbox/wxpay/index.js';
import { newTradeNo, sleep, startEmulator, startReceiver, waitFor, type EmulatorHarness } from './harness.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
let h: EmulatorHarness;
let receiver: Receiver;
const warnings: unknown[][] = [];

beforeAll(async () => {
  h = await startEmulator({ notifyRetryDelaysMs: [40, 40, 40], logger: { warn: (...args) => warnings.push(args) } });
  receiver = await startReceiver(h.secrets);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

async function newOrder(notifyUrl = receiver.notifyUrl): Promise<string> {
  const outTradeNo = newTradeNo();
  await h.client().nativePrepay({
    outTradeNo,
    description: 'membership-30d',
    amountFen: 2990,
    timeExpire: new Date(Date.now() + 30 * 60_000),
    notifyUrl,
  });
  return outTradeNo;
}

const forOrder = (outTradeNo: string) =>
  receiver.received.filter((r) => r.result?.kind === 'transaction' && r.result.transaction.out_trade_no === outTradeNo);

describe('pay → notification', () => {
  it('delivers a signed, encrypted TRANSACTION.SUCCESS that verifyNotification accepts and decrypts', async () => {
    const no = await newOrder();
    const before = receiver.received.length;
    expect(await h.emulator.pay(no)).toEqual({ delivered: true, status: 204 });
    expect(receiver.received.length).toBe(before + 1);
    const got = receiver.received.at(-1)!;
    expect(got.error).toBeUndefined();
    expect(got.result).toMatchObject({
      kind: 'transaction',
      eventType: 'TRANSACTION.SUCCESS',
      transaction: {
        appid: h.secrets.appid,
        mchid: h.secrets.mchid,
        out_trade_no: no,
        trade_type: 'NATIVE',
        trade_state: 'SUCCESS',
        amount: { total: 2990, payer_total: 2990, currency: 'CNY' },
      },
    });
    // the notification carries the same transaction the query API reports
    const queried = await h.client().queryOrder(no);
    expect(got.result?.kind === 'transaction' && got.result.transaction).toEqual(queried);

    // wire shape (§2.7)
    const body = JSON.parse(got.rawBody);
    expect(body).toMatchObject({
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' },
    });
    expect(typeof body.id).toBe('string');
    expect(body.create_time).toMatch(/\+08:00$/);
    expect(body.resource.nonce).toHaveLength(12);
    expect(body.resource.ciphertext).not.toContain(no);
    expect(got.headers['wechatpay-serial']).toBe(h.secrets.platformPublicKeyId);
    expect(got.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
    expect(got.headers['content-type']).toContain('application/json');
  });

  it('refuses to pay unknown or non-pending orders', async () => {
    await expect(h.emulator.pay(newTradeNo())).rejects.toBeInstanceOf(EmulatorOrderNotFound);
    const no = await newOrder();
    await h.emulator.pay(no);
    const err = await h.emulator.pay(no).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmulatorOrderNotPending);
    expect((err as EmulatorOrderNotPending).state).toBe('SUCCESS');
  });

  it('retries an unacknowledged notification until it is acknowledged, then stops', async () => {
    const no = await newOrder();
    receiver.plannedStatuses.push(500);
    expect(await h.emulator.pay(no)).toEqual({ delivered: false, status: 500 });
    await waitFor(() => forOrder(no).length >= 2);
    expect(forOrder(no).map((r) => r.status)).toEqual([500, 204]);
    await sleep(200);
    expect(forOrder(no)).toHaveLength(2);
    // both deliveries are the same event
    const ids = forOrder(no).map((r) => JSON.parse(r.rawBody).id);
    expect(ids[0]).toBe(ids[1]);
  });

  it('gives up after the retry schedule when the merchant never acknowledges', async () => {
    const no = await newOrder();
    receiver.plannedStatuses.push(500, 503, 500, 500, 500);
    await h.emulator.pay(no);
    await waitFor(() => forOrder(no).length >= 4);
    await sleep(200);
    expect(forOrder(no).map((r) => r.status)).toEqual([500, 503, 500, 500]); // 1 + 3 retries
    expect(warnings.some((w) => String(w[1]).includes('retries exhausted'))).toBe(true);
    receiver.plannedStatuses.length = 0;
  });

  it('reports status 0 and retries when the notify_url does not answer', async () => {
    const no = await newOrder('http://127.0.0.1:9/notify');
    expect(await h.emulator.pay(no)).toEqual({ delivered: false, status: 0 });
  });

  it('stop() cancels scheduled retries', async () => {
    const own = await startEmulator({ secrets: h.secrets, notifyRetryDelaysMs: [150] });
    try {
      const no = newTradeNo();
      await own.client().nativePrepay({
        outTradeNo: no,
        description: 'membership-30d',
        amountFen: 100,
        timeExpire: new Date(Date.now() + 60_000),
        notifyUrl: receiver.notifyUrl,
      });
      receiver.plannedStatuses.push(500);
      expect((await own.emulator.pay(no)).status).toBe(500);
      own.emulator.stop();
      await sleep(400);
      expect(forOrder(no)).toHaveLength(1);
    } finally {
      await own.close();
    }
  });
});

describe('notify (re-delivery)', () => {
  it('re-delivers N times in parallel or one after another and reports each status', async () => {
    const no = await newOrder();
    await h.emulator.pay(no);
    expect(await h.emulator.notify(no, { times: 3, parallel: true })).toEqual({ statuses: [204, 204, 204] });
    receiver.plannedStatuses.push(500);
    expect(await h.emulator.notify(no, { times: 2, parallel: false })).toEqual({ statuses: [500, 204] });
    const deliveries = forOrder(no);
    expect(deliveries).toHaveLength(6);
    const txIds = new Set(deliveries.map((r) => (r.result?.kind === 'transaction' ? r.result.transaction.transaction_id : '')));
    expect(txIds.size).toBe(1);
  });

  it('refuses orders that are unknown or not paid', async () => {
    await expect(h.emulator.notify(newTradeNo(), { times: 1, parallel: false })).rejects.toBeInstanceOf(
      EmulatorOrderNotFound,
    );
    const no = await newOrder();
    await expect(h.emulator.notify(no, { times: 1, parallel: false })).rejects.toBeInstanceOf(EmulatorOrderNotPaid);
    await h.emulator.pay(no);
    await expect(h.emulator.notify(no, { times: 0, parallel: false })).rejects.toBeInstanceOf(RangeError);
  });
});
