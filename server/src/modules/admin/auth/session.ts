/**
 * Admin sessions, kept in the database (so any instance serves any admin): the cookie holds a random token, the
 * table holds its sha256 as the id, the CSRF token bound to the session and the expiry (ADMIN_SESSION_HOURS).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { Op } from 'sequelize';
import type { AppContext } from '../../../context.js';
import type { Admin, AdminSession } from '../../../db/models.js';
import { AppError } from '../../../lib/errors.js';
import { ADMIN_COOKIE, clearedSessionCookie, readCookie, sessionCookie } from './cookies.js';

export interface AdminPrincipal {
  id: string;
  username: string;
  session: AdminSession;
}

declare module 'express-serve-static-core' {
  interface Request {
    admin?: AdminPrincipal;
  }
}

/** lastSeenAt is written at most this often per session */
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');

const secureCookies = (ctx: AppContext, req: Request): boolean => ctx.config.env === 'production' || req.secure;

/** Creates a session for the admin and sets the cookie; returns the CSRF token for the page. */
export async function startSession(ctx: AppContext, admin: Admin, req: Request, res: Response): Promise<string> {
  const now = ctx.now();
  const token = newToken();
  const csrfToken = newToken();
  const lifetimeSeconds = ctx.config.admin.sessionHours * 3600;
  const { AdminSession } = ctx.db.models;
  await AdminSession.destroy({ where: { expiresAt: { [Op.lt]: now } } });
  await AdminSession.create({
    id: hashToken(token),
    adminId: admin.id,
    csrfToken,
    expiresAt: new Date(now.getTime() + lifetimeSeconds * 1000),
    lastSeenAt: now,
    ip: req.ip?.slice(0, 64) ?? null,
    createdAt: now,
  });
  res.setHeader('Set-Cookie', sessionCookie(token, lifetimeSeconds, secureCookies(ctx, req)));
  return csrfToken;
}

export async function endSession(ctx: AppContext, req: Request, res: Response): Promise<void> {
  if (req.admin) await ctx.db.models.AdminSession.destroy({ where: { id: req.admin.session.id } });
  res.setHeader('Set-Cookie', clearedSessionCookie(secureCookies(ctx, req)));
}

/** The admin of the request's session cookie, or null (missing, unknown, expired). */
async function findPrincipal(ctx: AppContext, req: Request): Promise<AdminPrincipal | null> {
  const token = readCookie(req, ADMIN_COOKIE);
  if (!token || !/^[\w-]{20,100}$/.test(token)) return null;
  const now = ctx.now();
  const { AdminSession, Admin } = ctx.db.models;
  const session = await AdminSession.findByPk(hashToken(token));
  if (!session || session.expiresAt.getTime() <= now.getTime()) return null;
  const admin = await Admin.findByPk(session.adminId);
  if (!admin) return null;
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_EVERY_MS) {
    await AdminSession.update({ lastSeenAt: now }, { where: { id: session.id } });
  }
  return { id: admin.id, username: admin.username, session };
}

/** Every /admin/api path but login: a valid admin session cookie, else 401 UNAUTHENTICATED. */
export function requireAdmin(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    try {
      const principal = await findPrincipal(ctx, req);
      if (!principal) throw new AppError('UNAUTHENTICATED');
      req.admin = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}
