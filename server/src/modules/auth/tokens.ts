/** Merchant JWTs: HS256 pinned, iss/aud checked. */
import { webcrypto } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../lib/errors.js';

const ISSUER = 'aizhao-api';
const AUDIENCE = 'aizhao-merchant';

const DURATION = /^(\d+)([smhd])$/;
export function parseDurationSeconds(s: string): number {
  const m = DURATION.exec(s);
  if (!m) throw new Error(`bad duration ${s}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/**
 * The HMAC key of a secret, imported once (jose would import a raw secret again on every call, an asynchronous
 * WebCrypto job per request).
 */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
function hmacKey(secret: string): Promise<webcrypto.CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

export async function issueToken(
  secret: string,
  userId: string,
  expire: string,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + parseDurationSeconds(expire);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(await hmacKey(secret));
  return { token, expiresAt: new Date(exp * 1000) };
}

/**
 * Tokens already verified, with their subject and expiry: a merchant's app sends the same token with every request
 * until it expires, and a merchant JWT is stateless (nothing revokes it before exp), so a verified token stays valid
 * until then; the answer for it is remembered instead of verifying the HMAC again (a WebCrypto job per request).
 */
const verified = new Map<string, { secret: string; sub: string; expMs: number }>();
const MAX_VERIFIED = 10_000;

export async function verifyToken(secret: string, token: string): Promise<string> {
  const known = verified.get(token);
  if (known && known.secret === secret && Date.now() < known.expMs) return known.sub;
  try {
    const { payload } = await jwtVerify(token, await hmacKey(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      // a token without an expiry would be valid for ever: every token we issue has exp, so one without it is forged
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    if (typeof payload.sub !== 'string' || !payload.sub) throw new Error('no subject');
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.delete(token);
    verified.set(token, { secret, sub: payload.sub, expMs: payload.exp! * 1000 });
    return payload.sub;
  } catch {
    throw new AppError('UNAUTHENTICATED', '登录已失效，请重新登录');
  }
}
