/** The admin session cookie: parsing the Cookie header and the Set-Cookie attributes (no cookie package). */
import type { Request } from 'express';

export const ADMIN_COOKIE = 'aizhao_admin';
/** The cookie is sent to the admin page and its API only. */
const COOKIE_PATH = '/admin';

/** Reads one cookie from the Cookie header (RFC 6265 pairs separated by `;`). */
export function readCookie(req: Request, name: string): string | null {
  const header = req.get('cookie');
  if (!header) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

/** httpOnly, SameSite=Strict, Path=/admin; Secure in production (or whenever the request came over https). */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${ADMIN_COOKIE}=${token}`, `Path=${COOKIE_PATH}`, `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', 0, secure);
