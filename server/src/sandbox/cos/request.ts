/** The parts of an incoming request that COS signing, routing and policy checks need. */
import type { Request } from 'express';
import { CosError } from './errors.js';
import { PRESIGN_QUERY_NAMES, camSafeUrlEncode } from './signature.js';

export interface CosRequest {
  method: string;
  /** decoded object key without the leading '/', '' for bucket-level requests */
  key: string;
  /** decoded path as signed: '/' + key */
  pathname: string;
  /** query parameters other than the presigned-URL signature fields: signing name (lower-case, encoded) → decoded value */
  params: Map<string, string>;
  /** the presigned-URL fields (q-*, x-cos-security-token) when present */
  presign: Map<string, string>;
  headers: Request['headers'];
  body: Buffer;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new CosError(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
}

/** `req.url` is relative to the router's mount point, so its path is exactly the signed `/<key>`. */
export function parseCosRequest(req: Request): CosRequest {
  const url = req.url;
  const q = url.indexOf('?');
  const pathname = decode(q < 0 ? url : url.slice(0, q));
  const params = new Map<string, string>();
  const presign = new Map<string, string>();
  for (const pair of q < 0 ? [] : url.slice(q + 1).split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const lower = name.toLowerCase();
    if (PRESIGN_QUERY_NAMES.has(lower)) presign.set(lower, value);
    else params.set(camSafeUrlEncode(name).toLowerCase(), value);
  }
  return {
    method: req.method.toUpperCase(),
    key: pathname.replace(/^\//, ''),
    pathname: pathname.startsWith('/') ? pathname : `/${pathname}`,
    params,
    presign,
    headers: req.headers,
    body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}

export function header(r: CosRequest, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}
