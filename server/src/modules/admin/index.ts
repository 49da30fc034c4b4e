/**
 * The web admin's JSON API, mounted by app.ts at `/admin/api` before the merchant API's body parser.
 * Login is the only public path; everything else needs the admin session cookie (else 401 UNAUTHENTICATED), and every
 * state change also the session's CSRF token in `X-CSRF-Token` (else 403 CSRF). Merchant JWTs are not looked at here,
 * and the admin cookie means nothing to the merchant API.
 */
import express, { Router } from 'express';
import type { AppContext } from '../../context.js';
import { adminAuditRoutes } from './audit/routes.js';
import { requireCsrf } from './auth/csrf.js';
import { adminLoginRoute, adminSessionRoutes } from './auth/routes.js';
import { requireAdmin } from './auth/session.js';
import { adminDashboardRoutes } from './dashboard/routes.js';
import { adminOrderRoutes } from './orders/routes.js';
import { adminPlanRoutes } from './plans.js';
import { adminTaskRoutes } from './tasks/routes.js';
import { adminUserRoutes } from './users/routes.js';

export { seedAdminFromConfig, createOrResetAdmin } from './auth/accounts.js';

export function adminApiRoutes(ctx: AppContext): Router {
  const r = Router();
  const json = express.json({ limit: '20kb' });
  r.post('/login', json, adminLoginRoute(ctx));
  // no body is even parsed before the session (401) and the CSRF token (403) are checked
  r.use(requireAdmin(ctx), requireCsrf, json);
  r.use(adminSessionRoutes(ctx), adminDashboardRoutes(ctx), adminUserRoutes(ctx), adminOrderRoutes(ctx), adminTaskRoutes(ctx), adminAuditRoutes(ctx));
  r.use(adminPlanRoutes(ctx));
  return r;
}
