/**
 * When a dropped photo is not charged again: it is byte for byte a photo this merchant already had processed with
 * the same task type and parameters, and those results can still be had (on this computer, or on the server). The
 * one rule for the main process (which decides) and the renderer (which shows the cost), plain code only.
 */
import type { TaskType } from '@aizhao/shared';
import type { DraftFile, TaskParams } from './contract.js';

/**
 * the model a model_pose12 task made without one was made with: the server's `DEFAULT_MODEL` (@aizhao/shared, which
 * the renderer does not bundle; test/core/duplicates.test.ts checks the two agree)
 */
export const TASK_DEFAULT_MODEL = 'female';

/** The task type and parameters as one comparable key (only the parameters the type uses; another model is another run). */
export function runKey(type: TaskType | string, params: TaskParams): string {
  if (type !== 'model_pose12') return type;
  return `${type}|${params.scene ?? ''}|${params.category ?? ''}|${params.model ?? TASK_DEFAULT_MODEL}`;
}

/** The earlier run a draft file reuses with this choice, or null (it is processed and charged). */
export function reusedRun(file: Pick<DraftFile, 'previous' | 'reprocess'>, type: TaskType | string, params: TaskParams) {
  if (file.reprocess) return null;
  const key = runKey(type, params);
  return file.previous?.find((p) => p.available && runKey(p.type, p.params) === key) ?? null;
}
