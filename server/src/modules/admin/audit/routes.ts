import { Router } from 'express';
import { adminAuditQuery } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { parse, route } from '../../../http/middleware.js';
import { queryOf } from '../http.js';
import { listAudit } from './service.js';

export function adminAuditRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/audit-log',
    route(async (req, res) => {
      res.json(await listAudit(ctx, parse(adminAuditQuery, queryOf(req))));
    }),
  );
  return r;
}
