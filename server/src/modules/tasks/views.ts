import type { Task as TaskView } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { TaskViewSource } from './rows.js';
import { resultKindOf } from './result-kinds.js';

/** Signed result URLs stay valid at least this long (API: ≥ 10 minutes). */
export const RESULT_URL_SECONDS = 3600;

/** A done task's results with signed URLs; none once the retention sweep has deleted them. */
export function signedResults(
  ctx: AppContext,
  task: Pick<TaskViewSource, 'type' | 'status' | 'resultsPurgedAt' | 'resultKeys'>,
): TaskView['results'] {
  const keys = task.status === 'done' && !task.resultsPurgedAt ? (task.resultKeys ?? []) : [];
  const { storage } = ctx.vendors;
  return keys.map((key) => ({ key, url: storage.signedGetUrl(key, RESULT_URL_SECONDS), kind: resultKindOf(task.type, key) }));
}

export function toTaskView(ctx: AppContext, task: TaskViewSource): TaskView {
  const results = signedResults(ctx, task);
  const view: TaskView = {
    id: task.id,
    type: task.type,
    status: task.status,
    stage: task.stage,
    inputKey: task.inputKey,
    params: task.params as TaskView['params'],
    results,
    errorReason: task.errorReason,
    resultsExpired: Boolean(task.resultsPurgedAt),
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
  };
  if (ctx.config.sandbox) view.vendorTaskId = task.vendorTaskId;
  return view;
}
