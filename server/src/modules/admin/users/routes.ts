import { Router } from 'express';
import { adminUsersQuery, quotaAdjustmentRequest } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { parse, route } from '../../../http/middleware.js';
import { actorOf, bodyOf, pathId, queryOf } from '../http.js';
import { adjustQuota, getUserDetail, listUsers } from './service.js';

const NOT_FOUND = '用户不存在';

export function adminUserRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/users',
    route(async (req, res) => {
      res.json(await listUsers(ctx, parse(adminUsersQuery, queryOf(req))));
    }),
  );
  r.get(
    '/users/:id',
    route(async (req, res) => {
      res.json(await getUserDetail(ctx, pathId(req, NOT_FOUND)));
    }),
  );
  r.post(
    '/users/:id/quota-adjustments',
    route(async (req, res) => {
      const id = pathId(req, NOT_FOUND);
      const { delta, reason } = parse(quotaAdjustmentRequest, bodyOf(req));
      res.status(201).json(await adjustQuota(ctx, actorOf(req), id, delta, reason));
    }),
  );
  return r;
}
