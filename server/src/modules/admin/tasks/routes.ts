import { Router } from 'express';
import { adminTasksQuery, failAndRefundRequest } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { parse, route } from '../../../http/middleware.js';
import { actorOf, bodyOf, pathId, queryOf } from '../http.js';
import { adminFailAndRefund, getAdminTask, listAdminTasks } from './service.js';

const NOT_FOUND = '任务不存在';

export function adminTaskRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/tasks',
    route(async (req, res) => {
      res.json(await listAdminTasks(ctx, parse(adminTasksQuery, queryOf(req))));
    }),
  );
  r.get(
    '/tasks/:id',
    route(async (req, res) => {
      res.json(await getAdminTask(ctx, pathId(req, NOT_FOUND)));
    }),
  );
  r.post(
    '/tasks/:id/fail-and-refund',
    route(async (req, res) => {
      const id = pathId(req, NOT_FOUND);
      const { reason } = parse(failAndRefundRequest, bodyOf(req));
      res.json(await adminFailAndRefund(ctx, actorOf(req), id, reason));
    }),
  );
  return r;
}
