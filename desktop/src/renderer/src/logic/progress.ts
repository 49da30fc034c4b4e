/**
 * Progress of batches as counts the merchant can check: 成功 / 失败 / 进行中 / 排队中 (and 已取消), a bar whose
 * segments are exactly those counts (all green only when every item succeeded; never ahead of the fraction beside
 * it), and the number of items still running.
 */
import type { BatchView, ItemView } from '../../../shared/contract';

export const isFinished = (item: Pick<ItemView, 'stage'>): boolean =>
  item.stage === 'done' || item.stage === 'failed' || item.stage === 'cancelled';

/** The byte progress of an upload, 0…1. */
export const uploadFraction = (item: Pick<ItemView, 'uploadedBytes' | 'size'>): number =>
  item.size > 0 ? Math.min(1, Math.max(0, item.uploadedBytes / item.size)) : 0;

export interface BatchProgress {
  /** done + failed + cancelled */
  finished: number;
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  /** started and not finished: uploading, submitting, processing, saving */
  running: number;
  /** not started yet */
  queued: number;
  /** running + queued */
  active: number;
}

export function batchProgress(batch: Pick<BatchView, 'items'>): BatchProgress {
  const p = { finished: 0, total: batch.items.length, done: 0, failed: 0, cancelled: 0, running: 0, queued: 0, active: 0 };
  for (const i of batch.items) {
    if (i.stage === 'done') p.done++;
    else if (i.stage === 'failed') p.failed++;
    else if (i.stage === 'cancelled') p.cancelled++;
    else if (i.stage === 'waiting') p.queued++;
    else p.running++;
  }
  p.finished = p.done + p.failed + p.cancelled;
  p.active = p.running + p.queued;
  return p;
}

export type SegmentKind = 'done' | 'failed' | 'running' | 'queued' | 'cancelled';

export const SEGMENT_LABELS: Record<SegmentKind, string> = {
  done: '成功',
  failed: '失败',
  running: '进行中',
  queued: '排队中',
  cancelled: '已取消',
};

export interface Segment {
  kind: SegmentKind;
  count: number;
  /** share of the bar, 0…1 (the count over the batch's items) */
  share: number;
}

/** The bar's segments in order, without empty ones. */
export function statusSegments(p: BatchProgress): Segment[] {
  const kinds: SegmentKind[] = ['done', 'failed', 'running', 'queued', 'cancelled'];
  return kinds.map((kind) => ({ kind, count: p[kind], share: p.total > 0 ? p[kind] / p.total : 0 })).filter((s) => s.count > 0);
}

export type BatchTone = 'success' | 'warning' | 'working' | 'paused' | 'neutral';

/** What the batch as a whole is at, in words. */
export function batchStatus(batch: Pick<BatchView, 'paused' | 'cancelled'>, p: BatchProgress): { text: string; tone: BatchTone } {
  if (p.total > 0 && p.finished === p.total) {
    if (p.done === p.total) return { text: '全部成功', tone: 'success' };
    const parts = [p.failed ? `${p.failed} 张失败` : null, p.cancelled ? `${p.cancelled} 张已取消` : null].filter(Boolean);
    return { text: `已结束，${parts.join('，')}`, tone: p.failed ? 'warning' : 'neutral' };
  }
  if (batch.cancelled) return { text: '已取消，已扣次数的仍在处理', tone: 'neutral' };
  if (batch.paused) return { text: '已暂停', tone: 'paused' };
  return { text: '处理中', tone: 'working' };
}

/** Items not yet done or failed, over all batches (the 处理进度 tab's badge). */
export const activeItemCount = (batches: readonly BatchView[]): number =>
  batches.reduce((n, b) => n + b.items.filter((i) => !isFinished(i)).length, 0);

/**
 * Whether 清除已完成 has something to clear: a batch that has ended with an item other than a failure a retry can
 * still fix (those stay until retried or removed).
 */
export const hasClearable = (batches: readonly BatchView[]): boolean =>
  batches.some((b) => b.items.length > 0 && b.items.every(isFinished) && b.items.some((i) => !(i.stage === 'failed' && i.retryable)));

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
