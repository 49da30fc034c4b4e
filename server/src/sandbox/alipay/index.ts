/**
 * Sandbox emulator of the Alipay OpenAPI gateway for 当面付. Mount `router` at `/sandbox/alipay` (before any body
 * parser); point alipay-sdk's `gateway` at `http://<host>/sandbox/alipay/gateway.do`. `pay` / `notify` back the
 * sandbox payer routes. State lives in `<dataDir>/sandbox/alipay.json`.
 */
import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type express from 'express';
import { fenToYuan, parseAlipayTime, toAlipayTime, yuanToFen } from '../../vendors/alipay/wire.js';
import { JsonStore } from '../json-store.js';
import { businessFailed, createAlipayGateway, invalidParameter, ok, type AlipayOperation, type GatewayAnswer } from './gateway.js';
import { AlipayNotifier, DEFAULT_ALIPAY_RETRY_DELAYS_MS, type DeliveryAnswer } from './notifier.js';
import {
  isPaid,
  newBuyer,
  newQrCode,
  newTradeNo,
  notificationParams,
  queryView,
  refundKey,
  type AlipayState,
  type StoredRefund,
  type StoredTrade,
} from './trades.js';

export type { StoredTrade } from './trades.js';

/** Raised by the payer routes; the control routes map them to the contract's errors. */
export class AlipayEmulatorError extends Error {
  constructor(
    readonly kind: 'not_found' | 'not_payable' | 'not_paid' | 'refund_refused',
    message: string,
  ) {
    super(`alipay emulator: ${message}`);
    this.name = 'AlipayEmulatorError';
  }
}

export interface AlipayEmulatorOptions {
  dataDir: string;
  /** the app (our server): its id and the public key of its private key */
  appId: string;
  sellerId: string;
  appPublicKeyPem: string;
  /** Alipay's own key: signs answers and notifications */
  alipayPrivateKeyPem: string;
  notifyRetryDelaysMs?: number[];
  now?: () => number;
  logger?: { warn(...args: unknown[]): void };
}

export interface AlipayBehaviour {
  /** the merchant's balance cannot pay refunds: ACQ.SELLER_BALANCE_NOT_ENOUGH */
  notEnough: boolean;
  /** notifications of refunds are delivered */
  deliverRefundNotifications: boolean;
}

export interface AlipayEmulator {
  router: express.Router;
  /** The buyer scans and pays: → TRADE_SUCCESS, then the notification (retried unless acknowledged). */
  pay(outTradeNo: string, o?: { deliver?: boolean; at?: number }): Promise<{ delivered: boolean; status: number; answer: string }>;
  /** Re-delivers the trade's notification `times` times: each answer's HTTP status and body. */
  notify(outTradeNo: string, o: { times: number; parallel: boolean }): Promise<{ statuses: number[]; answers: string[] }>;
  /** A refund made in the merchant portal (商家中心): Alipay numbers it, refunds, and notifies. */
  refundFromPlatform(outTradeNo: string, amountFen: number): Promise<StoredRefund>;
  setBehaviour(b: Partial<AlipayBehaviour>): AlipayBehaviour;
  getTrade(outTradeNo: string): StoredTrade | null;
  /** the signed notification parameters the emulator would send now (for tests that deliver them themselves) */
  notificationOf(outTradeNo: string): Record<string, string> | null;
  refundsOf(outTradeNo: string): StoredRefund[];
  /** authenticated calls by operation and out_trade_no since start */
  stats(): { byOrder: Record<string, Partial<Record<AlipayOperation, number>>> };
  stop(): void;
}

const OUT_TRADE_NO = /^[0-9A-Za-z_]{1,64}$/;
const MAX_FEN = 100_000_000 * 100;

export function createAlipayEmulator(opts: AlipayEmulatorOptions): AlipayEmulator {
  const now = opts.now ?? Date.now;
  const store = new JsonStore<AlipayState>(join(opts.dataDir, 'sandbox', 'alipay.json'), () => ({ trades: {}, refunds: {} }));
  const alipayPrivateKey = createPrivateKey(opts.alipayPrivateKeyPem);
  const notifier = new AlipayNotifier({
    alipayPrivateKey,
    retryDelaysMs: opts.notifyRetryDelaysMs ?? DEFAULT_ALIPAY_RETRY_DELAYS_MS,
    logger: opts.logger,
  });
  const stats: Record<string, Partial<Record<AlipayOperation, number>>> = {};
  let behaviour: AlipayBehaviour = { notEnough: false, deliverRefundNotifications: true };
  const trade = (no: string): StoredTrade | null => store.value.trades[no] ?? null;
  /** scanned: a trade at Alipay (a precreated code nobody scanned is not) */
  const scanned = (no: string): StoredTrade | null => {
    const t = trade(no);
    return t && t.state !== 'CREATED' ? t : null;
  };
  const refundsOf = (no: string): StoredRefund[] => Object.values(store.value.refunds).filter((r) => r.out_trade_no === no);
  const notExist = () => businessFailed('ACQ.TRADE_NOT_EXIST', '交易不存在');
  const outTradeNoOf = (biz: Record<string, unknown>): string | null =>
    typeof biz.out_trade_no === 'string' && OUT_TRADE_NO.test(biz.out_trade_no) ? biz.out_trade_no : null;

  const deliverTrade = (no: string, refund?: StoredRefund): Promise<DeliveryAnswer> => {
    const t = trade(no)!;
    return notifier.deliver(t.notify_url, () => {
      const current = trade(no);
      return current ? notificationParams(current, now(), refund) : null;
    });
  };

  const precreate = (biz: Record<string, unknown>, common: Record<string, string>): GatewayAnswer => {
    const no = outTradeNoOf(biz);
    if (!no) return invalidParameter('out_trade_no 缺失或格式错误');
    const fen = yuanToFen(biz.total_amount);
    if (fen === null || fen < 1 || fen > MAX_FEN) return invalidParameter('total_amount 取值范围 [0.01,100000000]，精确到小数点后两位');
    if (typeof biz.subject !== 'string' || !biz.subject || biz.subject.length > 256) return invalidParameter('subject 缺失或超长');
    if (biz.seller_id !== undefined && biz.seller_id !== opts.sellerId) return businessFailed('ACQ.SELLER_NOT_EXIST', '卖家不存在');
    const expire = biz.time_expire === undefined ? now() + 2 * 3600_000 : parseAlipayTime(biz.time_expire);
    if (expire === null) return invalidParameter('time_expire 格式为 yyyy-MM-dd HH:mm:ss');
    const existing = trade(no);
    if (existing) {
      if (isPaid(existing)) return businessFailed('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      if (existing.state === 'TRADE_CLOSED') return businessFailed('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      if (existing.total_fen !== fen || existing.subject !== biz.subject)
        return businessFailed('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      return ok({ out_trade_no: no, qr_code: existing.qr_code });
    }
    const t: StoredTrade = {
      app_id: opts.appId,
      seller_id: opts.sellerId,
      out_trade_no: no,
      subject: biz.subject,
      total_fen: fen,
      notify_url: common.notify_url ?? '',
      time_expire_ms: expire,
      qr_code: newQrCode(),
      state: 'CREATED',
      created_at_ms: now(),
    };
    store.update((s) => void (s.trades[no] = t));
    return ok({ out_trade_no: no, qr_code: t.qr_code });
  };

  const refund = (biz: Record<string, unknown>, source: 'api' | 'platform'): GatewayAnswer | StoredRefund => {
    const no = outTradeNoOf(biz);
    const t = no ? scanned(no) : null;
    if (!no || !t) return notExist();
    const fen = yuanToFen(biz.refund_amount);
    if (fen === null || fen < 1) return invalidParameter('refund_amount 无效');
    const requestNo = typeof biz.out_request_no === 'string' && biz.out_request_no ? biz.out_request_no : no;
    const known = store.value.refunds[refundKey(no, requestNo)];
    const answer = (fundChange: 'Y' | 'N', r: StoredRefund): GatewayAnswer =>
      ok({
        trade_no: t.trade_no,
        out_trade_no: no,
        buyer_logon_id: t.buyer_logon_id,
        fund_change: fundChange,
        refund_fee: fenToYuan(trade(no)!.refunded_fen ?? 0),
        gmt_refund_pay: toAlipayTime(r.at_ms),
        buyer_user_id: t.buyer_id,
      });
    // the same out_request_no is the same refund: answered again without moving money (fund_change N)
    if (known) return known.refund_fen === fen ? answer('N', known) : businessFailed('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额无效');
    if (t.state !== 'TRADE_SUCCESS') return businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    // without out_request_no only the whole amount may be refunded ("如需部分退款，则此参数必传")
    if (requestNo === no && fen !== t.total_fen) return businessFailed('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '撤销或退款金额与订单金额不一致');
    if ((t.refunded_fen ?? 0) + fen > t.total_fen) return businessFailed('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额无效');
    if (behaviour.notEnough) return businessFailed('ACQ.SELLER_BALANCE_NOT_ENOUGH', '卖家余额不足');
    const r: StoredRefund = {
      out_request_no: requestNo,
      out_trade_no: no,
      refund_fen: fen,
      ...(typeof biz.refund_reason === 'string' ? { reason: biz.refund_reason } : {}),
      at_ms: now(),
      source,
    };
    store.update((s) => {
      s.refunds[refundKey(no, requestNo)] = r;
      const st = s.trades[no]!;
      st.refunded_fen = (st.refunded_fen ?? 0) + fen;
      if (st.refunded_fen === st.total_fen) {
        st.state = 'TRADE_CLOSED';
        st.closed_at_ms = now();
      }
    });
    // 退款成功后的异步通知 (trade_status TRADE_SUCCESS for a partial refund, TRADE_CLOSED for the whole)
    if (behaviour.deliverRefundNotifications) setImmediate(() => void deliverTrade(no, r));
    return source === 'platform' ? r : answer('Y', r);
  };

  const handle = (op: AlipayOperation, biz: Record<string, unknown>, common: Record<string, string>): GatewayAnswer => {
    const no = typeof biz.out_trade_no === 'string' ? biz.out_trade_no : '';
    const counts = (stats[no] ??= {});
    counts[op] = (counts[op] ?? 0) + 1;
    switch (op) {
      case 'precreate':
        return precreate(biz, common);
      case 'query': {
        const t = scanned(no);
        return t ? ok(queryView(t)) : notExist();
      }
      case 'close': {
        const t = scanned(no);
        if (!t) return notExist();
        if (t.state !== 'WAIT_BUYER_PAY') return businessFailed('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        store.update((s) => {
          s.trades[no]!.state = 'TRADE_CLOSED';
          s.trades[no]!.closed_at_ms = now();
        });
        return ok({ trade_no: t.trade_no, out_trade_no: no });
      }
      case 'refund':
        return refund(biz, 'api') as GatewayAnswer;
      case 'refundQuery': {
        const t = scanned(no);
        if (!t) return notExist();
        const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : no;
        const r = store.value.refunds[refundKey(no, requestNo)];
        // "未返回该字段表示退款请求未收到或者退款失败" (refund_status)
        if (!r) return ok({ out_trade_no: no, trade_no: t.trade_no, out_request_no: requestNo });
        return ok({
          trade_no: t.trade_no,
          out_trade_no: no,
          out_request_no: requestNo,
          total_amount: fenToYuan(t.total_fen),
          refund_amount: fenToYuan(r.refund_fen),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: toAlipayTime(r.at_ms),
        });
      }
    }
  };

  const router = createAlipayGateway({
    app: { appId: opts.appId, publicKey: createPublicKey(opts.appPublicKeyPem) },
    alipayPrivateKey,
    now,
    handle,
  });

  const existing = (no: string): StoredTrade => {
    const t = trade(no);
    if (!t) throw new AlipayEmulatorError('not_found', `no trade ${no}`);
    return t;
  };

  return {
    router,
    async pay(no, o = {}) {
      const t = existing(no);
      const at = o.at ?? now();
      if ((t.state !== 'CREATED' && t.state !== 'WAIT_BUYER_PAY') || at >= t.time_expire_ms) {
        throw new AlipayEmulatorError(
          'not_payable',
          `trade ${no} is ${t.state}${at >= t.time_expire_ms ? ' and past its time_expire' : ''}`,
        );
      }
      const buyer = newBuyer();
      store.update((s) => {
        Object.assign(s.trades[no]!, {
          state: 'TRADE_SUCCESS',
          trade_no: newTradeNo(at),
          buyer_id: buyer.id,
          buyer_logon_id: buyer.logon,
          paid_at_ms: at,
          notify_id: randomUUID().replaceAll('-', ''),
        });
      });
      if (o.deliver === false) return { delivered: false, status: 0, answer: '' };
      const a = await deliverTrade(no);
      return { delivered: a.body === 'success', status: a.status, answer: a.body };
    },
    async notify(no, o) {
      if (!Number.isInteger(o.times) || o.times < 1 || o.times > 500) throw new RangeError('times must be an integer from 1 to 500');
      const t = existing(no);
      if (!t.paid_at_ms) throw new AlipayEmulatorError('not_paid', `trade ${no} was not paid`);
      const once = () => notifier.deliverOnce(t.notify_url, notificationParams(trade(no)!, now()));
      const answers: DeliveryAnswer[] = [];
      if (o.parallel) answers.push(...(await Promise.all(Array.from({ length: o.times }, once))));
      else for (let i = 0; i < o.times; i++) answers.push(await once());
      return { statuses: answers.map((a) => a.status), answers: answers.map((a) => a.body) };
    },
    async refundFromPlatform(no, amountFen) {
      existing(no);
      const r = refund(
        { out_trade_no: no, refund_amount: fenToYuan(amountFen), out_request_no: `HZ${Date.now()}${Math.floor(Math.random() * 1e6)}` },
        'platform',
      );
      if ('code' in r) throw new AlipayEmulatorError('refund_refused', `${String(r.sub_code)} ${String(r.sub_msg)}`);
      return r as StoredRefund;
    },
    setBehaviour(b) {
      behaviour = { ...behaviour, ...b };
      return { ...behaviour };
    },
    getTrade: (no) => {
      const t = trade(no);
      return t ? { ...t } : null;
    },
    notificationOf(no) {
      const t = trade(no);
      return t ? notificationParams(t, now()) : null;
    },
    refundsOf,
    stats: () => ({ byOrder: structuredClone(stats) }),
    stop: () => notifier.stop(),
  };
}
