import express, { Router } from 'express';
import { idSchema, purchaseRequest } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { verifyNotification, WxNotifyError } from '../../vendors/wechatpay/notification.js';
import { requireUser } from '../auth/middleware.js';
import type { AlipayTrade } from '../../vendors/types.js';
import { applyAlipayRefundNotice, applyAlipayTrade } from './alipay.js';
import { applyNotifiedTransaction, applyTransaction, PaymentMismatchError } from './grant.js';
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
      const { created, order } = await purchase(ctx, req.userId!, body.channel, body.planId);
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
      await applyNotifiedTransaction(ctx, notification.transaction);
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

/**
 * The Alipay asynchronous notification endpoint (notify_url of alipay.trade.precreate; opendocs.alipay.com/open/194/103296).
 * Mounted before the body parsers: the form is read as posted. The RSA2 signature (by the Alipay public key, or the
 * key of the Alipay public-key certificate) is verified by alipay-sdk's checkNotifySignV2 over the sorted parameters
 * without sign and sign_type; app_id, seller_id, out_trade_no and total_amount are checked against the order; the
 * literal `success` is answered only after the grant (or refund) committed. Anything else — `fail` with 4xx/5xx —
 * makes Alipay send it again (8 times in about 25 h), and a re-sent notification changes nothing once applied.
 */
export function alipayCallbackRoute(ctx: AppContext): Router {
  const r = Router();
  r.post('/membership/alipay-callback', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const fail = (status: number, reason: string) => {
      ctx.logger.warn({ requestId: req.id, status, reason }, 'alipay notification rejected');
      res.status(status).type('text/plain').send('fail');
    };
    try {
      const alipay = ctx.vendors.alipay;
      if (!alipay) return fail(404, 'the Alipay channel is off');
      const params: Record<string, string> = {};
      const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
      for (const [k, v] of new URLSearchParams(raw)) {
        if (k in params) return fail(400, `parameter ${k} twice`);
        params[k] = v;
      }
      if (!alipay.verifyNotification(params)) return fail(400, 'signature invalid');
      const trade = params as unknown as AlipayTrade;
      if (trade.app_id !== alipay.appId) return fail(400, 'app_id mismatch');
      if (trade.seller_id !== alipay.sellerId) return fail(400, 'seller_id mismatch');
      const order = await ctx.db.models.Order.findByPk(String(trade.out_trade_no ?? '').slice(0, 32));
      if (!order || order.channel !== 'alipay') return fail(400, 'unknown order');
      await applyAlipayTrade(ctx, order, trade, true);
      await applyAlipayRefundNotice(ctx, order, trade);
      res.status(200).type('text/plain').send('success');
    } catch (err) {
      if (err instanceof PaymentMismatchError || err instanceof RefundMismatchError) return fail(400, err.message);
      ctx.logger.error({ err, requestId: req.id }, 'alipay notification failed');
      fail(500, 'internal error');
    }
  });
  return r;
}
