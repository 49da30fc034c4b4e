import { Router } from 'express';
import type { AppContext } from '../../context.js';
import { route } from '../../http/middleware.js';
import { listPlans, toPlanView } from './service.js';

/** GET /plans: what a merchant can buy now (the plans the operator turned on), in the operator's order. */
export function planRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/plans',
    route(async (_req, res) => void res.json({ plans: (await listPlans(ctx, { enabledOnly: true })).map(toPlanView) })),
  );
  return r;
}
