/**
 * The order reconciler (DECISIONS 4) and the membership expiry sweeper.
 * Pending orders with no callback within 60 s are queried about once a minute; after time_expire (and ≥ 5 min after
 * creation) they are closed through the close API (ORDERPAID → query and grant). Every order ends paid/closed/failed.
 */
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import { closeOrderAtWechat } from '../modules/membership/grant.js';
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
    const synced = await syncOrderWithWechat(ctx, order, RECONCILE_EVERY_MS);
    const expired = synced.expiresAt.getTime() <= now.getTime() && now.getTime() - synced.createdAt.getTime() >= CLOSE_NOT_BEFORE_MS;
    if (synced.status !== 'pending' || !expired) continue;
    try {
      await closeOrderAtWechat(ctx, synced);
    } catch (err) {
      ctx.logger.warn({ err, orderId: synced.id }, 'closing an expired order failed; will retry');
    }
  }
  // refunds WeChat has not settled yet (refunds.ts): queried about once a minute
  await reconcileRefunds(ctx).catch((err: unknown) => ctx.logger.error({ err }, 'refund reconciliation failed'));
}

export async function sweepExpiredMemberships(ctx: AppContext): Promise<void> {
  const now = ctx.now();
  const users = await ctx.db.models.User.findAll({
    attributes: ['id'],
    where: { quotaExpireAt: { [Op.lte]: now }, [Op.or]: [{ isMember: true }, { quotaRemaining: { [Op.gt]: 0 } }] },
    limit: 200,
  });
  for (const u of users) await getUserWithLapse(ctx.db, u.id, now);
}
