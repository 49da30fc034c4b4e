/**
 * Admin tasks: list (status, type, user, dates), detail with signed input/result URLs, the vendor task id and a
 * timeline, and fail-and-refund of a stuck task through the same transition as the automatic failures (exactly once).
 */
import { Op } from 'sequelize';
import { TASK_TYPE_LABELS, type AdminTask, type AdminTaskDetail, type AdminTasksQuery } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import type { Task } from '../../../db/models.js';
import { AppError } from '../../../lib/errors.js';
import { cancelAtVendor, failAndRefund } from '../../tasks/lifecycle.js';
import { RESULT_URL_SECONDS, signedResults } from '../../tasks/views.js';
import { toAuditView, writeAudit, type Actor } from '../audit/service.js';
import { afterCursor, cutPage, dateRange, type Page } from '../paging.js';
import { phonesOf, toAdminTask } from '../views.js';

export async function listAdminTasks(ctx: AppContext, q: AdminTasksQuery): Promise<Page<AdminTask>> {
  const where: Record<string | symbol, unknown> = { [Op.and]: [...dateRange(q.from, q.to, ctx.config.timezone), ...afterCursor(q.cursor)] };
  if (q.status) where.status = q.status;
  if (q.type) where.type = q.type;
  if (q.userId) where.userId = q.userId;
  const rows = await ctx.db.models.Task.findAll({ where, order: [['createdAt', 'DESC'], ['id', 'DESC']], limit: q.limit + 1 });
  const phones = await phonesOf(ctx.db.models, rows.map((t) => t.userId));
  return cutPage(rows, q.limit, (page) => page.map((t) => toAdminTask(t, phones)));
}

async function findTask(ctx: AppContext, taskId: string): Promise<Task> {
  const task = await ctx.db.models.Task.findByPk(taskId);
  if (!task) throw new AppError('NOT_FOUND', '任务不存在');
  return task;
}

type TimelineEvent = AdminTaskDetail['timeline'][number];

/** What happened to the task, oldest first: creation, ledger rows, submission, the end, admin actions. */
async function timelineOf(ctx: AppContext, task: Task): Promise<TimelineEvent[]> {
  const { QuotaLog, AdminAuditLog } = ctx.db.models;
  const [ledger, audits] = await Promise.all([
    QuotaLog.findAll({ where: { taskId: task.id }, order: [['id', 'ASC']] }),
    AdminAuditLog.findAll({ where: { targetType: 'task', targetId: task.id }, order: [['id', 'ASC']] }),
  ]);
  const events: TimelineEvent[] = [{ at: task.createdAt.toISOString(), event: 'created', detail: `${TASK_TYPE_LABELS[task.type]}，扣 ${task.cost} 次` }];
  for (const l of ledger) events.push({ at: l.createdAt.toISOString(), event: `ledger.${l.action}`, detail: `${l.amount > 0 ? '+' : ''}${l.amount} → ${l.balanceAfter}` });
  if (task.submittedAt) events.push({ at: task.submittedAt.toISOString(), event: 'submitted', detail: task.vendorTaskId ? `服务商任务 ${task.vendorTaskId}` : null });
  if (task.finishedAt) events.push({ at: task.finishedAt.toISOString(), event: task.status, detail: task.errorReason });
  if (task.finishedAt && task.vendorError) events.push({ at: task.finishedAt.toISOString(), event: 'vendor.error', detail: task.vendorError });
  if (task.resultsPurgedAt) events.push({ at: task.resultsPurgedAt.toISOString(), event: 'results.purged', detail: `保留期 ${ctx.config.resultRetentionDays} 天已过，结果和原图已从存储删除` });
  for (const a of audits.map(toAuditView)) events.push({ at: a.at, event: `admin.${a.action}`, detail: `${a.admin}: ${a.reason ?? ''}`.trim() });
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

export async function getAdminTask(ctx: AppContext, taskId: string): Promise<{ task: AdminTaskDetail }> {
  const task = await findTask(ctx, taskId);
  const [phones, timeline] = await Promise.all([phonesOf(ctx.db.models, [task.userId]), timelineOf(ctx, task)]);
  const inputUrl = task.resultsPurgedAt ? null : ctx.vendors.storage.signedGetUrl(task.inputKey, RESULT_URL_SECONDS);
  const results = signedResults(ctx, task);
  return { task: { ...toAdminTask(task, phones), inputUrl, results, timeline } };
}

/**
 * Fails a processing task and refunds it once, with the audit row in the same transaction; terminal → 409. A task
 * that was running at RunningHub is cancelled there too (by the one call whose failure won).
 */
export async function adminFailAndRefund(ctx: AppContext, actor: Actor, taskId: string, reason: string) {
  const task = await findTask(ctx, taskId);
  if (task.status !== 'processing') throw new AppError('TASK_TERMINAL');
  const failed = await failAndRefund(ctx, taskId, reason, {
    alsoInTransaction: (t, tx, fromStage) =>
      writeAudit(
        ctx,
        actor,
        {
          action: 'task.fail_and_refund',
          target: { type: 'task', id: t.id },
          reason,
          details: { stage: fromStage, refunded: t.cost, userId: t.userId },
        },
        tx,
      ),
  });
  if (!failed) throw new AppError('TASK_TERMINAL');
  if (failed.fromStage === 'running') await cancelAtVendor(ctx, taskId, failed.task.vendorTaskId);
  return getAdminTask(ctx, taskId);
}
