/**
 * The dashboard figures. "Today" and "this month" are business days/months (BUSINESS_TIMEZONE). Revenue is net of
 * refunds: the money of orders paid in the period (by paidAt, whatever was refunded since) minus the refunds that
 * succeeded in it (by successAt); a new member is a user whose first paid order falls in the period.
 */
import { Op } from 'sequelize';
import { PAID_ORDER_STATUSES, TASK_TYPES, type AdminDashboard, type TaskStatus, type TaskType } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { startOfBusinessDay, startOfBusinessMonth } from '../../../lib/time.js';

/** a pending order older than this is stale */
export const STALE_ORDER_MS = 10 * 60_000;

const PAID = { [Op.in]: [...PAID_ORDER_STATUSES] };

async function grossRevenueSince(ctx: AppContext, since: Date): Promise<number> {
  const sum = await ctx.db.models.Order.sum('amountFen', { where: { status: PAID, paidAt: { [Op.gte]: since } } });
  return Number(sum ?? 0);
}

async function refundsSince(ctx: AppContext, since: Date): Promise<number> {
  const sum = await ctx.db.models.Refund.sum('amountFen', { where: { status: 'SUCCESS', successAt: { [Op.gte]: since } } });
  return Number(sum ?? 0);
}

async function newMembersSince(ctx: AppContext, since: Date): Promise<number> {
  const { Order } = ctx.db.models;
  const paid = (await Order.findAll({
    attributes: ['userId'],
    where: { status: PAID, paidAt: { [Op.gte]: since } },
    group: ['userId'],
    raw: true,
  })) as unknown as { userId: string }[];
  if (!paid.length) return 0;
  const earlier = await Order.count({
    where: { userId: paid.map((p) => p.userId), status: PAID, paidAt: { [Op.lt]: since } },
    distinct: true,
    col: 'userId',
  });
  return paid.length - earlier;
}

type Counts = { total: number; processing: number; done: number; failed: number };
const zero = (): Counts => ({ total: 0, processing: 0, done: 0, failed: 0 });

async function tasksSince(ctx: AppContext, since: Date): Promise<AdminDashboard['tasksToday']> {
  const { Task } = ctx.db.models;
  const rows = (await Task.findAll({
    attributes: ['type', 'status', [ctx.db.sequelize.fn('COUNT', ctx.db.sequelize.col('id')), 'n']],
    where: { createdAt: { [Op.gte]: since } },
    group: ['type', 'status'],
    raw: true,
  })) as unknown as { type: TaskType; status: TaskStatus; n: number | string }[];
  const all = zero();
  const byType = Object.fromEntries(TASK_TYPES.map((t) => [t, zero()])) as Record<TaskType, Counts>;
  for (const r of rows) {
    const n = Number(r.n);
    for (const c of [all, byType[r.type]]) {
      if (!c) continue;
      c.total += n;
      c[r.status] += n;
    }
  }
  return { ...all, byType };
}

export async function dashboard(ctx: AppContext): Promise<AdminDashboard> {
  const now = ctx.now();
  const tz = ctx.config.timezone;
  const today = startOfBusinessDay(now, tz);
  const month = startOfBusinessMonth(now, tz);
  const { User, Order, Task } = ctx.db.models;
  const [membersNow, newMembersToday, newMembersMonth, grossToday, grossMonth, refundsTodayFen, refundsMonthFen, tasksToday, stuckTasks, stalePendingOrders] = await Promise.all([
    User.count({ where: { isMember: true, quotaExpireAt: { [Op.gt]: now } } }),
    newMembersSince(ctx, today),
    newMembersSince(ctx, month),
    grossRevenueSince(ctx, today),
    grossRevenueSince(ctx, month),
    refundsSince(ctx, today),
    refundsSince(ctx, month),
    tasksSince(ctx, today),
    Task.count({ where: { status: 'processing', createdAt: { [Op.lt]: new Date(now.getTime() - ctx.config.runninghub.timeoutMs) } } }),
    Order.count({ where: { status: 'pending', createdAt: { [Op.lt]: new Date(now.getTime() - STALE_ORDER_MS) } } }),
  ]);
  // the periodic check's last result (a full scan: never one per dashboard view)
  const ledger = ctx.lastLedgerCheck?.() ?? null;
  const finished = tasksToday.done + tasksToday.failed;
  return {
    membersNow,
    newMembersToday,
    newMembersMonth,
    revenueTodayFen: grossToday - refundsTodayFen,
    revenueMonthFen: grossMonth - refundsMonthFen,
    refundsTodayFen,
    refundsMonthFen,
    tasksToday,
    failureRateToday: finished ? Math.round((tasksToday.failed / finished) * 10_000) / 10_000 : 0,
    stuckTasks,
    stalePendingOrders,
    ledgerMismatches: ledger?.mismatches ?? [],
    ledgerCheckedAt: ledger ? ledger.at.toISOString() : null,
    timezone: tz,
    generatedAt: now.toISOString(),
  };
}
