/**
 * Tencent Cloud API 3.0 signature TC3-HMAC-SHA256, verified as the server does it. What is signed, exactly as
 * tencentcloud-sdk-nodejs-common computes it (tencentcloud/common/sign.js `Sign.sign3`, http/http_connection.js
 * `doRequestWithSign3`; the algorithm of Tencent's "Signature v3" document):
 *
 *   CanonicalRequest = Method \n Path \n Query \n content-type:<type>\n host:<hostname>\n \n content-type;host \n hex(sha256(body))
 *   StringToSign     = "TC3-HMAC-SHA256" \n X-TC-Timestamp \n <date>/<service>/tc3_request \n hex(sha256(CanonicalRequest))
 *   kDate = HMAC_SHA256("TC3" + SecretKey, date); kService = HMAC(kDate, service); kSigning = HMAC(kService, "tc3_request")
 *   Authorization = TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=…, Signature=hex(HMAC(kSigning, StringToSign))
 *
 * `date` is the UTC day of X-TC-Timestamp. The SDK signs the URL's host name without a port (`urlObj.hostname`);
 * the emulator, on a port of its own, takes the Host header without its port for the same value.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authFailure, MAX_CLOCK_SKEW_SECONDS, TencentApiError } from './errors.js';

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9-]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

const sha256hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const utcDay = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().slice(0, 10);

/** The signature a client holding `secretKey` sends for this request (hex). */
export function tc3Signature(o: {
  secretKey: string;
  method: string;
  path: string;
  query: string;
  /** the signed headers' canonical lines, in SignedHeaders order */
  canonicalHeaders: string;
  signedHeaders: string;
  body: Buffer;
  timestamp: number;
  service: string;
}): string {
  const date = utcDay(o.timestamp);
  const canonicalRequest = [o.method, o.path, o.query, o.canonicalHeaders, o.signedHeaders, sha256hex(o.body)].join('\n');
  const stringToSign = ['TC3-HMAC-SHA256', String(o.timestamp), `${date}/${o.service}/tc3_request`, sha256hex(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(`TC3${o.secretKey}`, date), o.service), 'tc3_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/**
 * Checks a request's Authorization against the account's key; answers the service it was signed for. Throws the
 * TencentApiError Tencent answers: AuthFailure.InvalidAuthorization (malformed), .SecretIdNotFound, .SignatureExpire
 * (more than five minutes off), .SignatureFailure.
 */
export function verifyTc3(
  req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  account: { secretId: string; secretKey: string },
  nowSeconds: number,
): { service: string } {
  const m = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  if (!m) throw authFailure('AuthFailure.InvalidAuthorization');
  const [, secretId, date, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  const names = signedHeaders.split(';');
  if (!names.includes('content-type') || !names.includes('host')) throw authFailure('AuthFailure.InvalidAuthorization');
  if (secretId !== account.secretId) throw authFailure('AuthFailure.SecretIdNotFound');
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp))
    throw new TencentApiError('MissingParameter', 'The request is missing a required parameter `X-TC-Timestamp`.');
  if (Math.abs(nowSeconds - timestamp) > MAX_CLOCK_SKEW_SECONDS) throw authFailure('AuthFailure.SignatureExpire');
  if (date !== utcDay(timestamp)) throw authFailure('AuthFailure.SignatureFailure');
  const value = (name: string): string => {
    const raw = req.headers[name];
    const v = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim();
    return name === 'host' ? v.replace(/:\d+$/, '') : v;
  };
  const url = new URL(req.url, 'https://emulator.invalid');
  const expected = tc3Signature({
    secretKey: account.secretKey,
    method: req.method,
    path: url.pathname,
    query: url.search.slice(1),
    canonicalHeaders: names.map((n) => `${n}:${value(n).toLowerCase()}\n`).join(''),
    signedHeaders,
    body: req.body,
    timestamp,
    service,
  });
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) throw authFailure('AuthFailure.SignatureFailure');
  return { service };
}
