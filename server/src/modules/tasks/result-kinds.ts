/**
 * What each stored result of a task is. The kind follows from the task type and the key, so tasks stored before
 * kinds existed (basic_clean with one result.jpg) answer the right kind without a migration:
 * basic_clean `…/result.jpg` → `white`, `…/cutout.png` → `cutout`; every model_pose12 result → `pose`.
 */
import type { ResultKind, TaskType } from '@aizhao/shared';

export const WHITE_RESULT_FILE = 'result.jpg';
export const CUTOUT_RESULT_FILE = 'cutout.png';

export function resultKindOf(type: TaskType, key: string): ResultKind {
  if (type === 'model_pose12') return 'pose';
  return key.endsWith(`/${CUTOUT_RESULT_FILE}`) ? 'cutout' : 'white';
}
