/** How an item's stage and a task's status look: a Chinese label and a colour tone (a CSS modifier). */
import type { ItemStage } from '../../../shared/contract';
import type { TaskStatus } from '@aizhao/shared';

export type Tone = 'info' | 'working' | 'success' | 'danger' | 'neutral';

export interface StageView {
  label: string;
  tone: Tone;
}

/** A waiting item has not started: it is queued behind the upload slots (or its batch is paused), not uploading. */
const STAGES: Record<ItemStage, StageView> = {
  waiting: { label: '排队中', tone: 'neutral' },
  uploading: { label: '上传中', tone: 'info' },
  creating: { label: '提交中', tone: 'info' },
  processing: { label: '处理中', tone: 'working' },
  downloading: { label: '下载中', tone: 'info' },
  done: { label: '已完成', tone: 'success' },
  failed: { label: '失败', tone: 'danger' },
  cancelled: { label: '已取消', tone: 'info' },
};

export const stageView = (stage: ItemStage): StageView => STAGES[stage];

const STATUSES: Record<TaskStatus, StageView> = {
  processing: { label: '处理中', tone: 'working' },
  done: { label: '已完成', tone: 'success' },
  failed: { label: '失败', tone: 'danger' },
};

export const taskStatusView = (status: TaskStatus): StageView => STATUSES[status];
