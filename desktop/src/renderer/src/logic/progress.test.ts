import { describe, expect, it } from 'vitest';
import { batch, item } from '../../../../test/support/app-state-fixtures';
import {
  activeItemCount,
  batchProgress,
  chargeNote,
  failureText,
  hasFinishedBatch,
  itemFraction,
  newestFirst,
  uploadFraction,
} from './progress';

describe('itemFraction', () => {
  it('grows with the bytes uploaded, then by stage', () => {
    const size = 1000;
    const at = (stage: Parameters<typeof item>[0]['stage'], uploadedBytes = 0) => itemFraction({ stage: stage!, uploadedBytes, size });
    expect(at('waiting')).toBe(0);
    expect(at('uploading', 0)).toBe(0);
    expect(at('uploading', 500)).toBeCloseTo(0.15);
    expect(at('uploading', 1000)).toBeCloseTo(at('creating'));
    expect(at('processing')).toBeGreaterThan(at('creating'));
    expect(at('downloading')).toBeGreaterThan(at('processing'));
    expect(at('done')).toBe(1);
    expect(at('failed')).toBe(1);
  });

  it('copes with an empty file and byte counts beyond the size', () => {
    expect(itemFraction({ stage: 'uploading', uploadedBytes: 10, size: 0 })).toBe(0);
    expect(uploadFraction({ uploadedBytes: 1500, size: 1000 })).toBe(1);
  });
});

describe('batchProgress', () => {
  it('counts done, failed and active items and a percent that includes partial uploads', () => {
    const b = batch({
      id: 'b1',
      items: [
        item({ id: '1', name: 'a.jpg', stage: 'done' }),
        item({ id: '2', name: 'b.jpg', stage: 'failed' }),
        item({ id: '3', name: 'c.jpg', stage: 'uploading', size: 1000, uploadedBytes: 500 }),
        item({ id: '4', name: 'd.jpg', stage: 'waiting' }),
      ],
    });
    const p = batchProgress(b);
    expect(p).toMatchObject({ finished: 2, total: 4, done: 1, failed: 1, active: 2 });
    // (1 + 1 + 0.15 + 0) / 4 = 53.75%
    expect(p.percent).toBe(53);
  });

  it('moves while an upload progresses', () => {
    const at = (uploadedBytes: number) =>
      batchProgress(batch({ id: 'b', items: [item({ id: '1', name: 'a.jpg', stage: 'uploading', size: 1000, uploadedBytes })] })).percent;
    expect(at(100)).toBeLessThan(at(900));
  });

  it('reaches 100 only when every item is finished', () => {
    const almost = batch({
      id: 'b',
      items: [
        item({ id: '1', name: 'a.jpg', stage: 'done' }),
        ...Array.from({ length: 199 }, (_, i) => item({ id: `x${i}`, name: 'x.jpg', stage: 'done' })),
        item({ id: '2', name: 'b.jpg', stage: 'downloading' }),
      ],
    });
    expect(batchProgress(almost).percent).toBe(99);
    expect(batchProgress(batch({ id: 'b', items: [item({ id: '1', name: 'a.jpg', stage: 'failed' })] })).percent).toBe(100);
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

  it('knows when some batch is entirely finished', () => {
    expect(hasFinishedBatch([running])).toBe(false);
    expect(hasFinishedBatch([running, finished])).toBe(true);
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
