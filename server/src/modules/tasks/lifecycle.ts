/**
 * Terminal transitions of a task. Each is a conditional UPDATE from `processing`, so it happens once whoever
 * (runner, timeout sweep, admin) gets there first; a failure refunds exactly once in the same transaction.
 */
import { Op, type Transaction } from 'sequelize';
import type { AppContext } from '../../context.js';
import type { Task, TaskStage } from '../../db/models.js';
import { applyLapse, changeBalance, lockUser } from '../quota/ledger.js';

export async function completeTask(ctx: AppContext, taskId: string, resultKeys: string[]): Promise<boolean> {
  const now = ctx.now();
  const [affected] = await ctx.db.models.Task.update(
    { status: 'done', stage: 'done', resultKeys, finishedAt: now, leaseUntil: null, nextActionAt: null, updatedAt: now },
    { where: { id: taskId, status: 'processing' } },
  );
  if (affected) ctx.logger.info({ taskId, results: resultKeys.length }, 'task done');
  return affected === 1;
}

export interface FailOptions {
  /** only a task in one of these stages may fail (e.g. a timeout sweep) */
  onlyStages?: TaskStage[];
  /** the vendor's own words, kept for the operator (the merchant sees `reason`) */
  vendorError?: string;
  /** runs inside the same transaction after the refund (the admin's audit row) */
  alsoInTransaction?: (task: Task, t: Transaction) => Promise<unknown>;
}

/**
 * Marks a processing task failed and gives its quota back, in one transaction. Returns false when the task
 * was already terminal (nothing changes). `reason` is what the merchant reads, in Chinese.
 */
export async function failAndRefund(ctx: AppContext, taskId: string, reason: string, o: FailOptions = {}): Promise<boolean> {
  const now = ctx.now();
  const done = await ctx.db.transaction(async (t) => {
    const where: Record<string, unknown> = { id: taskId, status: 'processing' };
    if (o.onlyStages) where.stage = { [Op.in]: o.onlyStages };
    const [affected] = await ctx.db.models.Task.update(
      {
        status: 'failed',
        stage: 'failed',
        errorReason: reason.slice(0, 500),
        vendorError: o.vendorError?.slice(0, 500) ?? null,
        finishedAt: now,
        leaseUntil: null,
        nextActionAt: null,
        updatedAt: now,
      },
      { where, transaction: t },
    );
    if (affected === 0) return false;
    const task = await ctx.db.models.Task.findByPk(taskId, { transaction: t });
    if (!task) throw new Error(`task ${taskId} vanished`);
    await refundTask(ctx, task, t);
    await o.alsoInTransaction?.(task, t);
    return true;
  });
  if (done) ctx.logger.info({ taskId, reason, vendorError: o.vendorError }, 'task failed, quota refunded');
  return done;
}

/**
 * The refund itself: the user's row lock, +cost and a `refund` ledger row whose unique (taskId, action) key makes
 * any second refund of the task a no-op. A refund that lands after expiry is expired again at once (DECISIONS 3).
 */
export async function refundTask(ctx: AppContext, task: Task, t: Transaction): Promise<boolean> {
  const now = ctx.now();
  const user = await lockUser(ctx.db, task.userId, t);
  const entry = await changeBalance(
    ctx.db,
    user,
    { action: 'refund', amount: task.cost, taskId: task.id, reason: '任务失败，次数已返还' },
    t,
    now,
  );
  if (entry) await applyLapse(ctx.db, user, t, now);
  return entry !== null;
}
