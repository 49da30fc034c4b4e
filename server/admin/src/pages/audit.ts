/** 操作日志: who did what to which user, order or task, why and when; newest first, paged on the server. */
import type { AdminAuditEntry } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { AUDIT_ACTION_LABELS, label, time } from '../format.js';
import { mono, pageHeader, pagedTable, section, type PageOf } from '../ui.js';

const TARGET_LABELS: Record<string, string> = { user: '用户', order: '订单', task: '任务', admin: '管理员' };
const TARGET_ROUTES: Record<string, string> = { user: '/users/', order: '/orders/', task: '/tasks/' };

function target(a: AdminAuditEntry): Node | string {
  if (!a.target) return '—';
  const text = [label(TARGET_LABELS, a.target.type), ' ', mono(a.target.id)];
  const route = TARGET_ROUTES[a.target.type];
  return route ? link(`${route}${encodeURIComponent(a.target.id)}`, ...text) : h('span', null, ...text);
}

/** details as compact `key: value` text (never HTML) */
function details(a: AdminAuditEntry): string {
  if (!a.details || typeof a.details !== 'object') return '—';
  const parts = Object.entries(a.details as Record<string, unknown>).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  return parts.length ? parts.join(' · ') : '—';
}

export function auditPage(): Node {
  const list = pagedTable<AdminAuditEntry>(
    [
      { label: '时间', cell: (a) => time(a.at) },
      { label: '管理员', cell: (a) => a.admin },
      { label: '操作', cell: (a) => label(AUDIT_ACTION_LABELS, a.action) },
      { label: '对象', cell: target },
      { label: '原因', cell: (a) => a.reason ?? '—', class: 'wrap' },
      { label: '详情', cell: details, class: 'wrap details' },
    ],
    (cursor) => api.get<PageOf<AdminAuditEntry>>('/audit-log', { cursor, limit: 50 }),
    '还没有操作记录',
  );
  return h('div', { class: 'page' }, pageHeader('操作日志'), section('所有管理员操作（最新在前）', list));
}
