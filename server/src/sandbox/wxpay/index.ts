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
  isPayable,
  newOpenid,
  newTransactionId,
  toEmulatedOrder,
  type EmulatedOrder,
  type StoredOrder,
  type StoredState,
  type WxpayState,
} from './orders.js';
import { createWxpayRouter, type WxpayOperation } from './routes.js';

export type { EmulatedOrder } from './orders.js';

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
  stats(): WxpayEmulatorStats;
  /** Clears pending notification retries. */
  stop(): void;
}

export function createWxpayEmulator(opts: WxpayEmulatorOptions): WxpayEmulator {
  const now = opts.now ?? Date.now;
  const store = new JsonStore<WxpayState>(join(opts.dataDir, 'sandbox', 'wxpay.json'), () => ({ orders: {} }));
  const platformKey = createPrivateKey(opts.secrets.platformPrivateKeyPem);
  const lookup = (outTradeNo: string): StoredOrder | null => store.value.orders[outTradeNo] ?? null;
  const notifier = new Notifier({
    apiV3Key: opts.secrets.apiV3Key,
    platformKey,
    platformSerial: opts.secrets.platformPublicKeyId,
    retryDelaysMs: opts.notifyRetryDelaysMs ?? DEFAULT_NOTIFY_RETRY_DELAYS_MS,
    now,
    lookup,
    logger: opts.logger,
  });
  const stats: WxpayEmulatorStats = { prepays: 0, queries: 0, closes: 0, byOrder: {} };
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
    onRequest: (op, outTradeNo) => {
      stats[TOTALS[op]]++;
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

    stats() {
      return structuredClone(stats);
    },

    stop() {
      notifier.stop();
    },
  };
}
