/** The emulated WeChat Pay order book: stored orders, prepay validation, and the transaction view of an order. */
import { randomBytes, randomInt } from 'node:crypto';
import type { WxTransaction } from '../../vendors/types.js';
import { parseWechatTime } from '../../vendors/wechatpay/time.js';
import type { StoredRefund } from './refunds.js';

/** REFUND: paid, then (partly) refunded ("转入退款"). */
export type StoredState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

/** Paid at WeChat, whatever was refunded since. */
export const isPaidState = (state: StoredState): boolean => state === 'SUCCESS' || state === 'REFUND';

export interface StoredOrder {
  appid: string;
  mchid: string;
  out_trade_no: string;
  description: string;
  notify_url: string;
  amount: { total: number; currency: string };
  time_expire?: string;
  attach?: string;
  /** identifies the prepay parameters, to tell a retried prepay from a conflicting one */
  fingerprint: string;
  code_url: string;
  trade_state: StoredState;
  created_at_ms: number;
  closed_at_ms?: number;
  transaction_id?: string;
  success_time?: string;
  payer_openid?: string;
  /** the `id` of the TRANSACTION.SUCCESS event; kept across re-deliveries */
  notification_id?: string;
}

export interface WxpayState {
  orders: Record<string, StoredOrder>;
  /** by out_refund_no (absent in state files from before refunds) */
  refunds?: Record<string, StoredRefund>;
}

/** What the emulator knows about one order: its transaction view plus the prepay parameters. */
export type EmulatedOrder = WxTransaction & {
  description: string;
  notify_url: string;
  code_url: string;
  time_expire?: string;
};

export class PrepayInvalid extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A notify_url WeChat accepts: an absolute http(s) URL without a query string. */
export function isNotifyUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && !url.search;
}

/** Validates a Native prepay body (§2.4) for this merchant; throws PrepayInvalid. */
export function validatePrepay(
  body: unknown,
  merchant: { appid: string; mchid: string },
): Omit<StoredOrder, 'code_url' | 'trade_state' | 'created_at_ms'> {
  if (!isObject(body)) throw new PrepayInvalid('PARAM_ERROR', 'body must be a JSON object');
  const str = (field: string, max: number, required: boolean): string | undefined => {
    const v = body[field];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.length === 0 || v.length > max) {
      throw new PrepayInvalid('PARAM_ERROR', `${field} must be a string of 1-${max} characters`, field);
    }
    return v;
  };
  const appid = str('appid', 32, true)!;
  const mchid = str('mchid', 32, true)!;
  if (appid !== merchant.appid || mchid !== merchant.mchid) {
    throw new PrepayInvalid('APPID_MCHID_NOT_MATCH', 'appid and mchid do not match');
  }
  const description = str('description', 127, true)!;
  const outTradeNo = str('out_trade_no', 32, true)!;
  if (!OUT_TRADE_NO.test(outTradeNo)) {
    throw new PrepayInvalid('PARAM_ERROR', 'out_trade_no must be 6-32 characters of [0-9A-Za-z_-|*]', 'out_trade_no');
  }
  const notifyUrl = str('notify_url', 255, true)!;
  if (!isNotifyUrl(notifyUrl)) {
    throw new PrepayInvalid('PARAM_ERROR', 'notify_url must be an absolute URL without a query string', 'notify_url');
  }
  const timeExpire = str('time_expire', 64, false);
  if (timeExpire !== undefined && parseWechatTime(timeExpire) === null) {
    throw new PrepayInvalid('PARAM_ERROR', 'time_expire must be RFC 3339 with an offset', 'time_expire');
  }
  const attach = str('attach', 128, false);
  const amount = body.amount;
  if (!isObject(amount) || !Number.isInteger(amount.total) || (amount.total as number) <= 0) {
    throw new PrepayInvalid('PARAM_ERROR', 'amount.total must be a positive integer (fen)', 'amount.total');
  }
  if (amount.currency !== undefined && amount.currency !== 'CNY') {
    throw new PrepayInvalid('PARAM_ERROR', 'amount.currency must be CNY', 'amount.currency');
  }
  const total = amount.total as number;
  return {
    appid,
    mchid,
    out_trade_no: outTradeNo,
    description,
    notify_url: notifyUrl,
    amount: { total, currency: 'CNY' },
    ...(timeExpire !== undefined ? { time_expire: timeExpire } : {}),
    ...(attach !== undefined ? { attach } : {}),
    fingerprint: JSON.stringify([appid, description, notifyUrl, total, timeExpire ?? null, attach ?? null]),
  };
}

/**
 * Whether the payer can still pay the order: NOTPAY and before its time_expire. Past time_expire WeChat still
 * reports the unpaid order as NOTPAY (it closes it by itself only days later; the merchant closes it through the
 * close API): time_expire ends when it can be paid, not its state.
 */
export function isPayable(order: StoredOrder, nowMs: number): boolean {
  if (order.trade_state !== 'NOTPAY') return false;
  const expireMs = order.time_expire ? parseWechatTime(order.time_expire) : null;
  return expireMs === null || nowMs < expireMs;
}

const STATE_DESC: Record<StoredState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '转入退款',
};

/** The query response / decrypted notification of an order (§2.5). */
export function toTransaction(order: StoredOrder): WxTransaction {
  const state = order.trade_state;
  const paid = isPaidState(state);
  return {
    appid: order.appid,
    mchid: order.mchid,
    out_trade_no: order.out_trade_no,
    ...(paid ? { transaction_id: order.transaction_id } : {}),
    trade_type: 'NATIVE',
    trade_state: state,
    trade_state_desc: STATE_DESC[state],
    ...(paid ? { bank_type: 'OTHERS', success_time: order.success_time } : {}),
    ...(order.attach !== undefined ? { attach: order.attach } : {}),
    amount: paid
      ? { total: order.amount.total, payer_total: order.amount.total, currency: 'CNY', payer_currency: 'CNY' }
      : { total: order.amount.total, currency: 'CNY', payer_currency: 'CNY' },
    ...(paid ? { payer: { openid: order.payer_openid } } : {}),
  };
}

export function toEmulatedOrder(order: StoredOrder): EmulatedOrder {
  return {
    ...toTransaction(order),
    description: order.description,
    notify_url: order.notify_url,
    code_url: order.code_url,
    ...(order.time_expire !== undefined ? { time_expire: order.time_expire } : {}),
  };
}

const digits = (n: number): string => Array.from({ length: n }, () => randomInt(10)).join('');

export const newCodeUrl = (): string => `weixin://wxpay/bizpayurl?pr=${randomBytes(6).toString('base64url')}`;
/** 28 digits, like WeChat's `420000…` transaction ids. */
export const newTransactionId = (): string => `4200${digits(24)}`;
/** 28 characters, like an openid. */
export const newOpenid = (): string => `o${randomBytes(20).toString('base64url')}`;
