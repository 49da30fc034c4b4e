/** 订单: filter by status and creation date (business days, Beijing time); newest first, paged on the server. */
import type { AdminOrder, OrderStatus } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { CHANNEL_LABELS, ORDER_STATUS_LABELS, badge, duration, label, orderBadge, time, yuan } from '../format.js';
import { navigate, type Route } from '../router.js';
import { control, filterBar, mono, pageHeader, pagedTable, section, selectInput, textInput, type PageOf } from '../ui.js';

/** a pending order older than this needs a look (the dashboard counts the same) */
export const STALE_PENDING_MS = 10 * 60_000;

export function orderStatusCell(o: AdminOrder): Node {
  const age = Date.now() - Date.parse(o.createdAt);
  if (o.status === 'pending' && age > STALE_PENDING_MS)
    return h('span', { class: 'cell-stack' }, orderBadge(o.status), badge('bad', `已等待 ${duration(age)}`));
  if (o.refundedFen > 0)
    return h('span', { class: 'cell-stack' }, orderBadge(o.status), h('span', { class: 'muted' }, `已退 ${yuan(o.refundedFen)}`));
  return orderBadge(o.status);
}

export function ordersPage(route: Route): Node {
  const q = (k: string) => route.query.get(k) ?? '';
  const filters = { status: q('status'), channel: q('channel'), from: q('from'), to: q('to') };
  const bar = filterBar(
    [
      control('状态', selectInput('status', Object.entries(ORDER_STATUS_LABELS) as [OrderStatus, string][], filters.status)),
      control('支付方式', selectInput('channel', Object.entries(CHANNEL_LABELS), filters.channel)),
      control('创建日期从', textInput('from', filters.from, { type: 'date' })),
      control('到', textInput('to', filters.to, { type: 'date' })),
    ],
    (v) => navigate('/orders', v),
    () => navigate('/orders'),
  );
  const list = pagedTable<AdminOrder>(
    [
      { label: '订单号', cell: (o) => link(`/orders/${encodeURIComponent(o.id)}`, mono(o.id)) },
      { label: '用户', cell: (o) => link(`/users/${encodeURIComponent(o.userId)}`, o.userPhone ?? o.userId) },
      { label: '金额', cell: (o) => yuan(o.amountFen), class: 'num' },
      { label: '支付方式', cell: (o) => label(CHANNEL_LABELS, o.channel) },
      { label: '套餐', cell: (o) => (o.planId ? mono(o.planId) : '—') },
      { label: '状态', cell: orderStatusCell },
      { label: '创建时间', cell: (o) => time(o.createdAt) },
      { label: '支付时间', cell: (o) => time(o.paidAt) },
      { label: '', cell: (o) => link(`/orders/${encodeURIComponent(o.id)}`, '详情'), class: 'actions' },
    ],
    (cursor) => api.get<PageOf<AdminOrder>>('/orders', { ...filters, cursor, limit: 20 }),
    '没有符合条件的订单',
  );
  return h('div', { class: 'page' }, pageHeader('订单'), bar, section('订单列表（最新在前）', list));
}
