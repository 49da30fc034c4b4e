/** 任务: filter by status, type, user and creation date; newest first, paged on the server. */
import type { AdminTask, TaskStatus, TaskType } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { STAGE_LABELS, TASK_STATUS_LABELS, TASK_TYPE_LABELS, duration, label, taskBadge, time } from '../format.js';
import { navigate, type Route } from '../router.js';
import { control, filterBar, mono, pageHeader, pagedTable, section, selectInput, textInput, type PageOf } from '../ui.js';

/** the status badge; for a processing task also its stage and how long it has been running */
export function taskStatusCell(t: AdminTask): Node {
  if (t.status !== 'processing') return taskBadge(t.status);
  return h(
    'span',
    { class: 'cell-stack' },
    taskBadge(t.status),
    h('span', { class: 'sub' }, `${label(STAGE_LABELS, t.stage)} · 已 ${duration(Date.now() - Date.parse(t.createdAt))}`),
  );
}

export function tasksPage(route: Route): Node {
  const q = (k: string) => route.query.get(k) ?? '';
  const filters = { status: q('status'), type: q('type'), userId: q('userId'), from: q('from'), to: q('to') };
  const bar = filterBar(
    [
      control('状态', selectInput('status', Object.entries(TASK_STATUS_LABELS) as [TaskStatus, string][], filters.status)),
      control('类型', selectInput('type', Object.entries(TASK_TYPE_LABELS) as [TaskType, string][], filters.type)),
      control(
        '用户 ID',
        textInput('userId', filters.userId, { maxlength: 32, placeholder: '从用户详情页进入可自动填写', autocomplete: 'off' }),
      ),
      control('创建日期从', textInput('from', filters.from, { type: 'date' })),
      control('到', textInput('to', filters.to, { type: 'date' })),
    ],
    (v) => navigate('/tasks', v),
    () => navigate('/tasks'),
  );
  const list = pagedTable<AdminTask>(
    [
      { label: '任务', cell: (t) => link(`/tasks/${encodeURIComponent(t.id)}`, mono(t.id)) },
      { label: '类型', cell: (t) => TASK_TYPE_LABELS[t.type] },
      { label: '状态', cell: taskStatusCell },
      { label: '用户', cell: (t) => link(`/users/${encodeURIComponent(t.userId)}`, t.userPhone ?? t.userId) },
      { label: '创建时间', cell: (t) => time(t.createdAt) },
      { label: '失败原因', cell: (t) => t.errorReason ?? '—', class: 'wrap' },
      { label: '', cell: (t) => link(`/tasks/${encodeURIComponent(t.id)}`, '详情'), class: 'actions' },
    ],
    (cursor) => api.get<PageOf<AdminTask>>('/tasks', { ...filters, cursor, limit: 20 }),
    '没有符合条件的任务',
  );
  return h('div', { class: 'page' }, pageHeader('任务'), bar, section('任务列表（最新在前）', list));
}
