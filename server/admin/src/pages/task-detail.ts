/**
 * One task: input preview and results (signed URLs), vendor task id, error reason and timeline; fail and refund a
 * stuck task with a reason.
 */
import type { AdminTaskDetail } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import {
  CATEGORY_LABELS,
  MODEL_LABELS,
  RESULT_KIND_LABELS,
  SCENE_LABELS,
  STAGE_LABELS,
  TASK_TYPE_LABELS,
  TIMELINE_LABELS,
  label,
  time,
} from '../format.js';
import { navigate, type Route } from '../router.js';
import { confirmDialog, empty, fields, mono, pageHeader, section, toast } from '../ui.js';
import { taskStatusCell } from './tasks.js';

/** A thumbnail that opens the full image in a new tab (the signed URL is only ever an attribute value). */
const thumb = (url: string, caption: string): HTMLElement =>
  h(
    'figure',
    { class: 'thumb' },
    h(
      'a',
      { attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' } },
      h('img', { attrs: { src: url, alt: caption, loading: 'lazy', referrerpolicy: 'no-referrer' } }),
    ),
    h('figcaption', null, caption),
  );

function failAndRefund(t: AdminTaskDetail): void {
  void confirmDialog({
    title: '标记失败并返还次数',
    message: `任务 ${t.id} 将被标记为失败，并向用户 ${t.userPhone ?? t.userId} 返还 ${t.cost} 次（只会返还一次）。原因会显示给用户，并记入操作日志。`,
    confirmText: '确认失败并返还',
    reasonRequired: true,
    reasonPlaceholder: '例如：生成超时，已为您返还次数，请重新提交（必填）',
    danger: true,
    onConfirm: async (reason) => {
      await api.post(`/tasks/${encodeURIComponent(t.id)}/fail-and-refund`, { reason });
      toast(`任务已标记失败，已返还 ${t.cost} 次`);
      navigate(`/tasks/${encodeURIComponent(t.id)}`);
    },
  });
}

export async function taskDetailPage(route: Route): Promise<Node> {
  const id = route.params.id ?? '';
  const { task: t } = await api.get<{ task: AdminTaskDetail }>(`/tasks/${encodeURIComponent(id)}`);
  const params = [
    t.params.scene ? label(SCENE_LABELS, t.params.scene) : null,
    t.params.category ? label(CATEGORY_LABELS, t.params.category) : null,
    t.params.model ? label(MODEL_LABELS, t.params.model) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'div',
    { class: 'page' },
    pageHeader(
      '任务详情',
      t.status === 'processing'
        ? h(
            'button',
            { class: 'btn btn-danger', attrs: { type: 'button', 'data-action': 'fail-and-refund' }, on: { click: () => failAndRefund(t) } },
            '标记失败并返还次数',
          )
        : h('span', { class: 'muted' }, '任务已结束，无需操作'),
    ),
    section(
      '任务信息',
      fields([
        ['任务 ID', mono(t.id)],
        ['状态', taskStatusCell(t)],
        ['类型', TASK_TYPE_LABELS[t.type]],
        ['参数', params || '—'],
        ['用户', link(`/users/${encodeURIComponent(t.userId)}`, t.userPhone ?? t.userId)],
        ['消耗次数', String(t.cost)],
        ['内部阶段', label(STAGE_LABELS, t.stage)],
        ['厂商任务 ID', t.vendorTaskId ? mono(t.vendorTaskId) : '—'],
        ['创建时间', time(t.createdAt)],
        ['提交时间', time(t.submittedAt)],
        ['结束时间', time(t.finishedAt)],
        ['失败原因', t.errorReason ? h('span', { class: 'error-text' }, t.errorReason) : '—'],
      ]),
    ),
    h(
      'div',
      { class: 'two-col' },
      section(
        '输入图片',
        t.inputUrl ? h('div', { class: 'thumbs' }, thumb(t.inputUrl, t.inputKey.split('/').pop() ?? '输入')) : empty('已过保留期，原图已从存储删除'),
      ),
      section(
        '时间线',
        h(
          'ol',
          { class: 'timeline' },
          t.timeline.map((e) =>
            h(
              'li',
              null,
              h('span', { class: 'tl-time' }, time(e.at)),
              h('span', { class: 'tl-event' }, label(TIMELINE_LABELS, e.event)),
              e.detail ? h('span', { class: 'tl-detail' }, e.detail) : null,
            ),
          ),
        ),
      ),
    ),
    section(
      `结果（${t.results.length} 张）`,
      t.results.length
        ? h(
            'div',
            { class: 'thumbs' },
            t.results.map((r, i) => thumb(r.url, `${label(RESULT_KIND_LABELS, r.kind)} · ${r.key.split('/').pop() ?? `结果 ${i + 1}`}`)),
          )
        : empty(
            t.resultsPurgedAt
              ? '已过保留期，结果已从存储删除'
              : t.status === 'failed'
                ? '任务失败，没有结果'
                : t.status === 'processing'
                  ? '任务尚未完成'
                  : '没有结果',
          ),
    ),
  );
}
