import { describe, expect, it } from 'vitest';
import type { ItemStage } from '../../../shared/contract';
import { stageView, taskStatusView } from './stages';

describe('stageView', () => {
  it('groups the steps before the server has the task as 上传中', () => {
    for (const stage of ['waiting', 'uploading', 'creating'] as ItemStage[])
      expect(stageView(stage)).toEqual({ label: '上传中', tone: 'info' });
  });

  it('labels the later stages with their own colour', () => {
    expect(stageView('processing')).toEqual({ label: '处理中', tone: 'working' });
    expect(stageView('downloading')).toEqual({ label: '下载中', tone: 'info' });
    expect(stageView('done')).toEqual({ label: '已完成', tone: 'success' });
    expect(stageView('failed')).toEqual({ label: '失败', tone: 'danger' });
  });
});

describe('taskStatusView', () => {
  it('labels server task statuses', () => {
    expect(taskStatusView('processing').label).toBe('处理中');
    expect(taskStatusView('done')).toEqual({ label: '已完成', tone: 'success' });
    expect(taskStatusView('failed')).toEqual({ label: '失败', tone: 'danger' });
  });
});
