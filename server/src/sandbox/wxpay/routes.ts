/**
 * The emulated WeChat Pay v3 merchant API (§2.2, §2.4–2.6, §2.9, checklist §2.11), relative to its mount point:
 * `POST /v3/pay/transactions/native`, `GET /v3/pay/transactions/out-trade-no/:no?mchid=`,
 * `POST /v3/pay/transactions/out-trade-no/:no/close`. Every request must carry a valid merchant Authorization;
 * every answer is signed with the platform key. Paths outside `/v3` fall through to the next handler.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { JsonStore } from '../json-store.js';
import {
  DEFAULT_MAX_SKEW_SECONDS,
  parseAuthorization,
  requestMessage,
  rsaVerify,
  signedHeaders,
} from '../../vendors/wechatpay/signing.js';
import {
  isPaidState,
  newCodeUrl,
  PrepayInvalid,
  toTransaction,
  validatePrepay,
  type WxpayState,
} from './orders.js';
import { RefundInvalid, toRefund, validateRefundRequest, type RefundRequest, type StoredRefund } from './refunds.js';

export interface WxpayRouterContext {
  merchant: { appid: string; mchid: string; serialNo: string; publicKey: KeyObject };
  platform: { privateKey: KeyObject; serial: string };
  store: JsonStore<WxpayState>;
  now: () => number;
  /** called for every authenticated prepay / query / close request (the emulator's stats) */
  onRequest?: (op: WxpayOperation, outTradeNo: string) => void;
  /** the refund book: accepts a refund (or returns the one of that out_refund_no); throws RefundInvalid */
  refunds?: {
    create(req: RefundRequest, source: 'api'): StoredRefund;
    get(outRefundNo: string): StoredRefund | null;
  };
  /** called for every authenticated refund / refund query request, by out_refund_no */
  onRefundRequest?: (op: 'refund' | 'refundQuery', outRefundNo: string) => void;
}

export type WxpayOperation = 'prepay' | 'query' | 'close';

export function createWxpayRouter(ctx: WxpayRouterContext): express.Router {
  const router = express.Router();

  const reply = (res: Response, status: number, payload?: object): void => {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    res.status(status).set({
      'Request-ID': randomUUID(),
      ...signedHeaders({ body, privateKey: ctx.platform.privateKey, serial: ctx.platform.serial, nowMs: ctx.now() }),
    });
    if (payload === undefined) res.end();
    else res.type('application/json').send(body);
  };
  const error = (res: Response, status: number, code: string, message: string, detail?: object): void =>
    reply(res, status, { code, message, ...(detail ? { detail } : {}) });

  const rawBody = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
  const jsonBody = (req: Request): unknown => {
    try {
      return JSON.parse(rawBody(req).toString('utf8'));
    } catch {
      return undefined;
    }
  };

  const authenticate = (req: Request, res: Response, next: NextFunction): void => {
    const auth = parseAuthorization(req.get('authorization'));
    // The URL as the merchant signed it: relative to our mount point (this middleware is mounted at /v3).
    const signedUrl = `/v3${req.url}`;
    const reject = (message: string) =>
      error(res, 401, 'SIGN_ERROR', message, {
        field: 'signature',
        location: 'authorization',
        sign_information: { method: req.method, url: signedUrl },
      });
    if (!auth) return reject('Authorization header missing or not WECHATPAY2-SHA256-RSA2048');
    if (auth.mchid !== ctx.merchant.mchid) return reject('unknown mchid');
    if (auth.serial_no.toUpperCase() !== ctx.merchant.serialNo.toUpperCase()) return reject('unknown serial_no');
    const skew = Math.abs(ctx.now() / 1000 - Number(auth.timestamp));
    if (!/^\d{1,12}$/.test(auth.timestamp) || !(skew < DEFAULT_MAX_SKEW_SECONDS)) return reject('timestamp expired');
    const message = requestMessage(req.method, signedUrl, auth.timestamp, auth.nonce_str, rawBody(req));
    if (!rsaVerify(message, auth.signature, ctx.merchant.publicKey)) return reject('sign not match');
    next();
  };

  router.use('/v3', express.raw({ type: () => true, limit: '1mb' }), authenticate);

  router.post('/v3/pay/transactions/native', (req, res) => {
    let fields: ReturnType<typeof validatePrepay>;
    try {
      fields = validatePrepay(jsonBody(req), ctx.merchant);
    } catch (err) {
      if (!(err instanceof PrepayInvalid)) throw err;
      return error(res, 400, err.code, err.message, err.field ? { field: err.field, location: 'body' } : undefined);
    }
    ctx.onRequest?.('prepay', fields.out_trade_no);
    const nowMs = ctx.now();
    const existing = ctx.store.value.orders[fields.out_trade_no];
    if (existing) {
      // v3 business error: 403 OUT_TRADE_NO_USED 商户订单号重复 (pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_3.shtml)
      if (existing.fingerprint !== fields.fingerprint) return error(res, 403, 'OUT_TRADE_NO_USED', '商户订单号重复');
      if (isPaidState(existing.trade_state)) return error(res, 400, 'ORDERPAID', 'order already paid');
      if (existing.trade_state === 'CLOSED') return error(res, 400, 'ORDER_CLOSED', 'order closed');
      return reply(res, 200, { code_url: existing.code_url });
    }
    const order = { ...fields, code_url: newCodeUrl(), trade_state: 'NOTPAY' as const, created_at_ms: nowMs };
    ctx.store.update((s) => {
      s.orders[order.out_trade_no] = order;
    });
    reply(res, 200, { code_url: order.code_url });
  });

  router.get('/v3/pay/transactions/out-trade-no/:no', (req, res) => {
    ctx.onRequest?.('query', String(req.params.no));
    if (req.query.mchid !== ctx.merchant.mchid) {
      return error(res, 400, 'PARAM_ERROR', 'mchid missing or not this merchant', { field: 'mchid', location: 'query' });
    }
    const order = ctx.store.value.orders[String(req.params.no)];
    if (!order) return error(res, 404, 'ORDER_NOT_EXIST', 'order does not exist');
    reply(res, 200, toTransaction(order));
  });

  router.post('/v3/pay/transactions/out-trade-no/:no/close', (req, res) => {
    ctx.onRequest?.('close', String(req.params.no));
    const body = jsonBody(req) as { mchid?: unknown } | undefined;
    if (body?.mchid !== ctx.merchant.mchid) {
      return error(res, 400, 'PARAM_ERROR', 'mchid missing or not this merchant', { field: 'mchid', location: 'body' });
    }
    const no = String(req.params.no);
    const order = ctx.store.value.orders[no];
    if (!order) return error(res, 404, 'ORDER_NOT_EXIST', 'order does not exist');
    // 204 No Content on success (pay.weixin.qq.com/doc/v3/merchant/4013070360), also for an order already closed
    // (developers.weixin.qq.com/community/pay/doc/00048a1efdc23011142d839d351800); a paid order answers the v3 code
    // ORDER_PAID — with 400 as ORDER_CLOSED in that table (the status of the ORDER_PAID row is our assumption)
    if (isPaidState(order.trade_state)) return error(res, 400, 'ORDER_PAID', '订单已支付');
    if (order.trade_state !== 'CLOSED') {
      ctx.store.update((s) => {
        s.orders[no]!.trade_state = 'CLOSED';
        s.orders[no]!.closed_at_ms = ctx.now();
      });
    }
    reply(res, 204);
  });

  // 申请退款 (pay.weixin.qq.com/docs/merchant/products/refund/apilist.html)
  router.post('/v3/refund/domestic/refunds', (req, res) => {
    if (!ctx.refunds) return error(res, 404, 'NOT_FOUND', 'no such API in the emulator');
    try {
      const request = validateRefundRequest(jsonBody(req));
      ctx.onRefundRequest?.('refund', request.out_refund_no);
      reply(res, 200, toRefund(ctx.refunds.create(request, 'api')));
    } catch (err) {
      if (!(err instanceof RefundInvalid)) throw err;
      error(res, err.status, err.code, err.message, err.field ? { field: err.field, location: 'body' } : undefined);
    }
  });

  // 查询单笔退款（通过商户退款单号）: unknown → 404 RESOURCE_NOT_EXISTS (wechatpay-skills scripts/商户/查询退款.py)
  router.get('/v3/refund/domestic/refunds/:no', (req, res) => {
    if (!ctx.refunds) return error(res, 404, 'NOT_FOUND', 'no such API in the emulator');
    const no = String(req.params.no);
    ctx.onRefundRequest?.('refundQuery', no);
    const refund = ctx.refunds.get(no);
    if (!refund) return error(res, 404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    reply(res, 200, toRefund(refund));
  });

  router.use('/v3', (_req, res) => error(res, 404, 'NOT_FOUND', 'no such API in the emulator'));
  return router;
}
