import type { Task as TaskView } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Task } from '../../db/models.js';

/** Signed result URLs stay valid at least this long (API: ≥ 10 minutes). */
export const RESULT_URL_SECONDS = 3600;

export async function toTaskView(ctx: AppContext, task: Task): Promise<TaskView> {
  const keys = task.status === 'done' && !task.resultsPurgedAt ? (task.resultKeys ?? []) : [];
  const results = await Promise.all(
    keys.map(async (key) => ({ key, url: await ctx.vendors.storage.signedGetUrl(key, RESULT_URL_SECONDS) })),
  );
  const view: TaskView = {
    id: task.id,
    type: task.type,
    status: task.status,
    stage: task.stage,
    inputKey: task.inputKey,
    params: task.params as TaskView['params'],
    results,
    errorReason: task.errorReason,
    resultsExpired: task.resultsPurgedAt !== null && task.resultsPurgedAt !== undefined,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  };
  if (ctx.config.sandbox) view.vendorTaskId = task.vendorTaskId;
  return view;
}
