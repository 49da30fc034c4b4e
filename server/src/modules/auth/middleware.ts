import type { RequestHandler } from 'express';
import type { AppContext } from '../../context.js';
import { AppError } from '../../lib/errors.js';
import { verifyToken } from './tokens.js';

/** Requires `Authorization: Bearer <merchant JWT>`; sets req.userId. */
export function requireUser(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    try {
      const m = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(req.get('authorization') ?? '');
      if (!m?.[1]) throw new AppError('UNAUTHENTICATED');
      req.userId = await verifyToken(ctx.config.jwt.secret, m[1]);
      next();
    } catch (err) {
      next(err);
    }
  };
}
