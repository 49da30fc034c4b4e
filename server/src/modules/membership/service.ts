/** Membership purchase (WeChat Pay Native), order status with a throttled WeChat query, membership status. */
import { Op, type CreationAttributes } from 'sequelize';
import type { MembershipStatus, OrderView, PurchaseResponse } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Order, Plan } from '../../db/models.js';
import { basePlanTerms, planToSell } from '../plans/service.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { getUserWithLapse, isActiveMember, lockUser } from '../quota/ledger.js';
import { closeOrderAtChannel, enabledChannel, prepayAtChannel, syncOrderAtChannel } from './channels.js';
import { lastRefundNotice } from './refunds.js';

export async function membershipStatus(ctx: AppContext, userId: string): Promise<MembershipStatus> {
  const now = ctx.now();
  const user = await getUserWithLapse(ctx.db, userId, now);
  const lastRefund = await lastRefundNotice(ctx, userId);
  return {
    isMember: isActiveMember(user, now),
    quotaRemaining: user.quotaRemaining,
    quotaExpireAt: user.quotaExpireAt ? user.quotaExpireAt.toISOString() : null,
    plan: await basePlanTerms(ctx),
    ...(lastRefund ? { lastRefund } : {}),
  };
}

/** A pending order is handed out again only while it has at least this long left to be paid. */
const REUSE_MIN_REMAINING_MS = 60_000;
/**
 * A pending order without its code yet has a prepay in flight (another request, maybe another instance): it is
 * waited for this long — the client's 10 s timeout and some room — checking every PREPAY_WAIT_STEP_MS.
 */
const PREPAY_WAIT_MS = 15_000;
const PREPAY_WAIT_STEP_MS = 100;

const toPurchaseView = (o: Order): PurchaseResponse => ({
  orderId: o.id,
  codeUrl: o.codeUrl ?? '',
  amountFen: o.amountFen,
  expiresAt: o.expiresAt.toISOString(),
});

/**
 * Creates a pending order and its Native prepay, or returns the merchant's unexpired pending order (so two QR codes
 * can never both be paid). The decision is serialised per merchant by the user's row lock, but the prepay call is
 * not made under it: the order is committed without a code, prepaid, and its code stored only if it is still
 * pending without one. A purchase that finds another's prepay in flight waits for its code.
 */
export async function purchase(
  ctx: AppContext,
  userId: string,
  channel: string,
  planId?: string,
): Promise<{ created: boolean; order: PurchaseResponse }> {
  enabledChannel(ctx, channel);
  const plan = await planToSell(ctx, planId);
  if (plan.kind === 'pack') {
    // a pack adds quota to the running membership and lapses with it: it needs one
    const user = await getUserWithLapse(ctx.db, userId, ctx.now());
    if (!isActiveMember(user, ctx.now())) throw new AppError('NOT_MEMBER', '加量包需在会员有效期内购买，请先开通或续费会员');
  }
  await closeExpiringOrders(ctx, userId, channel, plan.id);
  for (let round = 0; ; round++) {
    const step = await reserveOrder(ctx, userId, channel, plan);
    if (step.kind === 'reuse') return { created: false, order: toPurchaseView(step.order) };
    if (step.kind === 'created') return { created: true, order: toPurchaseView(await prepay(ctx, step.order)) };
    // another purchase's prepay is in flight: wait for its code, then decide again (it may have failed)
    if (round >= 1 || !(await waitForPrepay(ctx, step.order.id))) throw new AppError('PAYMENT_PROVIDER_ERROR');
  }
}

/**
 * An order about to expire can still be paid: close it at its channel first, so two QR codes are never both payable.
 * So is a pending order of the other channel: the merchant chose another way to pay.
 */
async function closeExpiringOrders(ctx: AppContext, userId: string, channel: string, planId: string): Promise<void> {
  const now = ctx.now();
  const expiring = await ctx.db.models.Order.findAll({
    where: {
      userId,
      status: 'pending',
      codeUrl: { [Op.ne]: null },
      expiresAt: { [Op.gt]: now },
      // …or of another channel or plan: the merchant chose another way to pay, or something else to buy
      [Op.or]: [
        { expiresAt: { [Op.lte]: new Date(now.getTime() + REUSE_MIN_REMAINING_MS) } },
        { channel: { [Op.ne]: channel } },
        { planId: null },
        { planId: { [Op.ne]: planId } },
      ],
    },
  });
  for (const old of expiring) {
    try {
      await closeOrderAtChannel(ctx, old);
    } catch (err) {
      ctx.logger.error({ err, orderId: old.id }, 'closing an expiring order failed');
      throw new AppError('PAYMENT_PROVIDER_ERROR');
    }
  }
}

/**
 * A new pending order of the plan, as it is committed before its prepay (no code yet): it records what it sells
 * (price, quota, days, plan id), so that a later change of the plan never alters it. Without a plan: the config's.
 */
export function newPendingOrder(
  ctx: AppContext,
  userId: string,
  channel: string,
  now: Date,
  plan: Pick<Plan, 'id' | 'priceFen' | 'quota' | 'days'> | null = null,
): CreationAttributes<Order> {
  const { wechat } = ctx.config;
  const sold = plan ?? ctx.config.plan;
  return {
    id: newId(),
    userId,
    status: 'pending',
    amountFen: sold.priceFen,
    quota: sold.quota,
    days: sold.days,
    planId: plan?.id ?? null,
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
  };
}

type Reservation = { kind: 'reuse' | 'created' | 'in_flight'; order: Order };

/** Under the user's row lock: the reusable pending order, a pending one whose prepay is in flight, or a new one. */
async function reserveOrder(ctx: AppContext, userId: string, channel: string, plan: Plan): Promise<Reservation> {
  const { Order } = ctx.db.models;
  return ctx.db.transaction(async (t): Promise<Reservation> => {
    const now = ctx.now();
    await lockUser(ctx.db, userId, t);
    const reusable = await Order.findOne({
      where: {
        userId,
        status: 'pending',
        codeUrl: { [Op.ne]: null },
        expiresAt: { [Op.gt]: new Date(now.getTime() + REUSE_MIN_REMAINING_MS) },
      },
      order: [['createdAt', 'DESC']],
      transaction: t,
    });
    if (reusable) return { kind: 'reuse', order: reusable };
    const inFlight = await Order.findOne({
      where: { userId, status: 'pending', codeUrl: null, createdAt: { [Op.gt]: new Date(now.getTime() - PREPAY_WAIT_MS) } },
      order: [['createdAt', 'DESC']],
      transaction: t,
    });
    if (inFlight) return { kind: 'in_flight', order: inFlight };
    const order = await Order.create(newPendingOrder(ctx, userId, channel, now, plan), { transaction: t });
    return { kind: 'created', order };
  });
}

/**
 * The Native prepay of a committed order, outside any transaction; its code is stored only while the order is still
 * pending without one. A failed prepay (or an order no longer pending) fails the purchase, and the order ends failed.
 */
async function prepay(ctx: AppContext, order: Order): Promise<Order> {
  const { Order } = ctx.db.models;
  const pendingWithoutCode = { id: order.id, status: 'pending' as const, codeUrl: null };
  let codeUrl: string;
  try {
    codeUrl = await prepayAtChannel(ctx, order);
  } catch (err) {
    ctx.logger.error({ err, orderId: order.id, channel: order.channel }, 'prepay failed');
    await Order.update({ status: 'failed', failReason: 'prepay failed' }, { where: pendingWithoutCode });
    throw new AppError('PAYMENT_PROVIDER_ERROR');
  }
  const [stored] = await Order.update({ codeUrl }, { where: pendingWithoutCode });
  if (stored !== 1) {
    ctx.logger.error({ orderId: order.id }, 'prepaid order is no longer pending without a code; its code is not handed out');
    throw new AppError('PAYMENT_PROVIDER_ERROR');
  }
  ctx.logger.info({ orderId: order.id, userId: order.userId }, 'order created');
  order.codeUrl = codeUrl;
  return order;
}

/** Waits until the order's prepay stored its code or the order left `pending`; false when it took too long. */
async function waitForPrepay(ctx: AppContext, orderId: string): Promise<boolean> {
  const deadline = Date.now() + PREPAY_WAIT_MS;
  while (Date.now() < deadline) {
    const order = await ctx.db.models.Order.findByPk(orderId);
    if (!order || order.status !== 'pending' || order.codeUrl !== null) return true;
    await new Promise((r) => setTimeout(r, PREPAY_WAIT_STEP_MS));
  }
  ctx.logger.warn({ orderId }, 'a concurrent prepay did not finish in time');
  return false;
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

/** Queries the order's channel (WeChat Pay or Alipay) for a pending order (if the throttle allows) and applies what it finds. */
export async function syncOrderWithWechat(ctx: AppContext, order: Order, minIntervalMs: number): Promise<Order> {
  if (order.status !== 'pending' || !(await claimOrderQuery(ctx, order, minIntervalMs))) return order;
  try {
    await syncOrderAtChannel(ctx, order);
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
