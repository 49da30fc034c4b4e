/** The sandbox control routes of docs/api.md (JSON, after the body parser). */
import express, { Router } from 'express';
import { z } from 'zod';
import { idSchema } from '@aizhao/shared';
import { parse, route } from '../http/middleware.js';
import { AppError } from '../lib/errors.js';
import { AlipayEmulatorError } from './alipay/index.js';
import type { Sandbox } from './index.js';
import { EmulatorOrderNotFound, EmulatorOrderNotPaid, EmulatorOrderNotPending, EmulatorRefundNotFound, RefundInvalid } from './wxpay/index.js';

const emulatedMs = z.number().int().min(0).max(600_000).optional();
const behaviourSchema = z
  .object({
    mode: z.enum(['success', 'fail', 'hang']),
    delayMs: emulatedMs,
    queueFullTimes: z.number().int().min(0).max(100).optional(),
    outputsDelayMs: emulatedMs,
    emptyOutputsMs: emulatedMs,
    outputOrigin: z.enum(['api', 'bucket']).optional(),
    downloadFailures: z.number().int().min(0).max(100).optional(),
  })
  .strict();
const auditSchema = z
  .object({ mode: z.enum(['pass', 'reject', 'suspect', 'unavailable']), score: z.number().int().min(0).max(100).optional() })
  .strict();
const notifySchema = z.object({ times: z.number().int().min(1).max(500).default(1), parallel: z.boolean().default(false) }).strict();
const platformRefundSchema = z.object({ amountFen: z.number().int().positive() }).strict();
const refundBehaviourSchema = z
  .object({ outcome: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED', 'PROCESSING']).optional(), deliver: z.boolean().optional(), notEnough: z.boolean().optional() })
  .strict();

const alipayBehaviourSchema = z.object({ notEnough: z.boolean().optional(), deliverRefundNotifications: z.boolean().optional() }).strict();

function orderId(raw: unknown): string {
  const r = idSchema.min(6).safeParse(raw);
  if (!r.success) throw new AppError('NOT_FOUND', '订单不存在');
  return r.data;
}

function mapEmulatorError(err: unknown): never {
  if (err instanceof AlipayEmulatorError) {
    if (err.kind === 'not_found') throw new AppError('NOT_FOUND', '订单不存在');
    if (err.kind === 'not_payable') throw new AppError('ORDER_NOT_PENDING');
    if (err.kind === 'not_paid') throw new AppError('ORDER_NOT_PAID');
    throw new AppError('INVALID_INPUT', err.message);
  }
  if (err instanceof EmulatorOrderNotFound) throw new AppError('NOT_FOUND', '订单不存在');
  if (err instanceof EmulatorOrderNotPending) throw new AppError('ORDER_NOT_PENDING');
  if (err instanceof EmulatorOrderNotPaid) throw new AppError('ORDER_NOT_PAID');
  if (err instanceof EmulatorRefundNotFound) throw new AppError('NOT_FOUND', '退款单不存在');
  // what WeChat refuses about a refund, in its words
  if (err instanceof RefundInvalid) {
    if (err.kind === 'unpaid') throw new AppError('ORDER_NOT_PAID', err.message);
    if (err.kind === 'exceeds') throw new AppError('REFUND_EXCEEDS_REMAINING', err.message);
    throw new AppError('INVALID_INPUT', `${err.code}: ${err.message}`);
  }
  throw err;
}

/**
 * Mounted before the emulators (whose routers read raw bodies under their own paths), so each route parses its
 * JSON body itself.
 */
export function sandboxControlRoutes(sandbox: Sandbox): Router {
  const r = Router();
  const json = express.json({ limit: '10kb' });
  r.get('/sandbox/sms/outbox', (req, res) => {
    const phone = typeof req.query.phone === 'string' ? req.query.phone : undefined;
    res.json({ messages: sandbox.sms.list(phone) });
  });
  r.post(
    '/sandbox/wxpay/orders/:orderId/pay',
    json,
    route(async (req, res) => {
      const result = await sandbox.wxpay.pay(orderId(req.params.orderId)).catch(mapEmulatorError);
      res.json(result);
    }),
  );
  r.post(
    '/sandbox/wxpay/orders/:orderId/notify',
    json,
    route(async (req, res) => {
      const body = parse(notifySchema, req.body ?? {});
      res.json(await sandbox.wxpay.notify(orderId(req.params.orderId), body).catch(mapEmulatorError));
    }),
  );
  // a refund "from the merchant platform": WeChat makes up the refund number, then notifies when it settles
  r.post(
    '/sandbox/wxpay/orders/:orderId/refund',
    json,
    route(async (req, res) => {
      const { amountFen } = parse(platformRefundSchema, req.body ?? {});
      const id = orderId(req.params.orderId);
      const refund = await Promise.resolve()
        .then(() => sandbox.wxpay.refundFromPlatform(id, amountFen))
        .catch(mapEmulatorError);
      res.json({ refund });
    }),
  );
  r.post('/sandbox/wxpay/refund-behaviour', json, (req, res) => {
    res.json({ ok: true, behaviour: sandbox.wxpay.setRefundBehaviour(parse(refundBehaviourSchema, req.body ?? {})) });
  });
  // the emulated Alipay: the buyer scans and pays, re-deliveries, a refund from the merchant portal
  const alipay = (): NonNullable<Sandbox['alipay']> => {
    if (!sandbox.alipay) throw new AppError('UNSUPPORTED_CHANNEL', '支付宝支付未开通（PAYMENT_CHANNEL）');
    return sandbox.alipay;
  };
  r.post(
    '/sandbox/alipay/orders/:orderId/pay',
    json,
    route(async (req, res) => void res.json(await alipay().pay(orderId(req.params.orderId)).catch(mapEmulatorError))),
  );
  r.post(
    '/sandbox/alipay/orders/:orderId/notify',
    json,
    route(async (req, res) => {
      const body = parse(notifySchema, req.body ?? {});
      res.json(await alipay().notify(orderId(req.params.orderId), body).catch(mapEmulatorError));
    }),
  );
  r.post(
    '/sandbox/alipay/orders/:orderId/refund',
    json,
    route(async (req, res) => {
      const { amountFen } = parse(platformRefundSchema, req.body ?? {});
      res.json({ refund: await alipay().refundFromPlatform(orderId(req.params.orderId), amountFen).catch(mapEmulatorError) });
    }),
  );
  r.post('/sandbox/alipay/behaviour', json, (req, res) => {
    res.json({ ok: true, behaviour: alipay().setBehaviour(parse(alipayBehaviourSchema, req.body ?? {})) });
  });
  r.post('/sandbox/runninghub/behaviour', json, (req, res) => {
    const b = parse(behaviourSchema, req.body);
    sandbox.runninghub.setBehaviour(b);
    res.json({ ok: true, behaviour: b });
  });
  r.get('/sandbox/runninghub/stats', (_req, res) => void res.json(sandbox.runninghub.stats()));
  r.post('/sandbox/audit/behaviour', json, (req, res) => {
    const b = parse(auditSchema, req.body);
    try {
      sandbox.cos.setAuditBehaviour(b);
    } catch (err) {
      throw new AppError('INVALID_INPUT', '审核模拟参数无效', [{ path: 'score', message: (err as Error).message }]);
    }
    res.json({ ok: true, mode: b.mode, ...(b.score === undefined ? {} : { score: b.score }) });
  });
  return r;
}
