/**
 * The COS request signature (q-sign-algorithm=sha1; tencentcloud.com/document/product/436/7778 and cos-nodejs-sdk-v5 util.js getAuth), computed the way the server checks it:
 * from the received method, decoded path, query parameters and headers, for exactly the names the client listed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** encodeURIComponent plus `!'()*`, as cos-nodejs-sdk-v5 encodes names and values before signing. */
export function camSafeUrlEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export interface ParsedAuthorization {
  algorithm: string;
  ak: string;
  signTime: string;
  keyTime: string;
  /** lower-case names, as listed */
  headerList: string[];
  /** lower-case encoded names, as listed */
  urlParamList: string[];
  signature: string;
  /** [start, end] of q-sign-time in Unix seconds */
  start: number;
  end: number;
}

const AUTH_FIELDS = ['q-sign-algorithm', 'q-ak', 'q-sign-time', 'q-key-time', 'q-header-list', 'q-url-param-list', 'q-signature'] as const;
/** Query parameters that carry the signature (or the session token) of a presigned URL and are never signed. */
export const PRESIGN_QUERY_NAMES: ReadonlySet<string> = new Set([...AUTH_FIELDS, 'x-cos-security-token']);

function parseWindow(s: string): [number, number] | null {
  const m = /^(\d{9,11});(\d{9,11})$/.exec(s);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const splitList = (s: string): string[] => (s === '' ? [] : s.split(';'));

/** Reads the fields of an Authorization value; null when it is not a q-sign-* signature. */
export function parseAuthorization(fields: ReadonlyMap<string, string>): ParsedAuthorization | null {
  const get = (k: (typeof AUTH_FIELDS)[number]): string | undefined => fields.get(k);
  const algorithm = get('q-sign-algorithm');
  const ak = get('q-ak');
  const signTime = get('q-sign-time');
  const keyTime = get('q-key-time');
  const headerList = get('q-header-list');
  const urlParamList = get('q-url-param-list');
  const signature = get('q-signature');
  if (!algorithm || !ak || !signTime || !keyTime || headerList === undefined || urlParamList === undefined || !signature) {
    return null;
  }
  const window = parseWindow(signTime);
  if (!window) return null;
  return {
    algorithm,
    ak,
    signTime,
    keyTime,
    headerList: splitList(headerList.toLowerCase()),
    urlParamList: splitList(urlParamList.toLowerCase()),
    signature: signature.toLowerCase(),
    start: window[0],
    end: window[1],
  };
}

/** Splits an `Authorization` header value (`k=v&k=v…`, values not URL-encoded) into its fields. */
export function authorizationHeaderFields(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return out;
}

/** `k=v&…` over the given lower-case names, values camSafe-encoded, sorted by name. */
function canonicalPairs(names: readonly string[], valueOf: (name: string) => string): string {
  return [...names]
    .sort()
    .map((n) => `${n}=${camSafeUrlEncode(valueOf(n))}`)
    .join('&');
}

export interface SignInput {
  secretKey: string;
  keyTime: string;
  signTime: string;
  method: string;
  /** decoded path starting with '/' */
  pathname: string;
  /** lower-case encoded names → decoded values */
  params: ReadonlyMap<string, string>;
  /** lower-case names → values */
  headers: ReadonlyMap<string, string>;
}

/** hex q-signature over every given param and header (the caller passes exactly the listed ones). */
export function computeSignature(i: SignInput): string {
  const signKey = createHmac('sha1', i.secretKey).update(i.keyTime).digest('hex');
  const httpString = [
    i.method.toLowerCase(),
    i.pathname,
    canonicalPairs([...i.params.keys()], (n) => i.params.get(n) ?? ''),
    canonicalPairs([...i.headers.keys()], (n) => i.headers.get(n) ?? ''),
    '',
  ].join('\n');
  const stringToSign = ['sha1', i.signTime, createHash('sha1').update(httpString, 'utf8').digest('hex'), ''].join('\n');
  return createHmac('sha1', signKey).update(stringToSign).digest('hex');
}

export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
