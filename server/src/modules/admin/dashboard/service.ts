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

type RevenueRow = NonNullable<AdminDashboard['revenueMonthBy']>[number];

/**
 * Revenue since `since` by plan and channel: orders paid in the period (gross) and refunds that succeeded in it,
 * each counted under the plan and channel of its order. Orders from before plans count under the plan `null`.
 */
async function revenueByPlanAndChannel(ctx: AppContext, since: Date): Promise<RevenueRow[]> {
  const { Order, Refund, Plan } = ctx.db.models;
  const paid = await Order.findAll({
    attributes: ['id', 'planId', 'channel', 'amountFen'],
    where: { status: PAID, paidAt: { [Op.gte]: since } },
  });
  const refunds = await Refund.findAll({
    attributes: ['orderId', 'amountFen'],
    where: { status: 'SUCCESS', successAt: { [Op.gte]: since } },
  });
  const refundedIds = [...new Set(refunds.map((r) => r.orderId))];
  const refundedOrders = refundedIds.length
    ? await Order.findAll({ attributes: ['id', 'planId', 'channel'], where: { id: { [Op.in]: refundedIds } } })
    : [];
  // by primary key: only the plans these orders sold (no scan of the plans table)
  const planIds = [...new Set([...paid, ...refundedOrders].flatMap((o) => (o.planId ? [o.planId] : [])))];
  const plans = planIds.length ? await Plan.findAll({ attributes: ['id', 'name'], where: { id: { [Op.in]: planIds } } }) : [];
  const names = new Map(plans.map((p) => [p.id, p.name]));
  const rows = new Map<string, RevenueRow>();
  const row = (planId: string | null, channel: string): RevenueRow => {
    const key = `${planId ?? ''}|${channel}`;
    let r = rows.get(key);
    if (!r) {
      r = {
        planId,
        planName: planId ? (names.get(planId) ?? planId) : '套餐上线前的订单',
        channel,
        orders: 0,
        grossFen: 0,
        refundsFen: 0,
        netFen: 0,
      };
      rows.set(key, r);
    }
    return r;
  };
  for (const o of paid) {
    const r = row(o.planId ?? null, o.channel);
    r.orders += 1;
    r.grossFen += o.amountFen;
  }
  const orderOf = new Map(refundedOrders.map((o) => [o.id, o]));
  for (const f of refunds) {
    const o = orderOf.get(f.orderId);
    if (o) row(o.planId ?? null, o.channel).refundsFen += f.amountFen;
  }
  for (const r of rows.values()) r.netFen = r.grossFen - r.refundsFen;
  return [...rows.values()].sort(
    (a, b) => b.netFen - a.netFen || a.planName.localeCompare(b.planName) || a.channel.localeCompare(b.channel),
  );
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
  const [
    membersNow,
    newMembersToday,
    newMembersMonth,
    grossToday,
    grossMonth,
    refundsTodayFen,
    refundsMonthFen,
    tasksToday,
    stuckTasks,
    stalePendingOrders,
  ] = await Promise.all([
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
  const revenueMonthBy = await revenueByPlanAndChannel(ctx, month);
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
    revenueMonthBy,
  };
}
