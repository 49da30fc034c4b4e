/**
 * Admin orders: list (status, dates), detail with the WeChat transaction id, sync with WeChat Pay (the same query-and-
 * apply path as GET /membership/orders/:id and the reconciler) and closing a pending order (as the reconciler does).
 */
import { Op } from 'sequelize';
import type { AdminOrder, AdminOrdersQuery } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import type { Order } from '../../../db/models.js';
import { AppError, VendorError } from '../../../lib/errors.js';
import { closeOrderAtChannel } from '../../membership/channels.js';
import { syncOrderWithWechat } from '../../membership/service.js';
import { writeAudit, type Actor } from '../audit/service.js';
import { afterCursor, cutPage, dateRange, type Page } from '../paging.js';
import { phonesOf, toAdminOrder } from '../views.js';
import { refundsOfOrder } from './refunds.js';

export async function listOrders(ctx: AppContext, q: AdminOrdersQuery): Promise<Page<AdminOrder>> {
  const where: Record<string | symbol, unknown> = { [Op.and]: [...dateRange(q.from, q.to, ctx.config.timezone), ...afterCursor(q.cursor)] };
  if (q.status) where.status = q.status;
  if (q.channel) where.channel = q.channel;
  const rows = await ctx.db.models.Order.findAll({ where, order: [['createdAt', 'DESC'], ['id', 'DESC']], limit: q.limit + 1 });
  const phones = await phonesOf(ctx.db.models, rows.map((o) => o.userId));
  return cutPage(rows, q.limit, (page) => page.map((o) => toAdminOrder(o, phones)));
}

async function findOrder(ctx: AppContext, orderId: string): Promise<Order> {
  const order = await ctx.db.models.Order.findByPk(orderId);
  if (!order) throw new AppError('NOT_FOUND', '订单不存在');
  return order;
}

const view = async (ctx: AppContext, order: Order): Promise<{ order: AdminOrder }> => ({
  order: toAdminOrder(order, await phonesOf(ctx.db.models, [order.userId])),
});

/** The order with its refunds. */
export async function getAdminOrder(ctx: AppContext, orderId: string) {
  return { ...(await view(ctx, await findOrder(ctx, orderId))), refunds: await refundsOfOrder(ctx, orderId) };
}

/** Asks WeChat Pay about a pending order now (no throttle) and applies a payment found, exactly as the callback would. */
export async function syncOrder(ctx: AppContext, actor: Actor, orderId: string, reason: string | null) {
  const order = await findOrder(ctx, orderId);
  const before = order.status;
  const synced = await syncOrderWithWechat(ctx, order, 0);
  await writeAudit(ctx, actor, { action: 'order.sync', target: { type: 'order', id: orderId }, reason, details: { before, after: synced.status } });
  return view(ctx, synced);
}

/**
 * Closes a pending order at WeChat Pay, then here. WeChat answering ORDERPAID means the payer paid after all: the
 * payment is queried and applied (granted) instead. Not pending → 409 ORDER_NOT_PENDING.
 */
export async function closeOrder(ctx: AppContext, actor: Actor, orderId: string, reason: string | null) {
  const order = await findOrder(ctx, orderId);
  if (order.status !== 'pending') throw new AppError('ORDER_NOT_PENDING');
  let outcome: 'closed' | 'paid';
  try {
    outcome = await closeOrderAtChannel(ctx, order);
  } catch (err) {
    if (!(err instanceof VendorError)) throw err;
    ctx.logger.warn({ err, orderId }, 'admin close: WeChat Pay failed');
    throw new AppError('PAYMENT_PROVIDER_ERROR', undefined, undefined, { cause: err });
  }
  const after = await findOrder(ctx, orderId);
  await writeAudit(ctx, actor, { action: 'order.close', target: { type: 'order', id: orderId }, reason, details: { wechat: outcome, after: after.status } });
  return view(ctx, after);
}
