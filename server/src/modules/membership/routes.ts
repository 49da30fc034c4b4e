import express, { Router } from 'express';
import { idSchema, purchaseRequest } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { verifyNotification, WxNotifyError } from '../../vendors/wechatpay/notification.js';
import { requireUser } from '../auth/middleware.js';
import { applyTransaction, PaymentMismatchError } from './grant.js';
import { applyRefundNotice, RefundMismatchError } from './refunds.js';
import { getOrder, membershipStatus, purchase } from './service.js';

export function membershipRoutes(ctx: AppContext): Router {
  const r = Router();
  const auth = requireUser(ctx);
  r.get('/membership/status', auth, route(async (req, res) => void res.json(await membershipStatus(ctx, req.userId!))));
  r.post(
    '/membership/purchase',
    auth,
    route(async (req, res) => {
      const body = parse(purchaseRequest, req.body);
      const { created, order } = await purchase(ctx, req.userId!, body.channel);
      res.status(created ? 201 : 200).json(order);
    }),
  );
  r.get(
    '/membership/orders/:orderId',
    auth,
    route(async (req, res) => {
      const id = idSchema.safeParse(req.params.orderId);
      if (!id.success) throw new AppError('NOT_FOUND', '订单不存在');
      res.json(await getOrder(ctx, req.userId!, id.data));
    }),
  );
  return r;
}

/**
 * The WeChat Pay notification endpoint. Mounted before the JSON body parser: it verifies the raw bytes.
 * Payment (TRANSACTION.SUCCESS) and refund (REFUND.*) notifications share it: a refund's notify_url is this URL too.
 * Answers 204 on success (also for an order already paid and for other event types) and WeChat's own
 * `{"code":"FAIL","message"}` shape on failure.
 */
export function paymentCallbackRoute(ctx: AppContext): Router {
  const r = Router();
  r.post('/membership/payment-callback', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const fail = (status: number, message: string) => {
      ctx.logger.warn({ requestId: req.id, status, reason: message }, 'payment callback rejected');
      res.status(status).json({ code: 'FAIL', message });
    };
    try {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const notification = verifyNotification({
        headers: req.headers,
        rawBody,
        keys: ctx.vendors.wechatNotifyKeys,
        apiV3Key: ctx.config.wechat.apiV3Key,
        nowMs: ctx.now().getTime(),
      });
      if (notification.kind === 'refund') {
        await applyRefundNotice(ctx, notification.refund, async (order) => {
          const tx = await ctx.vendors.wechat.queryOrder(order.id);
          if (tx) await applyTransaction(ctx, order, tx);
        });
        res.status(204).end();
        return;
      }
      if (notification.kind !== 'transaction') {
        res.status(204).end();
        return;
      }
      const tx = notification.transaction;
      const order = await ctx.db.models.Order.findByPk(String(tx.out_trade_no ?? '').slice(0, 32));
      if (!order) return fail(400, 'unknown order');
      await applyTransaction(ctx, order, tx);
      res.status(204).end();
    } catch (err) {
      if (err instanceof WxNotifyError) return fail(err.status, err.message);
      if (err instanceof PaymentMismatchError || err instanceof RefundMismatchError) return fail(400, err.message);
      ctx.logger.error({ err, requestId: req.id }, 'payment callback failed');
      fail(500, 'internal error');
    }
  });
  // body-parser errors (too large, aborted) answer in WeChat's shape too
  r.use('/membership/payment-callback', (err: { status?: number; message?: string }, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    ctx.logger.warn({ requestId: req.id, err }, 'payment callback body rejected');
    res.status(err.status && err.status >= 400 && err.status < 500 ? err.status : 400).json({ code: 'FAIL', message: 'bad request body' });
  });
  return r;
}
