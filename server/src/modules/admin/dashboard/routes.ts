import { Router } from 'express';
import type { AppContext } from '../../../context.js';
import { route } from '../../../http/middleware.js';
import { dashboard } from './service.js';

export function adminDashboardRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/dashboard',
    route(async (_req, res) => {
      res.json(await dashboard(ctx));
    }),
  );
  return r;
}
