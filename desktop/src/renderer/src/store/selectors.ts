/** Derived values of the store and the app state for the screens. Pure. */
import type { AppState, ClientOptions, TaskParams } from '../../../shared/contract';
import type { Category, Model, Scene, TaskType } from '@aizhao/shared';
import { reusedRun } from '../../../shared/reuse';
import { costSummary, MODEL_TASK_TYPE, type CostSummary } from '../logic/cost';

export interface DraftChoice {
  type: TaskType | null;
  scene: Scene | null;
  category: Category | null;
  /** model_pose12's model; null: the one suggested for the category (童 for 童装, else 女) */
  model: Model | null;
}

export const emptyChoice: DraftChoice = { type: null, scene: null, category: null, model: null };

/** The model a batch uses: the one chosen, else the one suggested for the category, else 女. */
export const effectiveModel = (choice: DraftChoice, options: ClientOptions | null | undefined): Model =>
  choice.model ?? (choice.category ? options?.modelSuggestions?.[choice.category] : undefined) ?? 'female';

type TaskTypeOption = NonNullable<AppState['options']>['taskTypes'][number];

/** The chosen task type, or the first the server offers when none is chosen (or the choice is no longer offered). */
export function chosenTaskType(app: Pick<AppState, 'options'> | null, choice: DraftChoice): TaskTypeOption | null {
  const types = app?.options?.taskTypes ?? [];
  return types.find((t) => t.type === choice.type) ?? types[0] ?? null;
}

/** What `startBatch` gets: scene, category and model only for the model type. */
export function batchParams(type: TaskType, choice: DraftChoice, options?: ClientOptions | null): TaskParams {
  if (type !== MODEL_TASK_TYPE) return {};
  return {
    ...(choice.scene ? { scene: choice.scene } : {}),
    ...(choice.category ? { category: choice.category } : {}),
    model: effectiveModel(choice, options),
  };
}

export function draftCost(app: AppState | null, choice: DraftChoice): CostSummary {
  const taskType = chosenTaskType(app, choice);
  const params = taskType ? batchParams(taskType.type, choice, app?.options) : {};
  const files = app?.draft.files ?? [];
  const reusedCount = taskType ? files.filter((f) => reusedRun(f, taskType.type, params)).length : 0;
  return costSummary({
    fileCount: files.length - reusedCount,
    reusedCount,
    taskType,
    membership: app?.membership ?? null,
    params,
  });
}

/**
 * Changes whenever one of the app's tasks is created or ends — what the 历史任务 list shows. Progress within a stage
 * (upload bytes, downloads) does not change it.
 */
export function taskChangeKey(app: AppState | null): string {
  let created = 0;
  let ended = 0;
  for (const b of app?.batches ?? []) {
    for (const i of b.items) {
      if (i.taskId) created++;
      if (i.stage === 'done' || i.stage === 'failed') ended++;
    }
  }
  return `${created}:${ended}`;
}
