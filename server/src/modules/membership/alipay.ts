/**
 * Applying what Alipay reports about a trade — the asynchronous notification, alipay.trade.query (GET
 * /membership/orders/:id, the reconciler, the admin sync) — to our order. The grant is grant.ts's `grantOrder`, the
 * same code as WeChat Pay's: exactly once per order, whoever sees the payment first.
 *
 * trade_status (opendocs.alipay.com/open/194/103296 交易状态): WAIT_BUYER_PAY 交易创建，等待买家付款 (changes nothing);
 * TRADE_SUCCESS 交易支付成功 and TRADE_FINISHED 交易结束，不可退款 (grant); TRADE_CLOSED 未付款交易超时关闭，或支付
 * 完成后全额退款 (closes a pending order; for a paid one it is the refund). A notification that carries
 * `out_biz_no` / `refund_fee` / `gmt_refund` reports a refund (退款通知): applied through refunds.ts.
 */
import type { AppContext } from '../../context.js';
import type { Order } from '../../db/models.js';
import type { AlipayTrade } from '../../vendors/types.js';
import { parseAlipayTime, yuanToFen } from '../../vendors/alipay/wire.js';
import { grantOrder, PaymentMismatchError, type ApplyOutcome } from './grant.js';
import { alipayRefundId, applyRefundReport, isPaidOrder, noteRefundedAtWechat, type RefundOutcome } from './refunds.js';

const PAID_STATES = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

export const alipayClient = (ctx: AppContext) => {
  if (!ctx.vendors.alipay) throw new Error('the Alipay channel is off, but an Alipay order is being handled');
  return ctx.vendors.alipay;
};

/**
 * Checks that the trade is this order's, for its amount (total_amount in yuan), and — for a notification — that it
 * was sent for our app to our seller ("商户需要验证该通知数据中的 out_trade_no 是否为商户系统中创建的订单号，并判断
 * total_amount 是否确实为该订单的实际金额 … 校验通知中的 seller_id … 验证 app_id 是否为该商户本身"). Returns when it
 * was paid (gmt_payment / send_pay_date), null for a trade never paid. Throws PaymentMismatchError.
 */
export function assertAlipayTradeMatches(ctx: AppContext, order: Order, trade: AlipayTrade, fromNotification: boolean): Date | null {
  const client = alipayClient(ctx);
  if (trade.out_trade_no !== order.id) throw new PaymentMismatchError('out_trade_no mismatch');
  if (fromNotification) {
    if (trade.app_id !== client.appId) throw new PaymentMismatchError('app_id mismatch');
    if (trade.seller_id !== client.sellerId) throw new PaymentMismatchError('seller_id mismatch');
  }
  const paidText = trade.gmt_payment ?? trade.send_pay_date;
  const needsAmount = PAID_STATES.has(trade.trade_status) || paidText !== undefined || fromNotification;
  if (needsAmount && yuanToFen(trade.total_amount) !== order.amountFen) throw new PaymentMismatchError('total_amount mismatch');
  if (paidText === undefined) {
    if (PAID_STATES.has(trade.trade_status)) throw new PaymentMismatchError('gmt_payment / send_pay_date missing');
    return null;
  }
  const ms = parseAlipayTime(paidText);
  if (ms === null) throw new PaymentMismatchError('gmt_payment / send_pay_date not yyyy-MM-dd HH:mm:ss');
  return new Date(ms);
}

/** Applies a verified trade (see the header). */
export async function applyAlipayTrade(ctx: AppContext, order: Order, trade: AlipayTrade, fromNotification = false): Promise<ApplyOutcome> {
  const paidAt = assertAlipayTradeMatches(ctx, order, trade, fromNotification);
  if (paidAt) {
    // paid (whatever happened since: a refunded trade was paid first); a closed or failed order too — the money was taken
    const outcome = await grantOrder(ctx, order.id, trade.trade_no ?? null, paidAt);
    if (trade.trade_status === 'TRADE_CLOSED' && !fromNotification) await noteRefundedAtWechat(ctx, order.id);
    return outcome;
  }
  if (trade.trade_status === 'TRADE_CLOSED') {
    await ctx.db.models.Order.update({ status: 'closed', closedAt: ctx.now() }, { where: { id: order.id, status: 'pending' } });
    return 'closed';
  }
  return 'not_paid';
}

/**
 * A refund reported by a notification: `out_biz_no` is the refund's out_request_no and `refund_fee` the total
 * refunded of the trade so far, so this refund's amount is ours when we asked for it, else what is new in the total.
 */
export async function applyAlipayRefundNotice(ctx: AppContext, order: Order, trade: AlipayTrade): Promise<RefundOutcome | null> {
  if (!trade.out_biz_no || trade.refund_fee === undefined) return null;
  const totalRefunded = yuanToFen(trade.refund_fee);
  const totalFen = yuanToFen(trade.total_amount);
  if (totalRefunded === null || totalFen === null) throw new PaymentMismatchError('refund_fee / total_amount malformed');
  const current = (await ctx.db.models.Order.findByPk(order.id)) ?? order;
  if (!isPaidOrder(current)) return null;
  const refunds = await ctx.db.models.Refund.findAll({ where: { orderId: order.id } });
  const ours = refunds.find((r) => r.outRefundNo === trade.out_biz_no);
  const settled = refunds.filter((r) => r.status === 'SUCCESS').reduce((sum, r) => sum + r.amountFen, 0);
  const amountFen = ours ? ours.amountFen : totalRefunded - settled;
  const at = parseAlipayTime(trade.gmt_refund?.slice(0, 19));
  return applyRefundReport(ctx, order.id, {
    outTradeNo: trade.out_trade_no,
    outRefundNo: trade.out_biz_no,
    wxRefundId: alipayRefundId(trade.trade_no, trade.out_biz_no),
    status: 'SUCCESS',
    amountFen,
    totalFen,
    ...(at !== null ? { successAtMs: at } : {}),
  });
}

/** Queries Alipay about the order and applies the answer (a trade Alipay does not know yet changes nothing). */
export async function syncWithAlipay(ctx: AppContext, order: Order): Promise<void> {
  const trade = await alipayClient(ctx).queryTrade(order.id);
  if (trade) await applyAlipayTrade(ctx, order, trade);
}

/**
 * Closes a pending order at Alipay and here; a paid trade is queried and granted instead. ACQ.TRADE_NOT_EXIST means
 * nobody scanned the code: an order without a code (its precreate was cut off) then ends `failed`, one with a code
 * `closed` — such a code stays payable at Alipay until its time_expire, and a payment of it is still granted (the
 * grant accepts closed orders: the money was taken).
 */
export async function closeOrderAtAlipay(
  ctx: AppContext,
  order: Order,
  local: { status: 'closed' } | { status: 'failed'; failReason: string } = { status: 'closed' },
): Promise<'closed' | 'paid'> {
  const outcome = await alipayClient(ctx).closeTrade(order.id);
  if (outcome === 'paid') {
    await syncWithAlipay(ctx, order);
    return 'paid';
  }
  const fields =
    outcome === 'not_found' && order.codeUrl === null
      ? { status: 'failed' as const, failReason: 'prepay failed' }
      : local.status === 'closed'
        ? { status: 'closed' as const, closedAt: ctx.now() }
        : local;
  await ctx.db.models.Order.update(fields, { where: { id: order.id, status: 'pending' } });
  ctx.logger.info({ orderId: order.id, status: fields.status, alipay: outcome }, 'order closed');
  return 'closed';
}
