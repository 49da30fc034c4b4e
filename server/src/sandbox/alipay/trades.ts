/**
 * The emulated Alipay trade book. A precreated QR code is not a trade yet: alipay.trade.query and alipay.trade.close
 * answer ACQ.TRADE_NOT_EXIST until the buyer scans it ("预下单后用户未扫码，交易在支付宝侧不存在"); the sandbox payer
 * scans and pays in one step. Paid: TRADE_SUCCESS (refundable); refunded in full: TRADE_CLOSED.
 */
import { randomInt } from 'node:crypto';
import type { AlipayTrade } from '../../vendors/types.js';
import { fenToYuan, toAlipayTime } from '../../vendors/alipay/wire.js';

export type TradeState = 'CREATED' | 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

export interface StoredRefund {
  out_request_no: string;
  out_trade_no: string;
  refund_fen: number;
  reason?: string;
  at_ms: number;
  source: 'api' | 'platform';
}

export interface StoredTrade {
  app_id: string;
  seller_id: string;
  out_trade_no: string;
  subject: string;
  total_fen: number;
  notify_url: string;
  time_expire_ms: number;
  qr_code: string;
  state: TradeState;
  created_at_ms: number;
  trade_no?: string;
  buyer_id?: string;
  buyer_logon_id?: string;
  paid_at_ms?: number;
  closed_at_ms?: number;
  notify_id?: string;
  refunded_fen?: number;
}

export interface AlipayState {
  trades: Record<string, StoredTrade>;
  /** by `${out_trade_no}/${out_request_no}` */
  refunds: Record<string, StoredRefund>;
}

export const refundKey = (outTradeNo: string, outRequestNo: string): string => `${outTradeNo}/${outRequestNo}`;

const digits = (n: number): string => Array.from({ length: n }, () => randomInt(10)).join('');
export const newTradeNo = (atMs: number): string => `${toAlipayTime(atMs).slice(0, 10).replaceAll('-', '')}22001${digits(19)}`;
export const newBuyer = (): { id: string; logon: string } => ({ id: `2088${digits(12)}`, logon: `sbx***@sandbox.com` });
export const newQrCode = (): string => `https://qr.alipay.com/bax0${digits(4)}${Math.random().toString(36).slice(2, 14)}`;

export const isPaid = (t: StoredTrade): boolean => t.state === 'TRADE_SUCCESS' || t.state === 'TRADE_FINISHED';

/** What alipay.trade.query answers about a scanned trade (the fields of the official response). */
export function queryView(t: StoredTrade): Record<string, string> {
  return {
    trade_no: t.trade_no ?? '',
    out_trade_no: t.out_trade_no,
    buyer_logon_id: t.buyer_logon_id ?? '',
    buyer_user_id: t.buyer_id ?? '',
    trade_status: t.state,
    total_amount: fenToYuan(t.total_fen),
    ...(isPaid(t) || t.paid_at_ms
      ? { buyer_pay_amount: fenToYuan(t.total_fen), receipt_amount: fenToYuan(t.total_fen), send_pay_date: toAlipayTime(t.paid_at_ms!) }
      : {}),
  };
}

/** The asynchronous notification's parameters (trade_status_sync, opendocs.alipay.com/open/194/103296), unsigned. */
export function notificationParams(t: StoredTrade, nowMs: number, refund?: StoredRefund): Record<string, string> {
  const p: AlipayTrade & Record<string, string> = {
    notify_time: toAlipayTime(nowMs),
    notify_type: 'trade_status_sync',
    notify_id: t.notify_id ?? '',
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    auth_app_id: t.app_id,
    app_id: t.app_id,
    trade_no: t.trade_no ?? '',
    out_trade_no: t.out_trade_no,
    buyer_id: t.buyer_id ?? '',
    buyer_logon_id: t.buyer_logon_id ?? '',
    seller_id: t.seller_id,
    seller_email: 'sandbox-seller@alipay.com',
    trade_status: t.state,
    total_amount: fenToYuan(t.total_fen),
    receipt_amount: fenToYuan(t.total_fen),
    invoice_amount: fenToYuan(t.total_fen),
    buyer_pay_amount: fenToYuan(t.total_fen),
    point_amount: '0.00',
    subject: t.subject,
    gmt_create: toAlipayTime(t.created_at_ms),
    ...(t.paid_at_ms ? { gmt_payment: toAlipayTime(t.paid_at_ms) } : {}),
    ...(t.state === 'TRADE_CLOSED' && t.closed_at_ms ? { gmt_close: toAlipayTime(t.closed_at_ms) } : {}),
    fund_bill_list: JSON.stringify([{ amount: fenToYuan(t.total_fen), fundChannel: 'ALIPAYACCOUNT' }]),
  };
  if (refund) {
    p.refund_fee = fenToYuan(t.refunded_fen ?? 0);
    p.out_biz_no = refund.out_request_no;
    p.gmt_refund = `${toAlipayTime(refund.at_ms)}.000`;
  }
  return p;
}
