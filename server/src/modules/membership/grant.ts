/**
 * Applying a WeChat Pay transaction to our order — the one code path shared by the payment callback, the order
 * query of GET /membership/orders/:id, the reconciler and (later) the admin sync. Grants exactly once per order.
 */
import { Op } from 'sequelize';
import type { AppContext } from '../../context.js';
import type { Order } from '../../db/models.js';
import type { WxTransaction } from '../../vendors/types.js';
import { PAID_ORDER_STATUSES } from '@aizhao/shared';
import { applyLapse, changeBalance, lockUser } from '../quota/ledger.js';
import { noteRefundedAtWechat } from './refunds.js';

export class PaymentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentMismatchError';
  }
}

/** Checks that a transaction reported by WeChat belongs to this order of this merchant, for its amount. */
export function assertTransactionMatches(ctx: AppContext, order: Order, tx: WxTransaction): void {
  const { appid, mchid } = ctx.vendors.wechat;
  if (tx.out_trade_no !== order.id) throw new PaymentMismatchError('out_trade_no mismatch');
  if (tx.mchid !== mchid) throw new PaymentMismatchError('mchid mismatch');
  if (tx.appid !== appid) throw new PaymentMismatchError('appid mismatch');
  if (tx.trade_state === 'SUCCESS' && tx.amount?.total !== order.amountFen) throw new PaymentMismatchError('amount mismatch');
}

export type ApplyOutcome = 'granted' | 'already_paid' | 'not_paid' | 'closed' | 'failed';

/**
 * Applies a verified transaction. SUCCESS grants (even for an order we had closed: the money was taken);
 * CLOSED/REVOKED close a pending order; PAYERROR fails it; anything else changes nothing.
 */
export async function applyTransaction(ctx: AppContext, order: Order, tx: WxTransaction): Promise<ApplyOutcome> {
  assertTransactionMatches(ctx, order, tx);
  const now = ctx.now();
  const { Order } = ctx.db.models;
  switch (tx.trade_state) {
    case 'SUCCESS':
      return grantOrder(ctx, order.id, tx.transaction_id ?? null, tx.success_time ? new Date(tx.success_time) : now);
    case 'CLOSED':
    case 'REVOKED': {
      await Order.update({ status: 'closed', closedAt: now }, { where: { id: order.id, status: 'pending' } });
      return 'closed';
    }
    case 'REFUND': {
      // "转入退款": it was paid (grant once, as for SUCCESS), then refunded (refunds.ts finds and applies the refund)
      const outcome = await applyTransaction(ctx, order, { ...tx, trade_state: 'SUCCESS' });
      await noteRefundedAtWechat(ctx, order.id);
      return outcome;
    }
    case 'PAYERROR': {
      await Order.update({ status: 'failed', failReason: tx.trade_state_desc ?? 'PAYERROR' }, { where: { id: order.id, status: 'pending' } });
      return 'failed';
    }
    default:
      return 'not_paid';
  }
}

/**
 * One transaction: order → paid (only from a non-paid state), then the user's row lock, lapse, +quota, expiry
 * extended from max(now, current expiry), and the `grant` ledger row (unique per order).
 */
export async function grantOrder(ctx: AppContext, orderId: string, transactionId: string | null, paidAt: Date): Promise<ApplyOutcome> {
  const { plan } = ctx.config;
  const now = ctx.now();
  const outcome = await ctx.db.transaction(async (t) => {
    const [affected] = await ctx.db.models.Order.update(
      { status: 'paid', transactionId, paidAt },
      { where: { id: orderId, status: { [Op.notIn]: [...PAID_ORDER_STATUSES] } }, transaction: t },
    );
    if (affected === 0) return 'already_paid' as const;
    const order = await ctx.db.models.Order.findByPk(orderId, { transaction: t });
    if (!order) throw new Error(`order ${orderId} vanished`);
    const user = await lockUser(ctx.db, order.userId, t);
    await applyLapse(ctx.db, user, t, now);
    // what the order sold when it was created (DECISIONS 15); orders from before migration 06 fall back to config
    const quota = order.quota ?? plan.quota;
    const days = order.days ?? plan.days;
    const from = Math.max(now.getTime(), user.quotaExpireAt?.getTime() ?? 0);
    user.quotaExpireAt = new Date(from + days * 86_400_000);
    user.isMember = true;
    const entry = await changeBalance(
      ctx.db,
      user,
      { action: 'grant', amount: quota, orderId, reason: `购买会员 ${days} 天` },
      t,
      now,
    );
    if (!entry) throw new Error(`grant for order ${orderId} recorded twice`); // unreachable: the status update guards it
    return 'granted' as const;
  });
  ctx.logger.info({ orderId, outcome }, 'payment applied');
  return outcome;
}

/**
 * Closes a pending order at WeChat Pay and locally; when WeChat answers ORDERPAID the payment is queried and
 * applied instead. Shared by purchase (an expiring QR code), the reconciler and the admin. Throws VendorError.
 */
export async function closeOrderAtWechat(ctx: AppContext, order: Order): Promise<'closed' | 'paid'> {
  const outcome = await ctx.vendors.wechat.closeOrder(order.id);
  if (outcome === 'paid') {
    const tx = await ctx.vendors.wechat.queryOrder(order.id);
    if (tx) await applyTransaction(ctx, order, tx);
  } else {
    await ctx.db.models.Order.update({ status: 'closed', closedAt: ctx.now() }, { where: { id: order.id, status: 'pending' } });
    ctx.logger.info({ orderId: order.id }, 'order closed');
  }
  return outcome;
}
