import { describe, expect, it } from 'vitest';
import { batch, item } from '../../../../test/support/app-state-fixtures';
import {
  activeItemCount,
  batchProgress,
  batchStatus,
  chargeNote,
  failureText,
  hasClearable,
  newestFirst,
  statusSegments,
  uploadFraction,
} from './progress';

describe('uploadFraction', () => {
  it('copes with an empty file and byte counts beyond the size', () => {
    expect(uploadFraction({ uploadedBytes: 10, size: 0 })).toBe(0);
    expect(uploadFraction({ uploadedBytes: 500, size: 1000 })).toBe(0.5);
    expect(uploadFraction({ uploadedBytes: 1500, size: 1000 })).toBe(1);
  });
});

describe('batchProgress and the status bar', () => {
  const four = batch({
    id: 'b1',
    items: [
      item({ id: '1', name: 'a.jpg', stage: 'done' }),
      item({ id: '2', name: 'b.jpg', stage: 'failed' }),
      item({ id: '3', name: 'c.jpg', stage: 'uploading', size: 1000, uploadedBytes: 500 }),
      item({ id: '4', name: 'd.jpg', stage: 'waiting' }),
    ],
  });

  it('counts 成功, 失败, 进行中 and 排队中 apart', () => {
    expect(batchProgress(four)).toEqual({ finished: 2, total: 4, done: 1, failed: 1, cancelled: 0, running: 1, queued: 1, active: 2 });
  });

  it('draws exactly those counts: each segment is its count over the batch, none for an empty count', () => {
    expect(statusSegments(batchProgress(four))).toEqual([
      { kind: 'done', count: 1, share: 0.25 },
      { kind: 'failed', count: 1, share: 0.25 },
      { kind: 'running', count: 1, share: 0.25 },
      { kind: 'queued', count: 1, share: 0.25 },
    ]);
  });

  it('is all green only when every item succeeded: an ended batch with a failure is not', () => {
    const allDone = batch({
      id: 'b',
      items: [item({ id: '1', name: 'a.jpg', stage: 'done' }), item({ id: '2', name: 'b.jpg', stage: 'done' })],
    });
    expect(statusSegments(batchProgress(allDone))).toEqual([{ kind: 'done', count: 2, share: 1 }]);
    expect(batchStatus(allDone, batchProgress(allDone))).toEqual({ text: '全部成功', tone: 'success' });
    const ended = batch({
      id: 'b',
      items: [item({ id: '1', name: 'a.jpg', stage: 'done' }), item({ id: '2', name: 'b.jpg', stage: 'failed' })],
    });
    expect(statusSegments(batchProgress(ended)).map((s) => s.kind)).toEqual(['done', 'failed']);
    expect(batchStatus(ended, batchProgress(ended))).toEqual({ text: '已结束，1 张失败', tone: 'warning' });
  });

  it('a paused batch with nothing finished shows no progress on the bar (not ahead of its 0/3)', () => {
    const paused = batch({
      id: 'b',
      paused: true,
      items: [
        item({ id: '1', name: 'a.jpg', stage: 'processing', taskId: 't1' }),
        item({ id: '2', name: 'b.jpg', stage: 'creating', uploadedBytes: 2_400_000 }),
        item({ id: '3', name: 'c.jpg', stage: 'waiting' }),
      ],
    });
    const p = batchProgress(paused);
    expect(p.finished).toBe(0);
    const finishedShare = statusSegments(p)
      .filter((s) => s.kind === 'done' || s.kind === 'failed' || s.kind === 'cancelled')
      .reduce((n, s) => n + s.share, 0);
    expect(finishedShare).toBe(p.finished / p.total);
    expect(batchStatus(paused, p).text).toBe('已暂停');
  });
});

describe('batch lists', () => {
  const running = batch({
    id: 'old',
    createdAt: '2026-03-08T08:00:00Z',
    items: [item({ id: '1', name: 'a.jpg', stage: 'processing' }), item({ id: '2', name: 'b.jpg', stage: 'done' })],
  });
  const finished = batch({ id: 'new', createdAt: '2026-03-08T09:00:00Z', items: [item({ id: '3', name: 'c.jpg', stage: 'failed' })] });

  it('counts active items over all batches', () => {
    expect(activeItemCount([running, finished])).toBe(1);
    expect(activeItemCount([])).toBe(0);
  });

  it('has something to clear only for an ended batch with more than failures a retry can fix', () => {
    expect(hasClearable([running])).toBe(false);
    expect(hasClearable([running, finished])).toBe(false); // its one item is a retryable failure: it stays
    const ended = batch({
      id: 'e',
      items: [item({ id: '5', name: 'e.jpg', stage: 'done' }), item({ id: '6', name: 'f.jpg', stage: 'failed' })],
    });
    expect(hasClearable([ended])).toBe(true);
    const expired = batch({ id: 'x', items: [item({ id: '7', name: 'g.jpg', stage: 'failed', retryable: false })] });
    expect(hasClearable([expired])).toBe(true);
  });

  it('sorts newest first without changing the input', () => {
    const input = [running, finished];
    expect(newestFirst(input).map((b) => b.id)).toEqual(['new', 'old']);
    expect(input.map((b) => b.id)).toEqual(['old', 'new']);
  });
});

describe('chargeNote', () => {
  it('says whether a failed item cost anything, and whether a retry will', () => {
    expect(chargeNote({ refunded: true, taskId: 't1', retryable: true })).toEqual({ text: '次数已退回', refunded: true });
    // the task was done and charged; only fetching the results failed
    expect(chargeNote({ refunded: false, taskId: 't1', retryable: true })).toEqual({ text: '已扣次数，重试不会再扣', refunded: false });
    // the server no longer keeps the results
    expect(chargeNote({ refunded: false, taskId: 't1', retryable: false })).toEqual({ text: '已扣次数', refunded: false });
    expect(chargeNote({ refunded: false, taskId: null, retryable: true })).toEqual({ text: '未扣次数', refunded: false });
    // an exact duplicate reusing an earlier task's results: that task was paid for before, not by this item
    expect(chargeNote({ refunded: false, taskId: 't1', retryable: true, reused: true })).toEqual({
      text: '未扣次数（使用上次的结果）',
      refunded: false,
    });
  });
});

describe('failureText', () => {
  it('leaves out 次数已返还 where the charge note says it already', () => {
    const reason = 'AI模特生成失败，次数已返还，请换一张图片或稍后重试';
    expect(failureText({ errorReason: reason, refunded: true })).toBe('AI模特生成失败，请换一张图片或稍后重试');
    expect(failureText({ errorReason: 'AI模特生成超时，次数已返还', refunded: true })).toBe('AI模特生成超时');
    expect(failureText({ errorReason: reason, refunded: false })).toBe(reason);
    expect(failureText({ errorReason: '没有识别到衣服', refunded: true })).toBe('没有识别到衣服');
    expect(failureText({ errorReason: null, refunded: false })).toBe('处理失败');
  });
});
