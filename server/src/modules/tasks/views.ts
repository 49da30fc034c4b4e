import type { Task as TaskView } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Task } from '../../db/models.js';

/** Signed result URLs stay valid at least this long (API: ≥ 10 minutes). */
export const RESULT_URL_SECONDS = 3600;

/** What the i-th stored result of a task is: basic_clean stores the white JPEG, then the cut-out PNG. */
function resultKind(type: Task['type'], index: number): TaskView['results'][number]['kind'] {
  if (type === 'model_pose12') return 'pose';
  return index === 0 ? 'white' : 'cutout';
}

/** A done task's results with signed URLs; none once the retention sweep has deleted them. */
export function signedResults(ctx: AppContext, task: Task): Promise<TaskView['results']> {
  const keys = task.status === 'done' && !task.resultsPurgedAt ? (task.resultKeys ?? []) : [];
  return Promise.all(
    keys.map(async (key, i) => ({
      key,
      url: await ctx.vendors.storage.signedGetUrl(key, RESULT_URL_SECONDS),
      kind: resultKind(task.type, i),
    })),
  );
}

export async function toTaskView(ctx: AppContext, task: Task): Promise<TaskView> {
  const results = await signedResults(ctx, task);
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
