/**
 * Delivers TRANSACTION.SUCCESS notifications as WeChat Pay does (§2.7): encrypted resource, `Wechatpay-*`
 * signature headers by the platform key, 2xx = acknowledged, otherwise retried on a (compressed) schedule.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { encryptResource } from '../../vendors/wechatpay/keys.js';
import { signedHeaders } from '../../vendors/wechatpay/signing.js';
import { toWechatTime } from '../../vendors/wechatpay/time.js';
import { toTransaction, type StoredOrder } from './orders.js';
import { REFUND_EVENT, toRefundNotice, type StoredRefund } from './refunds.js';

/** WeChat expects an answer within 5 s. */
const DELIVERY_TIMEOUT_MS = 5_000;

export interface NotifierOptions {
  apiV3Key: string;
  platformKey: KeyObject;
  platformSerial: string;
  retryDelaysMs: number[];
  now: () => number;
  /** the current stored order (null when gone) */
  lookup: (outTradeNo: string) => StoredOrder | null;
  /** the current stored refund (null when gone) */
  lookupRefund?: (outRefundNo: string) => StoredRefund | null;
  mchid?: string;
  logger?: { warn(...args: unknown[]): void };
}

export const isAck = (status: number): boolean => status >= 200 && status < 300;

export class Notifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly opts: NotifierOptions) {}

  /** One delivery attempt; the HTTP status of the answer, 0 when there was none (connection error, timeout). */
  async deliverOnce(order: StoredOrder): Promise<number> {
    const nowMs = this.opts.now();
    const body = JSON.stringify({
      id: order.notification_id ?? randomUUID(),
      create_time: toWechatTime(nowMs),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: encryptResource({
        plaintext: JSON.stringify(toTransaction(order)),
        apiV3Key: this.opts.apiV3Key,
        associatedData: 'transaction',
      }),
    });
    return this.post(order.notify_url, body, nowMs, { outTradeNo: order.out_trade_no });
  }

  /**
   * One delivery of the REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notification of a settled refund
   * (退款结果通知: resource original_type `refund`, associated_data as in the official sample: empty).
   */
  async deliverRefundOnce(refund: StoredRefund): Promise<number> {
    if (refund.status === 'PROCESSING') throw new Error('a processing refund has no notification');
    const nowMs = this.opts.now();
    const event = REFUND_EVENT[refund.status];
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: toWechatTime(nowMs),
      resource_type: 'encrypt-resource',
      event_type: event.eventType,
      summary: event.summary,
      resource: encryptResource({
        plaintext: JSON.stringify(toRefundNotice(refund, this.opts.mchid ?? '')),
        apiV3Key: this.opts.apiV3Key,
        associatedData: '',
        originalType: 'refund',
      }),
    });
    return this.post(refund.notify_url, body, nowMs, { outRefundNo: refund.out_refund_no });
  }

  /** Delivers a refund's notification now; when not acknowledged, retried in the background like payment ones. */
  async deliverRefund(refund: StoredRefund): Promise<{ delivered: boolean; status: number }> {
    const status = await this.deliverRefundOnce(refund);
    if (!isAck(status)) {
      this.retry(refund.out_refund_no, 0, () => {
        const current = this.opts.lookupRefund?.(refund.out_refund_no);
        return current ? this.deliverRefundOnce(current) : null;
      });
    }
    return { delivered: isAck(status), status };
  }

  private async post(url: string, body: string, nowMs: number, logKey: Record<string, string>): Promise<number> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: '*/*',
          'Request-ID': randomUUID(),
          ...signedHeaders({ body, privateKey: this.opts.platformKey, serial: this.opts.platformSerial, nowMs }),
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch (err) {
      this.opts.logger?.warn({ ...logKey, err: (err as Error).message }, 'wxpay emulator: notification not delivered');
      return 0;
    }
  }

  /** Delivers now; when not acknowledged, keeps retrying in the background per `retryDelaysMs`. */
  async deliver(order: StoredOrder): Promise<{ delivered: boolean; status: number }> {
    const status = await this.deliverOnce(order);
    if (!isAck(status)) this.scheduleRetry(order.out_trade_no, 0);
    return { delivered: isAck(status), status };
  }

  /** Clears pending retries; nothing is scheduled afterwards. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private scheduleRetry(outTradeNo: string, attempt: number): void {
    this.retry(outTradeNo, attempt, () => {
      const order = this.opts.lookup(outTradeNo);
      return order ? this.deliverOnce(order) : null;
    });
  }

  /** Runs `resend` after the next delay of the schedule, again after each unacknowledged answer. */
  private retry(key: string, attempt: number, resend: () => Promise<number> | null): void {
    if (this.stopped) return;
    const delay = this.opts.retryDelaysMs[attempt];
    if (delay === undefined) {
      this.opts.logger?.warn({ key, attempts: attempt + 1 }, 'wxpay emulator: notification retries exhausted');
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      void resend()?.then((status) => {
        if (!isAck(status)) this.retry(key, attempt + 1, resend);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
