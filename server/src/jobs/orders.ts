/**
 * The order reconciler and the membership expiry sweeper.
 * Pending orders with no callback within 60 s are queried about once a minute; after time_expire (and ≥ 5 min after
 * creation) they are closed through the close API (ORDER_PAID → query and grant). Every order ends paid/closed/failed.
 * Each order and each user is handled on its own: one that fails is logged and the others still run.
 */
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import type { Order } from '../db/models.js';
import { VendorError } from '../lib/errors.js';
import { closeOrderAtChannel } from '../modules/membership/channels.js';
import { reconcileRefunds } from '../modules/membership/refunds.js';
import { syncOrderWithWechat } from '../modules/membership/service.js';
import { getUserWithLapse } from '../modules/quota/ledger.js';

const RECONCILE_AFTER_MS = 60_000;
const RECONCILE_EVERY_MS = 60_000;
const CLOSE_NOT_BEFORE_MS = 5 * 60_000;

export async function reconcileOrders(ctx: AppContext): Promise<void> {
  const now = ctx.now();
  const { Order } = ctx.db.models;
  const pending = await Order.findAll({
    where: {
      status: 'pending',
      createdAt: { [Op.lt]: new Date(now.getTime() - RECONCILE_AFTER_MS) },
      [Op.or]: [{ lastQueriedAt: null }, { lastQueriedAt: { [Op.lt]: new Date(now.getTime() - RECONCILE_EVERY_MS) } }],
    },
    order: [['createdAt', 'ASC']],
    limit: 50,
  });
  for (const order of pending) {
    try {
      await reconcileOrder(ctx, order, now);
    } catch (err) {
      ctx.logger.error({ err, orderId: order.id }, 'reconciling an order failed; will retry');
    }
  }
  // refunds WeChat has not settled yet (refunds.ts): queried about once a minute
  await reconcileRefunds(ctx).catch((err: unknown) => ctx.logger.error({ err }, 'refund reconciliation failed'));
}

/**
 * Queries one pending order and, once it is past time_expire (or never got its code: its prepay was cut off, so
 * nobody can pay it) and at least 5 min old, closes it. A code-less order WeChat never heard of ends `failed`.
 */
async function reconcileOrder(ctx: AppContext, order: Order, now: Date): Promise<void> {
  const synced = await syncOrderWithWechat(ctx, order, RECONCILE_EVERY_MS);
  const oldEnough = now.getTime() - synced.createdAt.getTime() >= CLOSE_NOT_BEFORE_MS;
  const noCode = synced.codeUrl === null;
  const due = oldEnough && (noCode || synced.expiresAt.getTime() <= now.getTime());
  if (synced.status !== 'pending' || !due) return;
  try {
    await closeOrderAtChannel(ctx, synced);
  } catch (err) {
    if (!(noCode && err instanceof VendorError && err.details.code === 'ORDER_NOT_EXIST')) throw err;
    await ctx.db.models.Order.update({ status: 'failed', failReason: 'prepay failed' }, { where: { id: synced.id, status: 'pending' } });
    ctx.logger.warn({ orderId: synced.id }, 'an order whose prepay never reached WeChat Pay is failed');
  }
}

export async function sweepExpiredMemberships(ctx: AppContext): Promise<void> {
  const now = ctx.now();
  const users = await ctx.db.models.User.findAll({
    attributes: ['id'],
    where: { quotaExpireAt: { [Op.lte]: now }, [Op.or]: [{ isMember: true }, { quotaRemaining: { [Op.gt]: 0 } }] },
    limit: 200,
  });
  for (const u of users) {
    try {
      await getUserWithLapse(ctx.db, u.id, now);
    } catch (err) {
      ctx.logger.error({ err, userId: u.id }, 'lapsing an expired membership failed; will retry');
    }
  }
}
