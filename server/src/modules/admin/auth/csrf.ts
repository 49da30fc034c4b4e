/**
 * CSRF protection: a synchronizer token bound to the admin session, sent back as `X-CSRF-Token` on every state
 * change (every method but GET/HEAD/OPTIONS). Missing or wrong → 403 CSRF. Runs after requireAdmin.
 */
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../../../lib/errors.js';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const expected = req.admin?.session.csrfToken;
  const given = req.get(CSRF_HEADER);
  if (!expected || !given || !sameToken(given, expected)) return next(new AppError('CSRF'));
  next();
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
