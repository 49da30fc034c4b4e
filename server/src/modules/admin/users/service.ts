/** Admin users: search by phone (full or last 4 digits), detail, and quota adjustments through the ledger. */
import { Op } from 'sequelize';
import type { AdminUser, AdminUsersQuery } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { AppError } from '../../../lib/errors.js';
import { applyLapse, changeBalance, getUserWithLapse, lockUser } from '../../quota/ledger.js';
import { writeAudit, type Actor } from '../audit/service.js';
import { afterCursor, cutPage, type Page } from '../paging.js';
import { toAdminOrder, toAdminTask, toAdminUser, toLedgerEntry } from '../views.js';

/** how many of a user's latest orders, tasks and ledger rows the detail shows (the lists page further) */
export const DETAIL_ORDERS = 50;
export const DETAIL_TASKS = 50;
export const DETAIL_LEDGER = 200;

export async function listUsers(ctx: AppContext, q: AdminUsersQuery): Promise<Page<AdminUser>> {
  const where: Record<string | symbol, unknown> = { [Op.and]: afterCursor(q.cursor) };
  if (q.phone) where[q.phone.length === 11 ? 'phone' : 'phoneLast4'] = q.phone;
  const rows = await ctx.db.models.User.findAll({ where, order: [['createdAt', 'DESC'], ['id', 'DESC']], limit: q.limit + 1 });
  const now = ctx.now();
  return cutPage(rows, q.limit, (page) => page.map((u) => toAdminUser(u, now)));
}

async function mustExist(ctx: AppContext, userId: string): Promise<void> {
  if (!(await ctx.db.models.User.findByPk(userId, { attributes: ['id'] }))) throw new AppError('NOT_FOUND', '用户不存在');
}

export async function getUserDetail(ctx: AppContext, userId: string) {
  await mustExist(ctx, userId);
  const now = ctx.now();
  const user = await getUserWithLapse(ctx.db, userId, now); // the admin sees what the merchant would see
  const { Order, Task, QuotaLog } = ctx.db.models;
  const newest = [['createdAt', 'DESC'], ['id', 'DESC']] as [string, string][];
  const [orders, tasks, ledger] = await Promise.all([
    Order.findAll({ where: { userId }, order: newest, limit: DETAIL_ORDERS }),
    Task.findAll({ where: { userId }, order: newest, limit: DETAIL_TASKS }),
    QuotaLog.findAll({ where: { userId }, order: [['id', 'DESC']], limit: DETAIL_LEDGER }),
  ]);
  const phones = new Map([[user.id, user.phone]]);
  return {
    user: toAdminUser(user, now),
    orders: orders.map((o) => toAdminOrder(o, phones)),
    tasks: tasks.map((t) => toAdminTask(t, phones)),
    ledger: ledger.map(toLedgerEntry),
  };
}

/**
 * +/− quota with a reason: one transaction holding the user's row lock writes the `adjust` ledger row with the new
 * balance, and the audit row. Never below 0 (400). A due lapse is applied first, and again after (DECISIONS 3:
 * quota of a lapsed membership does not survive).
 */
export async function adjustQuota(ctx: AppContext, actor: Actor, userId: string, delta: number, reason: string) {
  await mustExist(ctx, userId);
  return ctx.db.transaction(async (t) => {
    const now = ctx.now();
    const user = await lockUser(ctx.db, userId, t);
    await applyLapse(ctx.db, user, t, now);
    if (user.quotaRemaining + delta < 0) {
      throw new AppError('INVALID_INPUT', `调整后余额不能小于 0（当前 ${user.quotaRemaining}）`, [
        { path: 'delta', message: `balance would go below 0 (balance ${user.quotaRemaining})` },
      ]);
    }
    const entry = await changeBalance(ctx.db, user, { action: 'adjust', amount: delta, reason }, t, now);
    if (!entry) throw new Error('adjust ledger row not written'); // unreachable: adjust rows carry no unique task/order key
    await applyLapse(ctx.db, user, t, now);
    await writeAudit(
      ctx,
      actor,
      { action: 'user.quota_adjust', target: { type: 'user', id: userId }, reason, details: { delta, balanceAfter: user.quotaRemaining, ledgerId: String(entry.id) } },
      t,
    );
    return { quotaRemaining: user.quotaRemaining, ledgerEntry: toLedgerEntry(entry) };
  });
}
