import { describe, expect, it } from 'vitest';
import { stageView, taskStatusView } from './stages';

describe('stageView', () => {
  it('says 排队中 for an item that has not started, 上传中 only while it uploads', () => {
    expect(stageView('waiting')).toEqual({ label: '排队中', tone: 'neutral' });
    expect(stageView('uploading')).toEqual({ label: '上传中', tone: 'info' });
    expect(stageView('creating')).toEqual({ label: '提交中', tone: 'info' });
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
