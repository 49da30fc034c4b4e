/**
 * The system notification at the end of a batch, worded from what each item cost: a done item was charged; a
 * failed item was refunded (its task failed on the server), charged (its task was made but its results could not be
 * saved), or never charged (it failed before a task existed); a cancelled item was never charged.
 */
import type { QueueItem } from './queue-store.js';

type Ended = Pick<QueueItem, 'stage' | 'taskId' | 'refunded' | 'failure'>;

export interface BatchNotice {
  title: string;
  body: string;
}

/** `cost`: 次 per task of this batch's type (null: unknown, the sum is left out). Null when nothing ran (all cancelled first). */
export function batchFinishedNotice(items: readonly Ended[], cost: number | null): BatchNotice | null {
  const done = items.filter((i) => i.stage === 'done').length;
  const failed = items.filter((i) => i.stage === 'failed');
  const cancelled = items.filter((i) => i.stage === 'cancelled').length;
  if (done + failed.length === 0) return null;
  const refunded = failed.filter((i) => i.refunded).length;
  const chargedFailures = failed.filter((i) => !i.refunded && i.taskId !== null);
  const uncharged = failed.length - refunded - chargedFailures.length;
  const charged = done + chargedFailures.length;
  const spent = cost === null ? `${charged} 张已扣次数` : `共扣 ${charged * cost} 次`;
  const title = 'AI照：批次处理完成';
  if (failed.length === 0 && cancelled === 0) return { title, body: `${done} 张图片已完成，${spent}，结果已保存到本地文件夹` };
  const parts = [`${done} 张已完成`];
  if (refunded) parts.push(`${refunded} 张处理失败，次数已退回`);
  const retryableCharged = chargedFailures.filter((i) => i.failure !== 'expired').length;
  if (retryableCharged) parts.push(`${retryableCharged} 张已扣次数但结果未保存，重试不会再扣`);
  if (chargedFailures.length > retryableCharged) parts.push(`${chargedFailures.length - retryableCharged} 张已扣次数，结果已过期无法下载`);
  if (uncharged) parts.push(`${uncharged} 张未能提交（未扣次数）`);
  if (cancelled) parts.push(`${cancelled} 张已取消（未扣次数）`);
  parts.push(spent);
  const retryable = failed.length - (chargedFailures.length - retryableCharged);
  return { title, body: parts.join('，') + (retryable > 0 ? '。可在“处理进度”中重试' : '') };
}
