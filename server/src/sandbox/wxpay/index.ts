/**
 * Sandbox emulator of WeChat Pay v3 Native. Mount `router` at `/sandbox/wxpay` (before any body parser); point
 * HttpWechatPayClient at `http://<host>/sandbox/wxpay`. `pay` / `notify` back the sandbox payer routes.
 * State lives in `<dataDir>/sandbox/wxpay.json`.
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type express from 'express';
import { JsonStore } from '../json-store.js';
import type { SandboxSecrets } from '../secrets.js';
import { toWechatTime } from '../../vendors/wechatpay/time.js';
import { Notifier } from './notifier.js';
import {
  isPaidState,
  isPayable,
  newOpenid,
  newTransactionId,
  toEmulatedOrder,
  type EmulatedOrder,
  type StoredOrder,
  type StoredState,
  type WxpayState,
} from './orders.js';
import {
  RefundInvalid as RefundInvalidError,
  checkRefundable,
  DEFAULT_REFUND_BEHAVIOUR,
  newPlatformRefundNo,
  newRefundId,
  toRefund,
  type RefundBehaviour,
  type RefundRequest,
  type StoredRefund,
} from './refunds.js';
import { createWxpayRouter, type WxpayOperation } from './routes.js';
import type { WxRefund } from '../../vendors/types.js';

export type { EmulatedOrder } from './orders.js';
export { RefundInvalid, type RefundBehaviour } from './refunds.js';

/** How long after it is accepted a refund settles (零钱 refunds settle within minutes at WeChat; here at once). */
const REFUND_SETTLE_MS = 50;

/** Compressed version of WeChat's 15s/15s/30s/3m/… schedule. */
export const DEFAULT_NOTIFY_RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000];

export class EmulatorOrderNotFound extends Error {
  constructor(readonly outTradeNo: string) {
    super(`wxpay emulator: no order ${outTradeNo}`);
    this.name = 'EmulatorOrderNotFound';
  }
}

/** The order is in a state the requested action does not apply to. */
abstract class EmulatorOrderStateError extends Error {
  constructor(
    readonly outTradeNo: string,
    readonly state: StoredState,
    expected: StoredState,
  ) {
    super(`wxpay emulator: order ${outTradeNo} is ${state}, not ${expected}`);
    this.name = new.target.name;
  }
}

/** `pay` on an order that cannot be paid: not NOTPAY (paid, closed), or NOTPAY past its time_expire. */
export class EmulatorOrderNotPending extends EmulatorOrderStateError {
  constructor(outTradeNo: string, state: StoredState) {
    super(outTradeNo, state, 'NOTPAY');
    if (state === 'NOTPAY') this.message = `wxpay emulator: order ${outTradeNo} is past its time_expire`;
  }
}

/** `notify` on an order that has not been paid (there is no SUCCESS notification to re-deliver). */
export class EmulatorOrderNotPaid extends EmulatorOrderStateError {
  constructor(outTradeNo: string, state: StoredState) {
    super(outTradeNo, state, 'SUCCESS');
  }
}

export class EmulatorRefundNotFound extends Error {
  constructor(readonly outRefundNo: string) {
    super(`wxpay emulator: no refund ${outRefundNo}`);
    this.name = 'EmulatorRefundNotFound';
  }
}

export interface WxpayEmulatorOptions {
  dataDir: string;
  secrets: SandboxSecrets['wechat'];
  notifyRetryDelaysMs?: number[];
  now?: () => number;
  logger?: { warn(...args: unknown[]): void };
}

/** Authenticated merchant API requests the emulator has received since it started (not persisted). */
export interface WxpayEmulatorStats {
  prepays: number;
  queries: number;
  closes: number;
  byOrder: Record<string, Record<WxpayOperation, number>>;
  /** 申请退款 / 查询单笔退款 requests, by out_refund_no */
  byRefund: Record<string, { refund: number; refundQuery: number }>;
}

const TOTALS = { prepay: 'prepays', query: 'queries', close: 'closes' } as const satisfies Record<WxpayOperation, keyof WxpayEmulatorStats>;

export interface WxpayEmulator {
  /** Mounted at /sandbox/wxpay; speaks /v3/pay/transactions/… */
  router: express.Router;
  /**
   * The payer pays: NOTPAY → SUCCESS, then the notification is delivered (and retried in the background).
   * With `deliver: false` the notification is lost (never sent, nothing retried): `{ delivered: false, status: 0 }`.
   * `at` (epoch ms, default now) is when the payer paid: its `success_time`, for tests whose server clock is moved.
   */
  pay(outTradeNo: string, o?: { deliver?: boolean; at?: number }): Promise<{ delivered: boolean; status: number }>;
  /** Re-delivers the SUCCESS notification `times` times; the HTTP status of each answer (0 = no answer). */
  notify(outTradeNo: string, o: { times: number; parallel: boolean }): Promise<{ statuses: number[] }>;
  getOrder(outTradeNo: string): EmulatedOrder | null;
  /** How refunds accepted from now on settle (and whether the balance can pay them). */
  setRefundBehaviour(b: Partial<RefundBehaviour>): RefundBehaviour;
  /**
   * A refund made in the merchant platform (not through our API): WeChat makes up the out_refund_no, accepts it
   * (same checks as the API) and notifies the payment's notify_url when it settles. Throws RefundInvalid.
   */
  refundFromPlatform(outTradeNo: string, amountFen: number): WxRefund;
  /** Settles a refund now (e.g. one left PROCESSING) and notifies unless `deliver` is false. */
  settleRefund(
    outRefundNo: string,
    status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED',
    o?: { deliver?: boolean },
  ): Promise<{ delivered: boolean; status: number }>;
  /** Re-delivers a settled refund's notification `times` times; the HTTP status of each answer. */
  notifyRefund(outRefundNo: string, o: { times: number; parallel: boolean }): Promise<{ statuses: number[] }>;
  getRefund(outRefundNo: string): WxRefund | null;
  refundsOf(outTradeNo: string): WxRefund[];
  stats(): WxpayEmulatorStats;
  /** Authenticated prepay / query / close requests as they arrived, by this emulator's clock (in memory). */
  timeline(): { op: WxpayOperation; outTradeNo: string; at: number }[];
  /** Clears pending notification retries. */
  stop(): void;
}

export function createWxpayEmulator(opts: WxpayEmulatorOptions): WxpayEmulator {
  const now = opts.now ?? Date.now;
  const store = new JsonStore<WxpayState>(join(opts.dataDir, 'sandbox', 'wxpay.json'), () => ({ orders: {} }));
  const platformKey = createPrivateKey(opts.secrets.platformPrivateKeyPem);
  const lookup = (outTradeNo: string): StoredOrder | null => store.value.orders[outTradeNo] ?? null;
  const lookupRefund = (outRefundNo: string): StoredRefund | null => store.value.refunds?.[outRefundNo] ?? null;
  const storedRefundsOf = (outTradeNo: string): StoredRefund[] =>
    Object.values(store.value.refunds ?? {}).filter((r) => r.out_trade_no === outTradeNo);
  const notifier = new Notifier({
    lookupRefund,
    mchid: opts.secrets.mchid,
    apiV3Key: opts.secrets.apiV3Key,
    platformKey,
    platformSerial: opts.secrets.platformPublicKeyId,
    retryDelaysMs: opts.notifyRetryDelaysMs ?? DEFAULT_NOTIFY_RETRY_DELAYS_MS,
    now,
    lookup,
    logger: opts.logger,
  });
  const stats: WxpayEmulatorStats = { prepays: 0, queries: 0, closes: 0, byOrder: {}, byRefund: {} };
  const events: { op: WxpayOperation; outTradeNo: string; at: number }[] = [];
  let refundBehaviour: RefundBehaviour = { ...DEFAULT_REFUND_BEHAVIOUR };
  const settleTimers = new Set<NodeJS.Timeout>();

  const settle = (outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): StoredRefund => {
    const settled = store.update((s) => {
      const r = s.refunds![outRefundNo]!;
      r.status = status;
      if (status === 'SUCCESS') r.success_time = toWechatTime(now());
      return { ...r };
    });
    return settled;
  };

  /** Accepts a refund of a paid order: PROCESSING now, settled (and notified) per the behaviour shortly after. */
  const createRefund = (req: RefundRequest, source: 'api' | 'platform'): StoredRefund => {
    const existing = lookupRefund(req.out_refund_no);
    if (existing) {
      // "同一退款单号多次请求只退一笔": the same number is the same refund; other amounts are refused
      if (existing.refund !== req.refund || existing.total !== req.total) {
        throw new RefundInvalidError(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
      }
      return existing;
    }
    const order = req.out_trade_no
      ? lookup(req.out_trade_no)
      : (Object.values(store.value.orders).find((o) => o.transaction_id === req.transaction_id) ?? null);
    if (!order) throw new RefundInvalidError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    const behaviour = refundBehaviour;
    checkRefundable(order, isPaidState(order.trade_state), req, storedRefundsOf(order.out_trade_no), behaviour);
    const refund: StoredRefund = {
      out_refund_no: req.out_refund_no,
      refund_id: newRefundId(),
      out_trade_no: order.out_trade_no,
      transaction_id: order.transaction_id!,
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      notify_url: req.notify_url ?? order.notify_url,
      refund: req.refund,
      total: req.total,
      status: 'PROCESSING',
      created_at_ms: now(),
      source,
    };
    store.update((s) => {
      (s.refunds ??= {})[refund.out_refund_no] = refund;
      s.orders[order.out_trade_no]!.trade_state = 'REFUND';
    });
    if (behaviour.outcome !== 'PROCESSING') {
      const outcome = behaviour.outcome;
      const timer = setTimeout(() => {
        settleTimers.delete(timer);
        const settled = settle(refund.out_refund_no, outcome);
        if (behaviour.deliver) void notifier.deliverRefund(settled);
      }, REFUND_SETTLE_MS);
      timer.unref();
      settleTimers.add(timer);
    }
    return { ...refund };
  };
  const router = createWxpayRouter({
    merchant: {
      appid: opts.secrets.appid,
      mchid: opts.secrets.mchid,
      serialNo: opts.secrets.merchantSerialNo,
      publicKey: createPublicKey(opts.secrets.merchantPublicKeyPem),
    },
    platform: { privateKey: platformKey, serial: opts.secrets.platformPublicKeyId },
    store,
    now,
    refunds: { create: (req) => createRefund(req, 'api'), get: lookupRefund },
    onRefundRequest: (op, outRefundNo) => {
      const counts = (stats.byRefund[outRefundNo] ??= { refund: 0, refundQuery: 0 });
      counts[op]++;
    },
    onRequest: (op, outTradeNo) => {
      stats[TOTALS[op]]++;
      events.push({ op, outTradeNo, at: now() });
      const counts = (stats.byOrder[outTradeNo] ??= { prepay: 0, query: 0, close: 0 });
      counts[op]++;
    },
  });

  const existing = (outTradeNo: string): StoredOrder => {
    const order = lookup(outTradeNo);
    if (!order) throw new EmulatorOrderNotFound(outTradeNo);
    return order;
  };

  return {
    router,

    async pay(outTradeNo, o = {}) {
      const order = existing(outTradeNo);
      if (!isPayable(order, o.at ?? now())) throw new EmulatorOrderNotPending(outTradeNo, order.trade_state);
      const paid = store.update((s) => {
        const order = s.orders[outTradeNo]!;
        order.trade_state = 'SUCCESS';
        order.transaction_id = newTransactionId();
        order.success_time = toWechatTime(o.at ?? now());
        order.payer_openid = newOpenid();
        order.notification_id = randomUUID();
        return { ...order };
      });
      if (o.deliver === false) return { delivered: false, status: 0 };
      return notifier.deliver(paid);
    },

    async notify(outTradeNo, o) {
      if (!Number.isInteger(o.times) || o.times < 1 || o.times > 500) {
        throw new RangeError('times must be an integer from 1 to 500');
      }
      const order = existing(outTradeNo);
      if (order.trade_state !== 'SUCCESS') throw new EmulatorOrderNotPaid(outTradeNo, order.trade_state);
      const statuses: number[] = [];
      if (o.parallel) {
        statuses.push(...(await Promise.all(Array.from({ length: o.times }, () => notifier.deliverOnce(order)))));
      } else {
        for (let i = 0; i < o.times; i++) statuses.push(await notifier.deliverOnce(order));
      }
      return { statuses };
    },

    getOrder(outTradeNo) {
      const order = lookup(outTradeNo);
      return order ? toEmulatedOrder(order) : null;
    },

    setRefundBehaviour(b) {
      refundBehaviour = { ...refundBehaviour, ...b };
      return { ...refundBehaviour };
    },

    refundFromPlatform(outTradeNo, amountFen) {
      const order = existing(outTradeNo);
      const req: RefundRequest = {
        out_trade_no: outTradeNo,
        out_refund_no: newPlatformRefundNo(),
        refund: amountFen,
        total: order.amount.total,
      };
      return toRefund(createRefund(req, 'platform'));
    },

    async settleRefund(outRefundNo, status, o = {}) {
      if (!lookupRefund(outRefundNo)) throw new EmulatorRefundNotFound(outRefundNo);
      const settled = settle(outRefundNo, status);
      if (o.deliver === false) return { delivered: false, status: 0 };
      return notifier.deliverRefund(settled);
    },

    async notifyRefund(outRefundNo, o) {
      const refund = lookupRefund(outRefundNo);
      if (!refund) throw new EmulatorRefundNotFound(outRefundNo);
      const once = () => notifier.deliverRefundOnce(refund);
      if (o.parallel) return { statuses: await Promise.all(Array.from({ length: o.times }, once)) };
      const statuses: number[] = [];
      for (let i = 0; i < o.times; i++) statuses.push(await once());
      return { statuses };
    },

    getRefund(outRefundNo) {
      const r = lookupRefund(outRefundNo);
      return r ? toRefund(r) : null;
    },

    refundsOf(outTradeNo) {
      return storedRefundsOf(outTradeNo).map(toRefund);
    },

    stats() {
      return structuredClone(stats);
    },
    timeline: () => [...events],

    stop() {
      notifier.stop();
      for (const t of settleTimers) clearTimeout(t);
      settleTimers.clear();
    },
  };
}
