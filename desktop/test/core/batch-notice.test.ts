/** The end-of-batch notification says what each photo cost: charged, refunded, never charged. */
import { describe, expect, it } from 'vitest';
import { batchFinishedNotice } from '../../src/core/batch-notice.js';
import type { QueueItem } from '../../src/core/queue-store.js';

type Ended = Pick<QueueItem, 'stage' | 'taskId' | 'refunded' | 'failure'>;
const done: Ended = { stage: 'done', taskId: 't', refunded: false, failure: null };
const refunded: Ended = { stage: 'failed', taskId: 't', refunded: true, failure: 'task' };
const notSaved: Ended = { stage: 'failed', taskId: 't', refunded: false, failure: 'download' };
const expired: Ended = { stage: 'failed', taskId: 't', refunded: false, failure: 'expired' };
const notSent: Ended = { stage: 'failed', taskId: null, refunded: false, failure: 'upload' };
const cancelled: Ended = { stage: 'cancelled', taskId: null, refunded: false, failure: null };

describe('batchFinishedNotice', () => {
  it('adds up the 次 of what was charged, at the type’s cost per task', () => {
    expect(batchFinishedNotice([done, done, done], 3)).toEqual({
      title: 'AI照：批次处理完成',
      body: '3 张图片已完成，共扣 9 次，结果已保存到本地文件夹',
    });
    expect(batchFinishedNotice([done, done], null)!.body).toBe('2 张图片已完成，2 张已扣次数，结果已保存到本地文件夹');
  });

  it('tells refunded, charged-but-not-saved, expired, never-sent and cancelled photos apart', () => {
    expect(batchFinishedNotice([done, refunded, notSaved, expired, notSent, cancelled], 1)!.body).toBe(
      '1 张已完成，1 张处理失败，次数已退回，1 张已扣次数但结果未保存，重试不会再扣，1 张已扣次数，结果已过期无法下载，' +
        '1 张未能提交（未扣次数），1 张已取消（未扣次数），共扣 3 次。可在“处理进度”中重试',
    );
  });

  it('offers no retry when nothing can be retried, and says nothing when nothing ran', () => {
    expect(batchFinishedNotice([done, expired], 1)!.body).toBe('1 张已完成，1 张已扣次数，结果已过期无法下载，共扣 2 次');
    expect(batchFinishedNotice([cancelled, cancelled], 1)).toBeNull();
  });
});
