/** Membership purchase (WeChat Pay Native), order status with a throttled WeChat query, membership status. */
import { Op } from 'sequelize';
import type { MembershipStatus, OrderView, PurchaseResponse } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Order } from '../../db/models.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { getUserWithLapse, isActiveMember, lockUser } from '../quota/ledger.js';
import { applyTransaction, closeOrderAtWechat } from './grant.js';
import { lastRefundNotice } from './refunds.js';

export async function membershipStatus(ctx: AppContext, userId: string): Promise<MembershipStatus> {
  const now = ctx.now();
  const user = await getUserWithLapse(ctx.db, userId, now);
  const lastRefund = await lastRefundNotice(ctx, userId);
  return {
    isMember: isActiveMember(user, now),
    quotaRemaining: user.quotaRemaining,
    quotaExpireAt: user.quotaExpireAt ? user.quotaExpireAt.toISOString() : null,
    plan: ctx.config.plan,
    ...(lastRefund ? { lastRefund } : {}),
  };
}

/** A pending order is handed out again only while it has at least this long left to be paid. */
const REUSE_MIN_REMAINING_MS = 60_000;

const toPurchaseView = (o: Order): PurchaseResponse => ({
  orderId: o.id,
  codeUrl: o.codeUrl ?? '',
  amountFen: o.amountFen,
  expiresAt: o.expiresAt.toISOString(),
});

/**
 * Creates a pending order and its Native prepay, or returns the merchant's unexpired pending order (so two QR codes
 * can never both be paid). Serialised per merchant by the user's row lock.
 */
export async function purchase(ctx: AppContext, userId: string, channel: string): Promise<{ created: boolean; order: PurchaseResponse }> {
  if (channel !== ctx.config.paymentChannel) throw new AppError('UNSUPPORTED_CHANNEL');
  const { wechat, plan, publicBaseUrl } = ctx.config;
  const now = ctx.now();
  const { Order } = ctx.db.models;
  const reuseUntil = new Date(now.getTime() + REUSE_MIN_REMAINING_MS);
  // an order about to expire can still be paid: close it at WeChat first, so two QR codes are never both payable
  const expiring = await Order.findAll({
    where: { userId, status: 'pending', codeUrl: { [Op.ne]: null }, expiresAt: { [Op.gt]: now, [Op.lte]: reuseUntil } },
  });
  for (const old of expiring) {
    try {
      await closeOrderAtWechat(ctx, old);
    } catch (err) {
      ctx.logger.error({ err, orderId: old.id }, 'closing an expiring order failed');
      throw new AppError('PAYMENT_PROVIDER_ERROR');
    }
  }
  const result = await ctx.db.transaction(async (t) => {
    await lockUser(ctx.db, userId, t);
    const reusable = await Order.findOne({
      where: { userId, status: 'pending', codeUrl: { [Op.ne]: null }, expiresAt: { [Op.gt]: reuseUntil } },
      order: [['createdAt', 'DESC']],
      transaction: t,
    });
    if (reusable) return { created: false, order: reusable };
    const order = await Order.create(
      {
        id: newId(),
        userId,
        status: 'pending',
        amountFen: plan.priceFen,
        quota: plan.quota,
        days: plan.days,
        channel,
        codeUrl: null,
        transactionId: null,
        expiresAt: new Date(now.getTime() + wechat.orderExpireMinutes * 60_000),
        paidAt: null,
        closedAt: null,
        lastQueriedAt: null,
        failReason: null,
        createdAt: now,
        updatedAt: now,
      },
      { transaction: t },
    );
    try {
      const { codeUrl } = await ctx.vendors.wechat.nativePrepay({
        outTradeNo: order.id,
        description: wechat.description,
        amountFen: order.amountFen,
        timeExpire: order.expiresAt,
        notifyUrl: `${publicBaseUrl}/membership/payment-callback`,
      });
      order.codeUrl = codeUrl;
      await order.save({ transaction: t });
      return { created: true, order };
    } catch (err) {
      ctx.logger.error({ err, orderId: order.id }, 'wechat prepay failed');
      order.status = 'failed';
      order.failReason = 'prepay failed';
      await order.save({ transaction: t });
      return { created: false, order, failed: true };
    }
  });
  if ('failed' in result) throw new AppError('PAYMENT_PROVIDER_ERROR');
  if (result.created) ctx.logger.info({ orderId: result.order.id, userId }, 'order created');
  return { created: result.created, order: toPurchaseView(result.order) };
}

export const toOrderView = (o: Order): OrderView => ({
  orderId: o.id,
  status: o.status,
  amountFen: o.amountFen,
  createdAt: o.createdAt.toISOString(),
  paidAt: o.paidAt ? o.paidAt.toISOString() : null,
  ...(o.refundedFen ? { refundedFen: o.refundedFen } : {}),
});

/** How long after creation a pending order is first worth asking WeChat about. */
const QUERY_GRACE_MS = 3000;

/**
 * Claims the right to query WeChat about a pending order now: at most once per ORDER_QUERY_MIN_INTERVAL per order,
 * across instances (the throttle is the orders.lastQueriedAt column, claimed with a conditional UPDATE).
 */
async function claimOrderQuery(ctx: AppContext, order: Order, minIntervalMs: number): Promise<boolean> {
  const now = ctx.now();
  const [affected] = await ctx.db.models.Order.update(
    { lastQueriedAt: now },
    {
      where: {
        id: order.id,
        status: 'pending',
        [Op.or]: [{ lastQueriedAt: null }, { lastQueriedAt: { [Op.lte]: new Date(now.getTime() - minIntervalMs) } }],
      },
    },
  );
  return affected === 1;
}

/** Queries WeChat Pay for a pending order (if the throttle allows) and applies what it finds. */
export async function syncOrderWithWechat(ctx: AppContext, order: Order, minIntervalMs: number): Promise<Order> {
  if (order.status !== 'pending' || !(await claimOrderQuery(ctx, order, minIntervalMs))) return order;
  try {
    const tx = await ctx.vendors.wechat.queryOrder(order.id);
    if (tx) await applyTransaction(ctx, order, tx);
  } catch (err) {
    ctx.logger.warn({ err, orderId: order.id }, 'order query failed');
  }
  return (await ctx.db.models.Order.findByPk(order.id)) ?? order;
}

export async function getOrder(ctx: AppContext, userId: string, orderId: string): Promise<OrderView> {
  let order = await ctx.db.models.Order.findOne({ where: { id: orderId, userId } });
  if (!order) throw new AppError('NOT_FOUND', '订单不存在');
  if (order.status === 'pending' && ctx.now().getTime() - order.createdAt.getTime() >= QUERY_GRACE_MS) {
    order = await syncOrderWithWechat(ctx, order, ctx.config.wechat.queryMinIntervalMs);
  }
  return toOrderView(order);
}
