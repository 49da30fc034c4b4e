import {
  createCipheriv,
  createPrivateKey,
  generateKeyPairSync,
  sign as nodeSign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWechatPayKeys, encryptResource } from '../../src/vendors/wechatpay/keys.js';
import { verifyNotification, WxNotifyError } from '../../src/vendors/wechatpay/notification.js';
import { signedHeaders } from '../../src/vendors/wechatpay/signing.js';
import type { WxTransaction } from '../../src/vendors/types.js';

const API_V3_KEY = 'abcdefghijklmnopqrstuvwxyz012345';
const OTHER_V3_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000000000000000000001';

const transaction: WxTransaction = {
  appid: 'wxsandbox0000000001',
  mchid: '1900000001',
  out_trade_no: '01JZ0000000000000000000001',
  transaction_id: '4200000000000000000000000001',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  trade_state_desc: 'ok',
  success_time: '2025-06-08T10:34:56+08:00',
  amount: { total: 2990, payer_total: 2990, currency: 'CNY', payer_currency: 'CNY' },
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
};

let publicKeyModeSigner: KeyObject;
let certModeSigner: KeyObject;
let certSerial: string;
let keys: Map<string, KeyObject>;

beforeAll(async () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKeyModeSigner = pair.privateKey;
  const cert = await generate([{ name: 'commonName', value: 'Tenpay.com Root CA test platform cert' }], {
    keySize: 2048,
    algorithm: 'sha256',
  });
  certModeSigner = createPrivateKey(cert.private);
  certSerial = new X509Certificate(cert.cert).serialNumber;
  // both modes in one key map, as during WeChat's gray switch
  keys = buildWechatPayKeys({
    publicKeyId: PUB_KEY_ID,
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    platformCertPem: cert.cert,
  });
});

interface Built {
  headers: Record<string, string>;
  rawBody: string;
  nowMs: number;
}

function notification(
  opts: {
    eventType?: string;
    plaintext?: string;
    apiV3Key?: string;
    signer?: KeyObject;
    serial?: string;
    timestampMs?: number;
    body?: (b: Record<string, unknown>) => Record<string, unknown>;
  } = {},
): Built {
  const nowMs = opts.timestampMs ?? Date.now();
  const resource = encryptResource({
    plaintext: opts.plaintext ?? JSON.stringify(transaction),
    apiV3Key: opts.apiV3Key ?? API_V3_KEY,
  });
  let body: Record<string, unknown> = {
    id: 'EV-2018022511223320873',
    create_time: '2025-06-08T10:34:57+08:00',
    resource_type: 'encrypt-resource',
    event_type: opts.eventType ?? 'TRANSACTION.SUCCESS',
    summary: 'paid',
    resource,
  };
  if (opts.body) body = opts.body(body);
  const rawBody = JSON.stringify(body);
  const headers = signedHeaders({
    body: rawBody,
    privateKey: opts.signer ?? publicKeyModeSigner,
    serial: opts.serial ?? PUB_KEY_ID,
    nowMs,
  });
  return { headers, rawBody, nowMs };
}

const verify = (n: Built, over: Partial<Parameters<typeof verifyNotification>[0]> = {}) =>
  verifyNotification({ headers: n.headers, rawBody: n.rawBody, keys, apiV3Key: API_V3_KEY, nowMs: n.nowMs, ...over });

function rejection(fn: () => unknown): WxNotifyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WxNotifyError);
    return err as WxNotifyError;
  }
  throw new Error('expected a WxNotifyError');
}

describe('buildWechatPayKeys', () => {
  it('keys a platform certificate by its uppercase hex serial and the public key by its id', () => {
    expect(certSerial).toMatch(/^[0-9A-F]+$/);
    expect([...keys.keys()].sort()).toEqual([PUB_KEY_ID, certSerial].sort());
    expect(() => buildWechatPayKeys({ publicKeyId: PUB_KEY_ID })).toThrow();
    expect(() => buildWechatPayKeys({ platformCertPem: 'not a certificate' })).toThrow();
    expect(buildWechatPayKeys({}).size).toBe(0);
  });
});

describe('verifyNotification', () => {
  it('accepts a public-key-mode notification (PUB_KEY_ID serial) and returns the decrypted transaction', () => {
    const n = notification();
    expect(verify(n)).toEqual({ kind: 'transaction', eventType: 'TRANSACTION.SUCCESS', transaction });
    expect(verify({ ...n, rawBody: Buffer.from(n.rawBody) } as unknown as Built).kind).toBe('transaction');
  });

  it('accepts a platform-certificate-mode notification from the same key map (serial in any case)', () => {
    const n = notification({ signer: certModeSigner, serial: certSerial });
    expect(verify(n)).toMatchObject({ kind: 'transaction', transaction: { out_trade_no: transaction.out_trade_no } });
    const lower = notification({ signer: certModeSigner, serial: certSerial.toLowerCase() });
    expect(verify(lower).kind).toBe('transaction');
  });

  it('accepts a notification built by hand with node:crypto (wire-format cross-check)', () => {
    const nonce = 'aBcDeFgHiJkL';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(API_V3_KEY), Buffer.from(nonce));
    cipher.setAAD(Buffer.from('transaction'));
    const ct = Buffer.concat([cipher.update(JSON.stringify(transaction)), cipher.final(), cipher.getAuthTag()]);
    const rawBody = JSON.stringify({
      id: 'EV-1',
      create_time: '2025-06-08T10:34:57+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: 'paid',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: ct.toString('base64'),
        associated_data: 'transaction',
        nonce,
      },
    });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = nodeSign('sha256', Buffer.from(`${ts}\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n${rawBody}\n`), certModeSigner);
    const result = verifyNotification({
      headers: {
        'wechatpay-timestamp': ts,
        'wechatpay-nonce': '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
        'wechatpay-signature': signature.toString('base64'),
        'wechatpay-serial': certSerial,
        'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      },
      rawBody,
      keys,
      apiV3Key: API_V3_KEY,
    });
    expect(result).toEqual({ kind: 'transaction', eventType: 'TRANSACTION.SUCCESS', transaction });
  });

  it('rejects a signature by another key (401)', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const err = rejection(() => verify(notification({ signer: other })));
    expect(err).toMatchObject({ status: 401, reason: 'bad_signature' });
    // the certificate's key does not verify for the PUB_KEY_ID serial either
    expect(rejection(() => verify(notification({ signer: certModeSigner }))).status).toBe(401);
  });

  it('rejects a tampered body (401)', () => {
    const n = notification();
    const tampered = n.rawBody.replace('"summary":"paid"', '"summary":"paid "');
    expect(tampered).not.toBe(n.rawBody);
    expect(rejection(() => verify({ ...n, rawBody: tampered }))).toMatchObject({ status: 401, reason: 'bad_signature' });
    const sig = n.headers['Wechatpay-Signature']!;
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    const badSig = { ...n, headers: { ...n.headers, 'Wechatpay-Signature': flipped } };
    expect(rejection(() => verify(badSig)).status).toBe(401);
    const otherNonce = { ...n, headers: { ...n.headers, 'Wechatpay-Nonce': 'X' } };
    expect(rejection(() => verify(otherNonce)).status).toBe(401);
  });

  it('rejects an unknown serial (401)', () => {
    const err = rejection(() => verify(notification({ serial: 'PUB_KEY_ID_0119999999999999999999999999' })));
    expect(err).toMatchObject({ status: 401, reason: 'unknown_serial' });
  });

  it('rejects timestamps off by 5 minutes or more, either way, and accepts just inside', () => {
    const n = notification();
    const ts = Number(n.headers['Wechatpay-Timestamp']) * 1000;
    expect(verify(n, { nowMs: ts + 299_999 }).kind).toBe('transaction');
    expect(verify(n, { nowMs: ts - 299_999 }).kind).toBe('transaction');
    expect(rejection(() => verify(n, { nowMs: ts + 300_000 }))).toMatchObject({ status: 401, reason: 'stale_timestamp' });
    expect(rejection(() => verify(n, { nowMs: ts - 300_000 }))).toMatchObject({ status: 401, reason: 'stale_timestamp' });
    expect(rejection(() => verify(n, { nowMs: ts + 3_600_000 })).status).toBe(401);
    expect(rejection(() => verify(n, { nowMs: ts + 30_000, maxSkewSeconds: 30 })).status).toBe(401);
  });

  it('rejects WECHATPAY/SIGNTEST/ probes (401)', () => {
    const n = notification();
    const probe = { ...n, headers: { ...n.headers, 'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/4gMJzO3pKyQEsAyl0QrnJg==' } };
    expect(rejection(() => verify(probe))).toMatchObject({ status: 401, reason: 'signtest_probe' });
  });

  it('rejects missing headers (401)', () => {
    const n = notification();
    for (const name of ['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial']) {
      const headers = { ...n.headers };
      delete headers[name];
      expect(rejection(() => verify({ ...n, headers }))).toMatchObject({ status: 401, reason: 'missing_headers' });
    }
  });

  it('answers 400 when the resource does not decrypt: wrong APIv3 key, corrupted ciphertext, wrong AAD', () => {
    const wrongKey = notification({ apiV3Key: OTHER_V3_KEY });
    expect(rejection(() => verify(wrongKey))).toMatchObject({ status: 400, reason: 'decrypt_failed' });
    expect(rejection(() => verify(notification(), { apiV3Key: OTHER_V3_KEY })).status).toBe(400);

    const corrupt = notification({
      body: (b) => {
        const r = b.resource as Record<string, string>;
        const ct = Buffer.from(r.ciphertext!, 'base64');
        ct[0] = ct[0]! ^ 0xff;
        return { ...b, resource: { ...r, ciphertext: ct.toString('base64') } };
      },
    });
    expect(rejection(() => verify(corrupt))).toMatchObject({ status: 400, reason: 'decrypt_failed' });

    const wrongAad = notification({
      body: (b) => ({ ...b, resource: { ...(b.resource as object), associated_data: 'certificate' } }),
    });
    expect(rejection(() => verify(wrongAad)).status).toBe(400);
  });

  it('answers 400 for malformed bodies, resources and algorithms (still signed)', () => {
    const notJson = notification({ body: () => ({}) });
    const signedGarbage = { ...notJson, rawBody: '{not json' };
    const garbage = { ...signedGarbage, headers: signedHeaders({ body: '{not json', privateKey: publicKeyModeSigner, serial: PUB_KEY_ID, nowMs: notJson.nowMs }) };
    expect(rejection(() => verify(garbage))).toMatchObject({ status: 400, reason: 'malformed_body' });
    expect(rejection(() => verify(notJson))).toMatchObject({ status: 400, reason: 'malformed_body' });
    const noResource = notification({ body: ({ resource: _r, ...rest }) => rest });
    expect(rejection(() => verify(noResource))).toMatchObject({ status: 400, reason: 'malformed_resource' });
    const algorithm = notification({
      body: (b) => ({ ...b, resource: { ...(b.resource as object), algorithm: 'AEAD_SM4_GCM' } }),
    });
    expect(rejection(() => verify(algorithm))).toMatchObject({ status: 400, reason: 'unsupported_algorithm' });
    const notATransaction = notification({ plaintext: '"just a string"' });
    expect(rejection(() => verify(notATransaction))).toMatchObject({ status: 400, reason: 'malformed_transaction' });
  });

  it('returns kind "other" for other event types, after verifying the signature', () => {
    const other = notification({ eventType: 'TRANSACTION.CLOSED' });
    expect(verify(other)).toEqual({ kind: 'other', eventType: 'TRANSACTION.CLOSED' });
    const forged = notification({ eventType: 'TRANSACTION.CLOSED', signer: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey });
    expect(rejection(() => verify(forged)).status).toBe(401);
  });

  it('decrypts REFUND.* events as refunds: a transaction inside one is malformed (400)', () => {
    expect(rejection(() => verify(notification({ eventType: 'REFUND.SUCCESS' })))).toMatchObject({ status: 400, reason: 'malformed_refund' });
  });

  it('treats a wrongly sized APIv3 key as a configuration error, not the sender’s', () => {
    const err = (() => {
      try {
        verify(notification(), { apiV3Key: 'short' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(WxNotifyError);
  });
});
