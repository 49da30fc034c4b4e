/**
 * Terminal transitions of a task. Each changes the task only while it is `processing`, so it happens once whoever
 * (runner, timeout sweep, admin) gets there first; a failure refunds exactly once in the same transaction.
 */
import type { Transaction } from 'sequelize';
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
  /** runs inside the same transaction after the refund (the admin's audit row); `fromStage` is the stage it failed from */
  alsoInTransaction?: (task: Task, t: Transaction, fromStage: TaskStage) => Promise<unknown>;
}

/** A task that this call failed (and refunded), with the stage it was in. */
export interface FailedTask {
  task: Task;
  fromStage: TaskStage;
}

/**
 * Marks a processing task failed and gives its quota back, in one transaction. Returns null when the task was
 * already terminal or not in `onlyStages` (nothing changes); the caller that gets the task is the only one whose
 * failure won, so it alone may act on it afterwards (e.g. cancel it at RunningHub). `reason` is what the merchant
 * reads, in Chinese.
 *
 * Locks first, then reads what decides: the task row, then the user row (the order every path that locks both
 * follows), before any plain read opens the transaction's snapshot, so a concurrent change never makes a later
 * locking read fail with MariaDB's snapshot-isolation error 1020.
 */
export async function failAndRefund(ctx: AppContext, taskId: string, reason: string, o: FailOptions = {}): Promise<FailedTask | null> {
  const now = ctx.now();
  const failed = await ctx.db.transaction(async (t) => {
    const task = await ctx.db.models.Task.findByPk(taskId, { transaction: t, lock: t.LOCK.UPDATE });
    if (!task || task.status !== 'processing' || (o.onlyStages && !o.onlyStages.includes(task.stage))) return null;
    const fromStage = task.stage;
    await task.update(
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
      { transaction: t },
    );
    await refundTask(ctx, task, t);
    await o.alsoInTransaction?.(task, t, fromStage);
    return { task, fromStage };
  });
  if (failed) ctx.logger.info({ taskId, reason, vendorError: o.vendorError }, 'task failed, quota refunded');
  return failed;
}

/**
 * Cancels at RunningHub the vendor task of a model task that was failed while it ran there, so that it does not
 * hold one of the account's slots (best effort: a cancel that fails is logged; RunningHub ends the task itself).
 */
export async function cancelAtVendor(ctx: AppContext, taskId: string, vendorTaskId: string | null): Promise<void> {
  if (!vendorTaskId) return;
  try {
    await ctx.vendors.runninghub.cancel(vendorTaskId);
    ctx.logger.info({ taskId, vendorTaskId }, 'runninghub task cancelled');
  } catch (err) {
    ctx.logger.warn({ err, taskId, vendorTaskId }, 'runninghub cancel failed');
  }
}

/**
 * The refund itself: the user's row lock, +cost and a `refund` ledger row whose unique (taskId, action) key makes
 * any second refund of the task a no-op. A refund that lands after expiry is expired again at once.
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
