/**
 * Task creation: checks in the contract's order, then one transaction that locks the user, applies a due lapse,
 * deducts the cost (never below zero), inserts the task and the `deduct` ledger row. The job runner does the rest.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { DEFAULT_MODEL, type createTaskRequest, type listTasksQuery, type ListTasksResponse, type Task as TaskView } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/index.js';
import { AppError, VendorError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { applyLapse, assertMember, changeBalance, getUserWithLapse, lockUser } from '../quota/ledger.js';
import { assertActiveMember } from '../quota/membership-row.js';
import { checkInputKeyShape, checkInputObject } from './input.js';
import { insertTask } from './insert.js';
import { keysetPage, taskByClientRequestId, taskById, tasksByIds, type TaskViewSource } from './rows.js';
import { toTaskView } from './views.js';

type CreateInput = z.output<typeof createTaskRequest>;

/** What a task stores as its params: a model_pose12 task names its model (DEFAULT_MODEL when the request did not). */
export function storedParams(input: CreateInput): CreateInput['params'] {
  return input.type === 'model_pose12' ? { ...input.params, model: input.params.model ?? DEFAULT_MODEL } : input.params;
}

/**
 * The request's fingerprint for idempotency. The model counts only when it is not the default, so a request made
 * before the model choice existed and its replay now (which gets the default) are the same request.
 */
const requestHash = (input: CreateInput): string => {
  const { model } = storedParams(input);
  return createHash('sha256')
    .update(
      JSON.stringify([
        input.type,
        input.inputKey,
        input.params.scene ?? null,
        input.params.category ?? null,
        ...(model && model !== DEFAULT_MODEL ? [model] : []),
      ]),
    )
    .digest('hex');
};

type PreviousTask = TaskViewSource & { requestHash: string | null };

async function findByClientRequestId(ctx: AppContext, userId: string, clientRequestId: string | undefined): Promise<PreviousTask | null> {
  if (!clientRequestId) return null;
  return taskByClientRequestId(ctx.db, userId, clientRequestId);
}


async function audit(ctx: AppContext, key: string, sizeBytes: number): Promise<void> {
  if (!ctx.config.audit.enabled) return;
  let verdict;
  try {
    verdict = await ctx.vendors.auditor.audit(key, sizeBytes);
  } catch (err) {
    ctx.logger.warn({ err, key }, 'content audit unavailable');
    throw new AppError('AUDIT_UNAVAILABLE', undefined, undefined, { cause: err instanceof VendorError ? err : undefined });
  }
  const rejected = verdict.result === 1 || (verdict.result === 2 && verdict.score / 100 >= ctx.config.audit.threshold);
  if (rejected) {
    ctx.logger.info({ key, label: verdict.label, score: verdict.score }, 'content rejected');
    throw new AppError('CONTENT_REJECTED', '图片未通过内容审核，请更换图片（本次未扣次数）');
  }
}

export interface CreateTaskResult {
  created: boolean;
  task: TaskView;
  quotaRemaining: number;
}

export async function createTask(ctx: AppContext, userId: string, input: CreateInput): Promise<CreateTaskResult> {
  const hash = requestHash(input);
  const replay = async (existing: PreviousTask): Promise<CreateTaskResult> => {
    if (existing.requestHash !== hash) throw new AppError('IDEMPOTENCY_CONFLICT');
    const user = await getUserWithLapse(ctx.db, userId, ctx.now());
    return { created: false, task: toTaskView(ctx, existing), quotaRemaining: user.quotaRemaining };
  };

  const previous = await findByClientRequestId(ctx, userId, input.clientRequestId);
  if (previous && previous.requestHash === hash) return replay(previous);

  await assertActiveMember(ctx.db, userId, ctx.now());
  checkInputKeyShape(userId, input.inputKey);
  const object = await checkInputObject(ctx, input.inputKey);
  if (previous) throw new AppError('IDEMPOTENCY_CONFLICT');
  await audit(ctx, input.inputKey, object.size);

  const cost = ctx.config.taskCost[input.type];
  let created: { task: TaskViewSource; quotaRemaining: number };
  try {
    created = await ctx.db.transaction(async (t) => {
      const now = ctx.now();
      const user = await lockUser(ctx.db, userId, t);
      await applyLapse(ctx.db, user, t, now);
      assertMember(user, now);
      if (user.quotaRemaining < cost) throw new AppError('QUOTA_EXHAUSTED', '剩余次数不足，请续费后再试');
      const task = await insertTask(
        ctx.db,
        {
          id: newId(),
          userId,
          type: input.type,
          inputKey: input.inputKey,
          params: storedParams(input),
          cost,
          clientRequestId: input.clientRequestId ?? null,
          requestHash: hash,
          createdAt: now,
        },
        t,
      );
      await changeBalance(ctx.db, user, { action: 'deduct', amount: -cost, taskId: task.id, reason: `创建任务 ${input.type}` }, t, now);
      return { task, quotaRemaining: user.quotaRemaining };
    });
  } catch (err) {
    // a concurrent request with the same clientRequestId won the race: answer like a retry
    if (isUniqueViolation(err) && input.clientRequestId) {
      const winner = await findByClientRequestId(ctx, userId, input.clientRequestId);
      if (winner) return replay(winner);
    }
    throw err;
  }
  ctx.logger.info({ taskId: created.task.id, userId, type: input.type }, 'task created');
  ctx.wakeJobs();
  return { created: true, task: toTaskView(ctx, created.task), quotaRemaining: created.quotaRemaining };
}

export async function getTask(ctx: AppContext, userId: string, taskId: string): Promise<TaskView> {
  const task = await taskById(ctx.db, userId, taskId);
  if (!task) throw new AppError('NOT_FOUND', '任务不存在');
  return toTaskView(ctx, task);
}

type ListQuery = z.output<typeof listTasksQuery>;

const encodeCursor = (at: Date, id: string): string => Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw new AppError('INVALID_INPUT', '分页参数无效', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
}

/** Newest first with a (createdAt, id) cursor; `ids` for a batch; `updatedSince` oldest change first. */
export async function listTasks(ctx: AppContext, userId: string, q: ListQuery): Promise<ListTasksResponse> {
  const filter = { ...(q.status ? { status: q.status } : {}), ...(q.type ? { type: q.type } : {}) };
  if (q.ids) {
    const rows = await tasksByIds(ctx.db, userId, q.ids, filter);
    return { items: rows.map((t) => toTaskView(ctx, t)), nextCursor: null };
  }
  const field = q.updatedSince ? 'updatedAt' : 'createdAt';
  const rows = await keysetPage(ctx.db, {
    userId,
    ...filter,
    field,
    updatedSince: q.updatedSince ? new Date(q.updatedSince) : undefined,
    cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((t) => toTaskView(ctx, t)),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last[field], last.id) : null,
  };
}
