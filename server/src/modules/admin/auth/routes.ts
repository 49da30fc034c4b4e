/** POST /login (public), GET /session, POST /logout. Mounted under /admin/api. */
import { Router, type RequestHandler } from 'express';
import { adminLoginRequest, type AdminSession } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { parse, route } from '../../../http/middleware.js';
import { writeAudit } from '../audit/service.js';
import { retryAfterOf, verifyAdminLogin } from './login.js';
import { endSession, startSession } from './session.js';

export function adminLoginRoute(ctx: AppContext): RequestHandler {
  return route(async (req, res) => {
    const { username, password } = parse(adminLoginRequest, req.body);
    const admin = await verifyAdminLogin(ctx, username, password, req.ip).catch((err: unknown) => {
      const wait = retryAfterOf(err);
      if (wait) res.setHeader('Retry-After', String(wait));
      throw err;
    });
    const csrfToken = await startSession(ctx, admin, req, res);
    await writeAudit(ctx, { adminId: admin.id, username: admin.username }, { action: 'admin.login', details: { ip: req.ip ?? null } });
    const body: AdminSession = { admin: { username: admin.username }, csrfToken };
    res.json(body);
  });
}

/** Behind requireAdmin (and CSRF for logout). */
export function adminSessionRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get('/session', (req, res) => {
    const body: AdminSession = { admin: { username: req.admin!.username }, csrfToken: req.admin!.session.csrfToken };
    res.json(body);
  });
  r.post(
    '/logout',
    route(async (req, res) => {
      await endSession(ctx, req, res);
      await writeAudit(ctx, { adminId: req.admin!.id, username: req.admin!.username }, { action: 'admin.logout' });
      res.status(204).end();
    }),
  );
  return r;
}
