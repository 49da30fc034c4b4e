/** Progress of batches: counts, a percent that moves during uploads, and the number of items still running. */
import type { BatchView, ItemStage, ItemView } from '../../../shared/contract';

/** The share of an item's work each stage stands for once reached (uploading grows with the bytes sent). */
const UPLOAD_SHARE = 0.3;
const STAGE_SHARE: Record<Exclude<ItemStage, 'uploading'>, number> = {
  waiting: 0,
  creating: UPLOAD_SHARE,
  processing: 0.4,
  downloading: 0.85,
  done: 1,
  failed: 1,
  cancelled: 1,
};

export const isFinished = (item: Pick<ItemView, 'stage'>): boolean =>
  item.stage === 'done' || item.stage === 'failed' || item.stage === 'cancelled';

/** How far one item is, 0…1. */
export function itemFraction(item: Pick<ItemView, 'stage' | 'uploadedBytes' | 'size'>): number {
  if (item.stage !== 'uploading') return STAGE_SHARE[item.stage];
  const sent = item.size > 0 ? Math.min(1, Math.max(0, item.uploadedBytes / item.size)) : 0;
  return UPLOAD_SHARE * sent;
}

/** The byte progress of an upload, 0…1. */
export const uploadFraction = (item: Pick<ItemView, 'uploadedBytes' | 'size'>): number =>
  item.size > 0 ? Math.min(1, Math.max(0, item.uploadedBytes / item.size)) : 0;

export interface BatchProgress {
  finished: number;
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  active: number;
  /** 0…100, whole numbers; 100 only when every item is finished */
  percent: number;
}

export function batchProgress(batch: Pick<BatchView, 'items'>): BatchProgress {
  const total = batch.items.length;
  const done = batch.items.filter((i) => i.stage === 'done').length;
  const failed = batch.items.filter((i) => i.stage === 'failed').length;
  const cancelled = batch.items.filter((i) => i.stage === 'cancelled').length;
  const finished = done + failed + cancelled;
  const sum = batch.items.reduce((acc, i) => acc + itemFraction(i), 0);
  const raw = total === 0 ? 100 : (sum / total) * 100;
  const percent = finished === total ? 100 : Math.min(99, Math.floor(raw));
  return { finished, total, done, failed, cancelled, active: total - finished, percent };
}

/** Items not yet done or failed, over all batches (the 处理进度 tab's badge). */
export const activeItemCount = (batches: readonly BatchView[]): number =>
  batches.reduce((n, b) => n + b.items.filter((i) => !isFinished(i)).length, 0);

export const hasFinishedBatch = (batches: readonly BatchView[]): boolean =>
  batches.some((b) => b.items.length > 0 && b.items.every(isFinished));

export const newestFirst = (batches: readonly BatchView[]): BatchView[] =>
  [...batches].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));

/**
 * What a failed item cost, in words: refunded by the server; charged for a task whose results could not be fetched
 * (a retry only downloads again); or never charged (it failed before a task existed).
 */
export function chargeNote(item: Pick<ItemView, 'refunded' | 'taskId' | 'retryable' | 'reused'>): { text: string; refunded: boolean } {
  if (item.reused) return { text: '未扣次数（使用上次的结果）', refunded: false };
  if (item.refunded) return { text: '次数已退回', refunded: true };
  if (item.taskId) return { text: item.retryable ? '已扣次数，重试不会再扣' : '已扣次数', refunded: false };
  return { text: '未扣次数', refunded: false };
}

/**
 * A failed item's reason as shown next to its charge note: the server's reasons say 次数已返还 themselves, which the
 * note already says, so that clause is left out when the note shows the refund.
 */
export function failureText(item: Pick<ItemView, 'errorReason' | 'refunded'>): string {
  const reason = item.errorReason ?? '处理失败';
  if (!item.refunded) return reason;
  return reason.replace(/[，,]\s*次数已返还|次数已返还[，,]\s*/g, '') || reason;
}
