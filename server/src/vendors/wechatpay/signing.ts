/**
 * WeChat Pay API v3 signatures (the request-signing and verification rules of pay.weixin.qq.com/docs/merchant/development/interface-rules/, e.g. build-verify-sign-src.html), shared by our client, the notification verifier
 * and the sandbox emulator.
 *
 * - Requests (merchant → WeChat): SHA256-with-RSA over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`, sent as
 *   `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`.
 * - Responses and notifications (WeChat → merchant): SHA256-with-RSA over `TIMESTAMP\nNONCE\nBODY\n`, carried in
 *   the `Wechatpay-Timestamp/-Nonce/-Signature/-Serial` headers; the key is chosen by `Wechatpay-Serial`.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export const AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';
/** Probe notifications that WeChat signs wrongly on purpose to check that merchants verify (community). */
export const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';
export const DEFAULT_MAX_SKEW_SECONDS = 300;

export type HeaderMap = Record<string, string | string[] | undefined>;
type Body = Buffer | string;
type PrivateKeyInput = KeyObject | string;

const toBuffer = (body: Body | undefined): Buffer =>
  body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;

const asPrivateKey = (key: PrivateKeyInput): KeyObject => (typeof key === 'string' ? createPrivateKey(key) : key);

/** 32 random characters of [0-9A-Z], as WeChat's own nonces look. */
export function newNonce(length = 32): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

export const unixSeconds = (nowMs: number = Date.now()): string => String(Math.floor(nowMs / 1000));

/** The request string to sign: `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` (URL = path + query). */
export function requestMessage(method: string, url: string, timestamp: string, nonce: string, body?: Body): Buffer {
  return Buffer.concat([
    Buffer.from(`${method.toUpperCase()}\n${url}\n${timestamp}\n${nonce}\n`, 'utf8'),
    toBuffer(body),
    Buffer.from('\n'),
  ]);
}

/** The response/notification string to verify: `TIMESTAMP\nNONCE\nBODY\n` over the raw body bytes. */
export function responseMessage(timestamp: string, nonce: string, body?: Body): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), toBuffer(body), Buffer.from('\n')]);
}

/** SHA256-with-RSA (PKCS#1 v1.5), base64. */
export function rsaSign(message: Buffer, privateKey: PrivateKeyInput): string {
  return sign('sha256', message, asPrivateKey(privateKey)).toString('base64');
}

/** Verifies a base64 SHA256-with-RSA signature; never throws. */
export function rsaVerify(message: Buffer, signatureBase64: string, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    return verify('sha256', message, key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

export interface AuthorizationFields {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

/** Builds the `Authorization` header value of a merchant request. */
export function buildAuthorization(input: {
  mchid: string;
  serialNo: string;
  privateKey: PrivateKeyInput;
  method: string;
  /** path + query as WeChat sees it, e.g. `/v3/pay/transactions/out-trade-no/X?mchid=1` */
  url: string;
  body?: Body;
  nowMs?: number;
  nonce?: string;
}): string {
  const timestamp = unixSeconds(input.nowMs);
  const nonce = input.nonce ?? newNonce();
  const signature = rsaSign(requestMessage(input.method, input.url, timestamp, nonce, input.body), input.privateKey);
  return (
    `${AUTH_SCHEMA} mchid="${input.mchid}",nonce_str="${nonce}",timestamp="${timestamp}",` +
    `serial_no="${input.serialNo}",signature="${signature}"`
  );
}

/** Parses an `Authorization` header (key="value" pairs in any order); null when it is not a complete v3 one. */
export function parseAuthorization(header: string | undefined): AuthorizationFields | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${AUTH_SCHEMA} `)) return null;
  const fields: Record<string, string> = {};
  for (const m of trimmed.slice(AUTH_SCHEMA.length + 1).matchAll(/([a-z_]+)="([^"]*)"/g)) {
    fields[m[1]!] = m[2]!;
  }
  const { mchid, nonce_str, timestamp, serial_no, signature } = fields;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return null;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

/** The `Wechatpay-*` headers WeChat puts on responses and notifications, signed over `body`. */
export function signedHeaders(input: {
  body?: Body;
  privateKey: PrivateKeyInput;
  serial: string;
  nowMs?: number;
  nonce?: string;
}): Record<string, string> {
  const timestamp = unixSeconds(input.nowMs);
  const nonce = input.nonce ?? newNonce();
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': rsaSign(responseMessage(timestamp, nonce, input.body), input.privateKey),
    'Wechatpay-Serial': input.serial,
    'Wechatpay-Signature-Type': AUTH_SCHEMA,
  };
}

/** Case-insensitive header lookup; the first value of a repeated header. */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== wanted) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/** Looks a key up by serial; certificate serials are hex, so the case of the header does not matter. */
export function keyForSerial(keys: Map<string, KeyObject>, serial: string): KeyObject | undefined {
  return keys.get(serial) ?? keys.get(serial.toUpperCase());
}

export type SignedMessageCheck =
  | { ok: true; serial: string }
  | { ok: false; reason: 'missing_headers' | 'signtest_probe' | 'bad_signature_type' | 'stale_timestamp' | 'unknown_serial' | 'bad_signature' };

/**
 * Verifies the `Wechatpay-*` headers of a response or notification over its raw body: all headers present, not a
 * SIGNTEST probe, timestamp within `maxSkewSeconds` (off by that much or more is rejected), known serial, valid
 * signature.
 */
export function checkSignedMessage(input: {
  headers: HeaderMap;
  body: Body;
  keys: Map<string, KeyObject>;
  nowMs?: number;
  maxSkewSeconds?: number;
}): SignedMessageCheck {
  const h = (name: string) => headerValue(input.headers, name)?.trim();
  const timestamp = h('Wechatpay-Timestamp');
  const nonce = h('Wechatpay-Nonce');
  const signature = h('Wechatpay-Signature');
  const serial = h('Wechatpay-Serial');
  const signatureType = h('Wechatpay-Signature-Type');
  if (!timestamp || !nonce || !signature || !serial) return { ok: false, reason: 'missing_headers' };
  if (signature.startsWith(SIGNTEST_PREFIX)) return { ok: false, reason: 'signtest_probe' };
  if (signatureType !== undefined && signatureType !== AUTH_SCHEMA) return { ok: false, reason: 'bad_signature_type' };
  const maxSkew = input.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS;
  const skew = Math.abs((input.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (!/^\d{1,12}$/.test(timestamp) || !(skew < maxSkew)) return { ok: false, reason: 'stale_timestamp' };
  const key = keyForSerial(input.keys, serial);
  if (!key) return { ok: false, reason: 'unknown_serial' };
  if (!rsaVerify(responseMessage(timestamp, nonce, input.body), signature, key)) {
    return { ok: false, reason: 'bad_signature' };
  }
  return { ok: true, serial };
}
