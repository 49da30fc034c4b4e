import { Router } from 'express';
import { adminOptionalReason, adminOrdersQuery, orderRefundRequest } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { parse, route } from '../../../http/middleware.js';
import { actorOf, bodyOf, pathId, queryOf } from '../http.js';
import { refundOrder } from './refunds.js';
import { closeOrder, getAdminOrder, listOrders, syncOrder } from './service.js';

const NOT_FOUND = '订单不存在';

export function adminOrderRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/orders',
    route(async (req, res) => {
      res.json(await listOrders(ctx, parse(adminOrdersQuery, queryOf(req))));
    }),
  );
  r.get(
    '/orders/:id',
    route(async (req, res) => {
      res.json(await getAdminOrder(ctx, pathId(req, NOT_FOUND)));
    }),
  );
  r.post(
    '/orders/:id/sync',
    route(async (req, res) => {
      const id = pathId(req, NOT_FOUND);
      const { reason } = parse(adminOptionalReason, bodyOf(req));
      res.json(await syncOrder(ctx, actorOf(req), id, reason ?? null));
    }),
  );
  r.post(
    '/orders/:id/close',
    route(async (req, res) => {
      const id = pathId(req, NOT_FOUND);
      const { reason } = parse(adminOptionalReason, bodyOf(req));
      res.json(await closeOrder(ctx, actorOf(req), id, reason ?? null));
    }),
  );
  r.post(
    '/orders/:id/refunds',
    route(async (req, res) => {
      const id = pathId(req, NOT_FOUND);
      const body = parse(orderRefundRequest, bodyOf(req));
      res.status(201).json(await refundOrder(ctx, actorOf(req), id, body));
    }),
  );
  return r;
}
