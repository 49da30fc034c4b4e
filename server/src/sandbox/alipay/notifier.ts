/**
 * Delivers Alipay's asynchronous notifications (opendocs.alipay.com/open/194/103296): a form POST of the trade's
 * parameters to notify_url, signed RSA2 by the Alipay key over the sorted parameters without `sign` and `sign_type`.
 * Only the literal body `success` acknowledges ("商户需要在接收到通知后返回 success 这 7 个字符"); anything else is
 * retried: "25 小时以内完成 8 次通知（通知的间隔频率一般是：4m,10m,10m,1h,2h,6h,15h）" — compressed here.
 */
import { createSign, type KeyObject } from 'node:crypto';
import { signContent } from '../../vendors/alipay/wire.js';

/** Alipay waits a few seconds for the answer (we use 5 s, as the WeChat emulator does). */
const DELIVERY_TIMEOUT_MS = 5_000;

/** Compressed 4m,10m,10m,1h,2h,6h,15h. */
export const DEFAULT_ALIPAY_RETRY_DELAYS_MS = [1_000, 2_000, 2_000, 5_000, 10_000, 20_000, 30_000];

export interface DeliveryAnswer {
  status: number;
  /** the answer's body (trimmed; '' when none) */
  body: string;
}

export const isAcknowledged = (a: DeliveryAnswer): boolean => a.body === 'success';

export function signNotification(params: Record<string, string>, key: KeyObject): Record<string, string> {
  const sign = createSign('RSA-SHA256')
    .update(signContent(params, ['sign', 'sign_type']), 'utf8')
    .sign(key, 'base64');
  return { ...params, sign };
}

export class AlipayNotifier {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly opts: {
      alipayPrivateKey: KeyObject;
      retryDelaysMs: number[];
      logger?: { warn(...args: unknown[]): void };
    },
  ) {}

  /** One delivery: the answer, status 0 when there was none. */
  async deliverOnce(url: string, params: Record<string, string>): Promise<DeliveryAnswer> {
    const body = new URLSearchParams(signNotification(params, this.opts.alipayPrivateKey)).toString();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      return { status: res.status, body: (await res.text().catch(() => '')).trim() };
    } catch (err) {
      this.opts.logger?.warn({ url, err: (err as Error).message }, 'alipay emulator: notification not delivered');
      return { status: 0, body: '' };
    }
  }

  /** Delivers now; when not acknowledged, retried in the background with fresh parameters from `current`. */
  async deliver(url: string, current: () => Record<string, string> | null): Promise<DeliveryAnswer> {
    const params = current();
    if (!params) return { status: 0, body: '' };
    const answer = await this.deliverOnce(url, params);
    if (!isAcknowledged(answer)) this.retry(url, current, 0);
    return answer;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private retry(url: string, current: () => Record<string, string> | null, attempt: number): void {
    if (this.stopped) return;
    const delay = this.opts.retryDelaysMs[attempt];
    if (delay === undefined) {
      this.opts.logger?.warn({ url, attempts: attempt + 1 }, 'alipay emulator: notification retries exhausted');
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const params = current();
      if (this.stopped || !params) return;
      void this.deliverOnce(url, params).then((a) => {
        if (!isAcknowledged(a)) this.retry(url, current, attempt + 1);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
