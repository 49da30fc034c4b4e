/** How an item's stage and a task's status look: a Chinese label and a colour tone (a CSS modifier). */
import type { ItemStage } from '../../../shared/contract';
import type { TaskStatus } from '@aizhao/shared';

export type Tone = 'info' | 'working' | 'success' | 'danger';

export interface StageView {
  label: string;
  tone: Tone;
}

const UPLOADING: StageView = { label: '上传中', tone: 'info' };

const STAGES: Record<ItemStage, StageView> = {
  waiting: UPLOADING,
  uploading: UPLOADING,
  creating: UPLOADING,
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
