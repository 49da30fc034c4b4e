/**
 * The emulated WeChat Pay refund book (申请退款 POST /v3/refund/domestic/refunds, 查询单笔退款
 * GET /v3/refund/domestic/refunds/{out_refund_no}; pay.weixin.qq.com/docs/merchant/products/refund/apilist.html,
 * fields per the official wechatpay-go `services/refunddomestic` models):
 * - only a paid order can be refunded, within what is left of its total (several partial refunds, each with its own
 *   out_refund_no); the same out_refund_no again is the same refund ("同一退款单号多次请求只退一笔");
 * - a refund is accepted as PROCESSING and settles later as SUCCESS, ABNORMAL or CLOSED (the behaviour), then
 *   WeChat notifies REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED to its notify_url;
 * - the order's trade_state becomes REFUND ("转入退款", wechatpay-skills 订单状态流转.md).
 */
import { randomInt } from 'node:crypto';
import type { WxRefund, WxRefundNotice } from '../../vendors/types.js';
import { toWechatTime } from '../../vendors/wechatpay/time.js';
import { isNotifyUrl, isObject, type StoredOrder } from './orders.js';

export type RefundState = WxRefund['status'];

export interface StoredRefund {
  out_refund_no: string;
  refund_id: string;
  out_trade_no: string;
  transaction_id: string;
  reason?: string;
  notify_url: string;
  refund: number;
  total: number;
  status: RefundState;
  created_at_ms: number;
  success_time?: string;
  /** platform: made in the merchant platform (the emulator's sandbox route), not through the API */
  source: 'api' | 'platform';
}

/** What refunds settle as, and whether WeChat's balance can pay them (sandbox behaviour, not persisted). */
export interface RefundBehaviour {
  /** the state a PROCESSING refund settles to; `PROCESSING` leaves it processing */
  outcome: 'SUCCESS' | 'ABNORMAL' | 'CLOSED' | 'PROCESSING';
  /** deliver the notification when it settles (false: the notification is lost) */
  deliver: boolean;
  /** answer 403 NOT_ENOUGH (the merchant's balance cannot pay the refund) */
  notEnough: boolean;
}
export const DEFAULT_REFUND_BEHAVIOUR: RefundBehaviour = { outcome: 'SUCCESS', deliver: true, notEnough: false };

export class RefundInvalid extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** for the sandbox control routes: which refusal it is */
    readonly kind?: 'unpaid' | 'exceeds',
  ) {
    super(message);
  }
}

/** 申请退款: out_refund_no "只能是数字、大小写字母_-|*@", at most 64. */
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

export interface RefundRequest {
  out_trade_no?: string;
  transaction_id?: string;
  out_refund_no: string;
  reason?: string;
  notify_url?: string;
  refund: number;
  total: number;
}

/** Validates the body of 申请退款 (shape only; the order checks are `checkRefundable`). Throws RefundInvalid. */
export function validateRefundRequest(body: unknown): RefundRequest {
  const param = (message: string, field: string) => new RefundInvalid(400, 'PARAM_ERROR', message, field);
  if (!isObject(body)) throw new RefundInvalid(400, 'PARAM_ERROR', 'body must be a JSON object');
  const optStr = (field: string, max: number): string | undefined => {
    const v = body[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v, 'utf8') > max) {
      throw param(`${field} must be a string of at most ${max} bytes`, field);
    }
    return v;
  };
  const outTradeNo = optStr('out_trade_no', 32);
  const transactionId = optStr('transaction_id', 32);
  if (!outTradeNo && !transactionId) throw param('transaction_id和out_trade_no必须二选一进行传参', 'out_trade_no');
  const outRefundNo = optStr('out_refund_no', 64);
  if (!outRefundNo || !OUT_REFUND_NO.test(outRefundNo)) {
    throw param('out_refund_no must be 1-64 characters of [0-9A-Za-z_-|*@]', 'out_refund_no');
  }
  // reason: at most 80 bytes (申请退款 "不可超过80个字节")
  const reason = optStr('reason', 80);
  const notifyUrl = optStr('notify_url', 256);
  if (notifyUrl !== undefined && !isNotifyUrl(notifyUrl)) {
    throw param('notify_url must be an absolute URL without a query string', 'notify_url');
  }
  if (body.funds_account !== undefined && body.funds_account !== 'AVAILABLE') {
    throw param('funds_account must be AVAILABLE', 'funds_account');
  }
  const amount = body.amount;
  if (!isObject(amount)) throw param('amount is required', 'amount');
  if (!Number.isInteger(amount.refund) || (amount.refund as number) <= 0)
    throw param('amount.refund must be a positive integer (fen)', 'amount.refund');
  if (!Number.isInteger(amount.total) || (amount.total as number) <= 0)
    throw param('amount.total must be a positive integer (fen)', 'amount.total');
  if (amount.currency !== 'CNY') throw param('amount.currency must be CNY', 'amount.currency');
  return {
    ...(outTradeNo ? { out_trade_no: outTradeNo } : {}),
    ...(transactionId ? { transaction_id: transactionId } : {}),
    out_refund_no: outRefundNo,
    ...(reason !== undefined ? { reason } : {}),
    ...(notifyUrl !== undefined ? { notify_url: notifyUrl } : {}),
    refund: amount.refund as number,
    total: amount.total as number,
  };
}

/** Money of an order that is refunded or being refunded (a CLOSED refund gives its amount back). */
export const refundedOrPending = (refunds: StoredRefund[]): number =>
  refunds.filter((r) => r.status !== 'CLOSED').reduce((sum, r) => sum + r.refund, 0);

/**
 * What WeChat refuses about refunding this order (RefundInvalid), given its refunds so far:
 * an unpaid order ("仅 SUCCESS 状态的订单可申请退款"), a total that is not the order's, more than is left
 * ("申请退款金额超过订单可退金额", answered as INVALID_REQUEST), or a merchant balance that cannot pay it (NOT_ENOUGH).
 */
export function checkRefundable(
  order: StoredOrder,
  paid: boolean,
  req: RefundRequest,
  refunds: StoredRefund[],
  behaviour: RefundBehaviour,
): void {
  if (!paid) throw new RefundInvalid(400, 'INVALID_REQUEST', '订单未支付，不能退款', undefined, 'unpaid');
  if (req.total !== order.amount.total) throw new RefundInvalid(400, 'INVALID_REQUEST', '订单金额与原支付金额不一致', 'amount.total');
  if (req.refund > order.amount.total - refundedOrPending(refunds)) {
    throw new RefundInvalid(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额', 'amount.refund', 'exceeds');
  }
  if (behaviour.notEnough) throw new RefundInvalid(403, 'NOT_ENOUGH', '基本账户余额不足，请充值后重新发起');
}

const digits = (n: number): string => Array.from({ length: n }, () => randomInt(10)).join('');
/** 29 digits, like WeChat's `50…` refund ids. */
export const newRefundId = (): string => `50${digits(27)}`;
/** the out_refund_no WeChat makes up for a refund made in the merchant platform */
export const newPlatformRefundNo = (): string => `RF${digits(24)}`;

/** The answer of 申请退款 / 查询单笔退款 (wechatpay-go refunddomestic.Refund). */
export function toRefund(r: StoredRefund): WxRefund {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.status === 'SUCCESS' && r.success_time ? { success_time: r.success_time } : {}),
    create_time: toWechatTime(r.created_at_ms),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: {
      total: r.total,
      refund: r.refund,
      from: [],
      payer_total: r.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: r.total,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
  };
}

/** The decrypted resource of a REFUND.* notification (pay.weixin.qq.com/doc/v3/merchant/4012791865). */
export function toRefundNotice(r: StoredRefund, mchid: string): WxRefundNotice {
  return {
    mchid,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    refund_status: r.status,
    ...(r.status === 'SUCCESS' && r.success_time ? { success_time: r.success_time } : {}),
    user_received_account: '支付用户零钱',
    amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund },
  };
}

/** REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED and their summaries (退款结果通知). */
export const REFUND_EVENT: Record<Exclude<RefundState, 'PROCESSING'>, { eventType: string; summary: string }> = {
  SUCCESS: { eventType: 'REFUND.SUCCESS', summary: '退款成功' },
  ABNORMAL: { eventType: 'REFUND.ABNORMAL', summary: '退款异常' },
  CLOSED: { eventType: 'REFUND.CLOSED', summary: '退款关闭' },
};
