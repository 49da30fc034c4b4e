/**
 * Presigned COS GET URLs without the SDK per URL: the same q-sign-algorithm=sha1 signature and URL layout as
 * cos-nodejs-sdk-v5's `getObjectUrl` (sdk/base.js getObjectUrl/getUrl/getSignHost, sdk/util.js getAuth; algorithm:
 * tencentcloud.com/document/product/436/7778), with the Host header signed as the SDK does by default
 * (ForceSignHost). The sign key — HMAC-SHA1(SecretKey, KeyTime) — depends only on the key time, so the key time is a
 * window (`[start; start + window + expires]`, start a multiple of the window) and its sign key is computed once per
 * window instead of once per URL; a URL is then valid for at least `expires` seconds and at most `window` longer.
 * test/cos/url-signer.test.ts checks the URLs byte for byte against the SDK's for the same inputs and time.
 */
import { createHash, createHmac } from 'node:crypto';
import type { CosEndpointOptions } from './endpoint.js';

/** encodeURIComponent plus `!'()*` (the SDK's camSafeUrlEncode). */
const camSafe = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Regions whose legacy endpoint has no `cos.` label (the SDK's getUrl). */
const LEGACY_REGIONS = new Set(['cn-south', 'cn-south-2', 'cn-north', 'cn-east', 'cn-southwest', 'sg']);

export interface CosUrlSignerOptions extends CosEndpointOptions {
  /** length of a key-time window, seconds; default 300 */
  windowSeconds?: number;
}

/** Signed URLs kept for reuse within a window (a merchant's list polled again signs nothing). */
const MAX_CACHED_URLS = 20_000;
/** The sign key of the current window and the one before it (a URL signed at a window's edge may still come). */
const KEPT_KEYS = 4;

export class CosUrlSigner {
  private readonly base: string;
  private readonly host: string;
  private readonly window: number;
  private readonly signKeys = new Map<string, string>();
  /** URLs already signed, by key time, key and query: the same inputs in one window give the same URL */
  private readonly urls = new Map<string, string>();

  constructor(private readonly o: CosUrlSignerOptions) {
    this.window = o.windowSeconds ?? 300;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError('windowSeconds must be a positive integer');
    const appId = o.bucket.slice(o.bucket.lastIndexOf('-') + 1);
    const shortBucket = o.bucket.slice(0, o.bucket.lastIndexOf('-'));
    let domain = o.domain ?? (LEGACY_REGIONS.has(o.region) ? '{Bucket}.{Region}.myqcloud.com' : '{Bucket}.cos.{Region}.myqcloud.com');
    domain = domain
      .replace(/\{AppId\}/gi, appId)
      .replace(/\{BucketName\}/gi, shortBucket)
      .replace(/\{Bucket\}/gi, o.bucket)
      .replace(/\{Region\}/gi, o.region)
      .replace(/\{.*?\}/gi, '');
    if (!/^[a-zA-Z]+:\/\//.test(domain)) domain = `${o.protocol ?? 'https:'}//${domain}`;
    if (domain.endsWith('/')) domain = domain.slice(0, -1);
    this.base = `${domain}/`;
    this.host = this.base.replace(/^https?:\/\/([^/]+)(\/.*)?$/, '$1');
  }

  /** The key time a URL signed at `nowMs` for `expiresSeconds` gets (`start;end`, Unix seconds). */
  keyTime(nowMs: number, expiresSeconds: number): string {
    const now = Math.round(nowMs / 1000) - 1; // the SDK's one second of clock skew
    const start = now - (now % this.window);
    return `${start};${start + this.window + expiresSeconds}`;
  }

  private signKey(keyTime: string): string {
    let k = this.signKeys.get(keyTime);
    if (k === undefined) {
      k = createHmac('sha1', this.o.secretKey).update(keyTime).digest('hex');
      if (this.signKeys.size >= KEPT_KEYS) this.signKeys.delete(this.signKeys.keys().next().value!);
      this.signKeys.set(keyTime, k);
    }
    return k;
  }

  /** The `q-sign-*` Authorization of a GET of `key` with `query` (names and values as sent) at `keyTime`. */
  authorization(key: string, query: Readonly<Record<string, string>>, keyTime: string): string {
    const names = Object.keys(query).sort(byLowerCase);
    const signedQuery = names.map((n) => `${camSafe(n).toLowerCase()}=${camSafe(query[n]!)}`).join('&');
    const formatString = `get\n/${key}\n${signedQuery}\nhost=${camSafe(this.host)}\n`;
    const stringToSign = `sha1\n${keyTime}\n${createHash('sha1').update(formatString, 'utf8').digest('hex')}\n`;
    const signature = createHmac('sha1', this.signKey(keyTime)).update(stringToSign).digest('hex');
    const paramList = names
      .map((n) => camSafe(n).toLowerCase())
      .sort(byLowerCase)
      .join(';');
    return (
      `q-sign-algorithm=sha1&q-ak=${this.o.secretId}&q-sign-time=${keyTime}&q-key-time=${keyTime}` +
      `&q-header-list=host&q-url-param-list=${paramList}&q-signature=${signature}`
    );
  }

  /** The presigned GET URL of `key`, as the SDK's getObjectUrl({Sign: true, Expires, Query}) builds it. */
  signedGetUrl(key: string, expiresSeconds: number, query: Readonly<Record<string, string>> = {}, nowMs = Date.now()): string {
    const keyTime = this.keyTime(nowMs, expiresSeconds);
    const cacheKey = `${keyTime}\n${key}\n${JSON.stringify(query)}`;
    let url = this.urls.get(cacheKey);
    if (url === undefined) {
      url = this.buildUrl(key, query, keyTime);
      if (this.urls.size >= MAX_CACHED_URLS) this.urls.delete(this.urls.keys().next().value!);
      this.urls.set(cacheKey, url);
    }
    return url;
  }

  private buildUrl(key: string, query: Readonly<Record<string, string>>, keyTime: string): string {
    const auth = this.authorization(key, query, keyTime);
    // the SDK encodes the q-url-param-list value once more in the URL (its "compatible with CI URLs" step)
    const names = Object.keys(query).sort(byLowerCase);
    const inUrl = auth.replace(
      /q-url-param-list=([^&]*)/,
      (_m, list: string) => `q-url-param-list=${encodeURIComponent(list).toLowerCase()}`,
    );
    const queryString = names.map((n) => `${camSafe(n)}=${camSafe(query[n]!)}`).join('&');
    return `${this.base}${camSafe(key).replace(/%2F/g, '/')}?${inUrl}${queryString ? `&${queryString}` : ''}`;
  }
}

function byLowerCase(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y ? 0 : x > y ? 1 : -1;
}
