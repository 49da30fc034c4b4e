import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { createWxpayEmulator, EmulatorOrderNotPending } from '../../src/sandbox/wxpay/index.js';
import { buildWechatPayKeys } from '../../src/vendors/wechatpay/keys.js';
import { buildAuthorization } from '../../src/vendors/wechatpay/signing.js';
import { toWechatTime } from '../../src/vendors/wechatpay/time.js';
import type { WechatPayClient } from '../../src/vendors/types.js';
import { newTradeNo, startEmulator, startReceiver, type EmulatorHarness } from './harness.js';

let h: EmulatorHarness;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let clockOffsetMs = 0;

beforeAll(async () => {
  h = await startEmulator({ now: () => Date.now() + clockOffsetMs, notifyRetryDelaysMs: [] });
  receiver = await startReceiver(h.secrets);
});
afterAll(async () => {
  await h.close();
  await receiver.close();
});

const prepayRequest = (overrides: Partial<Parameters<WechatPayClient['nativePrepay']>[0]> = {}) => ({
  outTradeNo: newTradeNo(),
  description: 'membership-30d',
  amountFen: 9900,
  timeExpire: new Date(Date.now() + 30 * 60_000),
  notifyUrl: receiver.notifyUrl,
  ...overrides,
});

async function vendorError(promise: Promise<unknown>): Promise<VendorError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VendorError);
  return err as VendorError;
}

describe('time format', () => {
  it('renders RFC 3339 in +08:00', () => {
    expect(toWechatTime(Date.UTC(2025, 5, 8, 2, 34, 56))).toBe('2025-06-08T10:34:56+08:00');
    expect(toWechatTime(new Date(Date.UTC(2025, 11, 31, 16, 0, 0)))).toBe('2026-01-01T00:00:00+08:00');
  });
});

describe('HttpWechatPayClient ↔ emulator', () => {
  it('prepays a Native order and returns a code_url; the emulator stores what was sent', async () => {
    const req = prepayRequest();
    const { codeUrl } = await h.client().nativePrepay(req);
    expect(codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=\S+$/);
    const stored = h.emulator.getOrder(req.outTradeNo)!;
    expect(stored).toMatchObject({
      out_trade_no: req.outTradeNo,
      trade_state: 'NOTPAY',
      description: 'membership-30d',
      notify_url: receiver.notifyUrl,
      amount: { total: 9900, currency: 'CNY' },
      code_url: codeUrl,
      time_expire: toWechatTime(req.timeExpire),
    });
    expect(Date.parse(stored.time_expire!)).toBe(Math.floor(req.timeExpire.getTime() / 1000) * 1000);
  });

  it('answers the same code_url for a repeated prepay, 403 OUT_TRADE_NO_USED for different parameters', async () => {
    const req = prepayRequest();
    const first = await h.client().nativePrepay(req);
    expect(await h.client().nativePrepay(req)).toEqual(first);
    const err = await vendorError(h.client().nativePrepay({ ...req, amountFen: 1 }));
    expect(err.vendor).toBe('wechatpay');
    expect(err.details).toMatchObject({ status: 403, code: 'OUT_TRADE_NO_USED', retryable: false });
  });

  it('rejects invalid prepay fields with 400 PARAM_ERROR', async () => {
    const shortNo = await vendorError(h.client().nativePrepay(prepayRequest({ outTradeNo: 'abc12' })));
    expect(shortNo.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const badChar = await vendorError(h.client().nativePrepay(prepayRequest({ outTradeNo: 'abc.12345' })));
    expect(badChar.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const zero = await vendorError(h.client().nativePrepay(prepayRequest({ amountFen: 0 })));
    expect(zero.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const fraction = await vendorError(h.client().nativePrepay(prepayRequest({ amountFen: 1.5 })));
    expect(fraction.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const query = await vendorError(h.client().nativePrepay(prepayRequest({ notifyUrl: `${receiver.notifyUrl}?x=1` })));
    expect(query.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
    const noDesc = await vendorError(h.client().nativePrepay(prepayRequest({ description: '' })));
    expect(noDesc.details).toMatchObject({ status: 400, code: 'PARAM_ERROR' });
  });

  it('rejects an appid that is not bound to the mchid', async () => {
    const err = await vendorError(h.client({ appid: 'wxother' }).nativePrepay(prepayRequest()));
    expect(err.details).toMatchObject({ status: 400, code: 'APPID_MCHID_NOT_MATCH' });
  });

  it('queries NOTPAY orders and answers null for unknown ones', async () => {
    const req = prepayRequest({ outTradeNo: `a_b-c|d*${newTradeNo()}`.slice(0, 32) });
    await h.client().nativePrepay(req);
    const tx = await h.client().queryOrder(req.outTradeNo);
    expect(tx).toMatchObject({
      appid: h.secrets.appid,
      mchid: h.secrets.mchid,
      out_trade_no: req.outTradeNo,
      trade_type: 'NATIVE',
      trade_state: 'NOTPAY',
      amount: { total: 9900 },
    });
    expect(tx!.transaction_id).toBeUndefined();
    expect(await h.client().queryOrder(newTradeNo())).toBeNull();
  });

  it('closes an unpaid order (204 → closed), which then queries CLOSED and cannot be paid or prepaid again', async () => {
    const req = prepayRequest();
    await h.client().nativePrepay(req);
    expect(await h.client().closeOrder(req.outTradeNo)).toBe('closed');
    expect((await h.client().queryOrder(req.outTradeNo))!.trade_state).toBe('CLOSED');
    expect(await h.client().closeOrder(req.outTradeNo)).toBe('closed');
    await expect(h.emulator.pay(req.outTradeNo)).rejects.toBeInstanceOf(EmulatorOrderNotPending);
    const again = await vendorError(h.client().nativePrepay(req));
    expect(again.details).toMatchObject({ status: 400, code: 'ORDER_CLOSED' });
  });

  it('closing an unknown order is a VendorError 404 ORDER_NOT_EXIST', async () => {
    const err = await vendorError(h.client().closeOrder(newTradeNo()));
    expect(err.details).toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });

  it('after payment: query answers SUCCESS with the transaction, close answers paid (400 ORDER_PAID)', async () => {
    const req = prepayRequest();
    await h.client().nativePrepay(req);
    expect(await h.emulator.pay(req.outTradeNo)).toEqual({ delivered: true, status: 204 });
    const tx = (await h.client().queryOrder(req.outTradeNo))!;
    expect(tx).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 9900, payer_total: 9900 } });
    expect(tx.transaction_id).toMatch(/^\d{28}$/);
    expect(tx.success_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(Math.abs(Date.parse(tx.success_time!) - Date.now())).toBeLessThan(5_000);
    expect(tx.payer?.openid).toMatch(/^o\S{27}$/);
    expect(await h.client().closeOrder(req.outTradeNo)).toBe('paid');
    expect((await h.client().queryOrder(req.outTradeNo))!.trade_state).toBe('SUCCESS');
  });

  it('leaves an unpaid order NOTPAY past time_expire, which the payer can no longer pay, until it is closed', async () => {
    const req = prepayRequest({ timeExpire: new Date(Date.now() + 60_000) });
    await h.client().nativePrepay(req);
    clockOffsetMs = 4 * 60_000; // the emulator's clock moves past time_expire, still within the signature window
    try {
      expect((await h.client().queryOrder(req.outTradeNo))!.trade_state).toBe('NOTPAY');
      await expect(h.emulator.pay(req.outTradeNo)).rejects.toBeInstanceOf(EmulatorOrderNotPending);
      expect(h.emulator.getOrder(req.outTradeNo)?.trade_state).toBe('NOTPAY');
      expect(await h.client().closeOrder(req.outTradeNo)).toBe('closed');
      expect((await h.client().queryOrder(req.outTradeNo))!.trade_state).toBe('CLOSED');
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('keeps its orders on disk across emulator instances', async () => {
    const req = prepayRequest();
    const { codeUrl } = await h.client().nativePrepay(req);
    const second = createWxpayEmulator({ dataDir: h.dataDir, secrets: h.secrets });
    try {
      expect(second.getOrder(req.outTradeNo)).toMatchObject({ code_url: codeUrl, trade_state: 'NOTPAY' });
    } finally {
      second.stop();
    }
  });
});

describe('request signatures', () => {
  const otherKeyPem = () =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('rejects a client that signs with a wrong merchant key: 401 SIGN_ERROR, nothing stored', async () => {
    const client = h.client({ merchantPrivateKey: otherKeyPem() });
    const req = prepayRequest();
    const err = await vendorError(client.nativePrepay(req));
    expect(err.details).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    expect(h.emulator.getOrder(req.outTradeNo)).toBeNull();
    expect((await vendorError(client.queryOrder(req.outTradeNo))).details.status).toBe(401);
    expect((await vendorError(client.closeOrder(req.outTradeNo))).details.status).toBe(401);
  });

  it('rejects an unknown serial_no and an unknown mchid', async () => {
    const wrongSerial = await vendorError(h.client({ merchantSerialNo: 'ABCDEF' }).queryOrder(newTradeNo()));
    expect(wrongSerial.details).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
    const wrongMchid = await vendorError(h.client({ mchid: '1900000999' }).queryOrder(newTradeNo()));
    expect(wrongMchid.details).toMatchObject({ status: 401, code: 'SIGN_ERROR' });
  });

  const raw = (path: string, init: { method: string; body?: string; authorization?: string }) =>
    fetch(`${h.baseUrl}${path}`, {
      method: init.method,
      headers: {
        'Content-Type': 'application/json',
        ...(init.authorization ? { Authorization: init.authorization } : {}),
      },
      body: init.body,
    });
  const sign = (method: string, url: string, body?: string, nowMs?: number) =>
    buildAuthorization({
      mchid: h.secrets.mchid,
      serialNo: h.secrets.merchantSerialNo,
      privateKey: h.secrets.merchantPrivateKeyPem,
      method,
      url,
      body,
      nowMs,
    });

  it('verifies over the exact body, the path without the mount prefix, and a fresh timestamp', async () => {
    const path = `/v3/pay/transactions/out-trade-no/${newTradeNo()}?mchid=${h.secrets.mchid}`;
    expect((await raw(path, { method: 'GET', authorization: sign('GET', path) })).status).toBe(404); // accepted
    expect((await raw(path, { method: 'GET' })).status).toBe(401);
    expect((await raw(path, { method: 'GET', authorization: sign('GET', `/sandbox/wxpay${path}`) })).status).toBe(401);
    expect((await raw(path, { method: 'GET', authorization: sign('POST', path) })).status).toBe(401);
    const stale = sign('GET', path, undefined, Date.now() - 6 * 60_000);
    expect((await raw(path, { method: 'GET', authorization: stale })).status).toBe(401);

    const closePath = `/v3/pay/transactions/out-trade-no/${newTradeNo()}/close`;
    const body = JSON.stringify({ mchid: h.secrets.mchid });
    const tampered = JSON.stringify({ mchid: h.secrets.mchid, x: 1 });
    const res = await raw(closePath, { method: 'POST', body: tampered, authorization: sign('POST', closePath, body) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'SIGN_ERROR', detail: { sign_information: { url: closePath } } });
    expect((await raw(closePath, { method: 'POST', body, authorization: sign('POST', closePath, body) })).status).toBe(404);
  });

  it('leaves paths outside /v3 to the next handler', async () => {
    const res = await fetch(`${h.baseUrl}/orders/x/pay`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(res.headers.get('wechatpay-signature')).toBeNull();
  });
});

describe('response signatures', () => {
  it('accepts answers signed with the platform key (200, 204, 404) when platform keys are configured', async () => {
    const platformKeys = buildWechatPayKeys({
      publicKeyId: h.secrets.platformPublicKeyId,
      publicKeyPem: h.secrets.platformPublicKeyPem,
    });
    const client = h.client({ platformKeys });
    const req = prepayRequest();
    await client.nativePrepay(req);
    expect((await client.queryOrder(req.outTradeNo))!.trade_state).toBe('NOTPAY');
    expect(await client.queryOrder(newTradeNo())).toBeNull();
    expect(await client.closeOrder(req.outTradeNo)).toBe('closed');
  });

  it('rejects answers when the key for the serial is not the signer, or the serial is unknown', async () => {
    const wrong = createPublicKey(
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const wrongKey = h.client({ platformKeys: new Map([[h.secrets.platformPublicKeyId, wrong]]) });
    const req = prepayRequest();
    const err = await vendorError(wrongKey.nativePrepay(req));
    expect(err.details).toMatchObject({ status: 200, code: 'RESPONSE_SIGNATURE_INVALID' });
    expect(err.message).toContain('bad_signature');

    const otherSerial = h.client({ platformKeys: new Map([['PUB_KEY_ID_OTHER', wrong]]) });
    const err2 = await vendorError(otherSerial.queryOrder(req.outTradeNo));
    expect(err2.message).toContain('unknown_serial');
    const err3 = await vendorError(otherSerial.closeOrder(req.outTradeNo));
    expect(err3.details).toMatchObject({ status: 204, code: 'RESPONSE_SIGNATURE_INVALID' });
  });
});
