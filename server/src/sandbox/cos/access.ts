/**
 * Who signed a request (the permanent sandbox key or a temporary upload key) and whether they may do it.
 * Temporary keys carry the least-privilege upload policy of vendors/cos/upload-policy.ts on their prefix.
 */
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import { CosError, accessDenied } from './errors.js';
import type { CosOperation } from './operations.js';
import { policyAllows } from './policy.js';
import { header, type CosRequest } from './request.js';
import { authorizationHeaderFields, computeSignature, parseAuthorization, signaturesEqual } from './signature.js';
import type { TempKeyStore } from './temp-keys.js';

export type Principal = { kind: 'permanent' } | { kind: 'temporary'; secretId: string; policy: UploadPolicy };

export interface AccessDeps {
  secretId: string;
  secretKey: string;
  tempKeys: TempKeyStore;
  nowSeconds: () => number;
}

const signatureMismatch = (): CosError =>
  new CosError(403, 'SignatureDoesNotMatch', 'The Signature you specified does not match what we calculated.');

/** Verifies the q-sign-* signature (Authorization header, or query parameters of a presigned URL). */
export function authenticate(r: CosRequest, d: AccessDeps): Principal {
  const authHeader = header(r, 'authorization');
  const fields = authHeader ? authorizationHeaderFields(authHeader) : r.presign;
  if (!fields.has('q-signature') && !fields.has('q-ak')) throw accessDenied('Anonymous access is not allowed.');
  const auth = parseAuthorization(fields);
  if (!auth || auth.algorithm !== 'sha1') throw accessDenied('The Authorization is malformed.');

  const now = d.nowSeconds();
  let secretKey: string;
  let principal: Principal;
  if (auth.ak === d.secretId) {
    secretKey = d.secretKey;
    principal = { kind: 'permanent' };
  } else {
    const temp = d.tempKeys.find(auth.ak);
    if (!temp) throw new CosError(403, 'InvalidAccessKeyId', 'The access key Id you provided does not exist.');
    const token = header(r, 'x-cos-security-token') ?? r.presign.get('x-cos-security-token');
    if (token !== temp.sessionToken) throw accessDenied('The security token is missing or invalid.');
    if (now > temp.expiredTime) throw accessDenied('The security token has expired.');
    secretKey = temp.tmpSecretKey;
    principal = { kind: 'temporary', secretId: auth.ak, policy: temp.policy };
  }
  // The SDK retries (after correcting its clock from our Date header) on exactly this message.
  if (now < auth.start || now > auth.end) throw accessDenied('Request has expired');

  const listed = new Set(auth.urlParamList);
  for (const name of r.params.keys()) if (!listed.has(name)) throw signatureMismatch();
  const expected = computeSignature({
    secretKey,
    keyTime: auth.keyTime,
    signTime: auth.signTime,
    method: r.method,
    pathname: r.pathname,
    params: new Map(auth.urlParamList.map((n) => [n, r.params.get(n) ?? ''])),
    headers: new Map(auth.headerList.map((n) => [n, header(r, n) ?? ''])),
  });
  if (!signaturesEqual(expected, auth.signature)) throw signatureMismatch();
  return principal;
}

/**
 * The permanent key may do everything; a temporary key what its policy allows: the action on the object's resource
 * (for ListMultipartUploads, the listed prefix), with the request's Content-Type and Content-Length as
 * `cos:content-type` / `cos:content-length`.
 */
export function authorize(p: Principal, op: CosOperation, r: CosRequest, resourceOf: (key: string) => string): void {
  if (p.kind === 'permanent') return;
  const key = op === 'name/cos:ListMultipartUploads' ? (r.params.get('prefix') ?? '') : r.key;
  const allowed = policyAllows(p.policy, {
    action: op,
    resource: resourceOf(key),
    values: { 'cos:content-type': header(r, 'content-type'), 'cos:content-length': header(r, 'content-length') ?? String(r.body.length) },
  });
  if (!allowed) throw accessDenied();
}
