/** 概览: members, new members and revenue (today / this month), today's tasks by type and status, what needs a look. */
import type { AdminDashboard, TaskType } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link, type Child } from '../dom.js';
import { CHANNEL_LABELS, TASK_TYPE_LABELS, label, percent, time, yuan } from '../format.js';
import { href, navigate } from '../router.js';
import { pageHeader, section, table } from '../ui.js';

function stat(label: string, value: Child, sub: Child = null, tone = ''): HTMLElement {
  return h(
    'div',
    { class: `stat ${tone}` },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-sub' }, sub),
  );
}

type Row = { label: string; total: number; processing: number; done: number; failed: number; isTotal?: boolean };

export async function dashboardPage(): Promise<Node> {
  const d = await api.get<AdminDashboard>('/dashboard');
  const t = d.tasksToday;
  const rows: Row[] = [
    ...(Object.keys(TASK_TYPE_LABELS) as TaskType[]).map((type) => ({
      label: TASK_TYPE_LABELS[type],
      ...(t.byType[type] ?? { total: 0, processing: 0, done: 0, failed: 0 }),
    })),
    { label: '合计', total: t.total, processing: t.processing, done: t.done, failed: t.failed, isTotal: true },
  ];
  const num = (n: number) => h('span', { class: 'num' }, String(n));
  return h(
    'div',
    { class: 'page page-dashboard' },
    ledgerAlert(d.ledgerMismatches ?? [], d.ledgerCheckedAt),
    pageHeader(
      '概览',
      h('span', { class: 'muted' }, `统计时区 ${d.timezone} · 更新于 ${time(d.generatedAt)}`),
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => navigate('/dashboard') } }, '刷新'),
    ),
    h(
      'div',
      { class: 'stats' },
      stat('当前会员', String(d.membersNow), '会员有效期内的用户'),
      stat('今日新会员', String(d.newMembersToday), `本月 ${d.newMembersMonth}`),
      stat('今日收入', yuan(d.revenueTodayFen), `已扣除退款 ${yuan(d.refundsTodayFen)}`),
      stat('本月收入', yuan(d.revenueMonthFen), `已扣除退款 ${yuan(d.refundsMonthFen)}`),
    ),
    h(
      'div',
      { class: 'stats' },
      stat('今日任务', String(t.total), `处理中 ${t.processing} · 完成 ${t.done} · 失败 ${t.failed}`),
      stat('今日失败率', percent(d.failureRateToday), '失败 ÷ 已结束', d.failureRateToday >= 0.2 ? 'stat-warn' : ''),
      stat(
        '卡住的任务',
        String(d.stuckTasks),
        link(href('/tasks', { status: 'processing' }), '处理超时仍未结束 → 查看'),
        d.stuckTasks > 0 ? 'stat-alert' : '',
      ),
      stat(
        '超时未付订单',
        String(d.stalePendingOrders),
        link(href('/orders', { status: 'pending' }), '待支付超过 10 分钟 → 查看'),
        d.stalePendingOrders > 0 ? 'stat-alert' : '',
      ),
    ),
    section(
      '本月收入（按套餐和支付方式）',
      table<NonNullable<AdminDashboard['revenueMonthBy']>[number]>(
        [
          { label: '套餐', cell: (r) => r.planName },
          { label: '支付方式', cell: (r) => label(CHANNEL_LABELS, r.channel) },
          { label: '订单数', cell: (r) => num(r.orders), class: 'num' },
          { label: '收款', cell: (r) => yuan(r.grossFen), class: 'num' },
          { label: '退款', cell: (r) => yuan(r.refundsFen), class: 'num' },
          { label: '净收入', cell: (r) => yuan(r.netFen), class: 'num' },
        ],
        d.revenueMonthBy ?? [],
        '本月还没有收入',
      ),
    ),
    section(
      '今日任务（按类型）',
      table<Row>(
        [
          { label: '类型', cell: (r) => r.label },
          { label: '总数', cell: (r) => num(r.total), class: 'num' },
          { label: '处理中', cell: (r) => num(r.processing), class: 'num' },
          { label: '已完成', cell: (r) => num(r.done), class: 'num' },
          { label: '失败', cell: (r) => num(r.failed), class: 'num' },
        ],
        rows,
        undefined,
        (r) => (r.isTotal ? 'total' : undefined),
      ),
    ),
  );
}

/** A red warning when a balance differs from its ledger (never expected: every change writes a ledger row). */
function ledgerAlert(rows: AdminDashboard['ledgerMismatches'], checkedAt: string | null): Node | null {
  if (!rows.length) return null;
  return h(
    'div',
    { class: 'alert alert-bad', attrs: { role: 'alert' } },
    h('strong', {}, `账本不一致：${rows.length} 个用户的剩余次数与次数流水合计不符`),
    checkedAt ? h('span', { class: 'alert-when' }, `（核对于 ${time(checkedAt)}）`) : null,
    h('div', {}, '每次次数变动都应写入一条流水：请逐个核对这些用户的次数流水，查明余额被谁改动（切勿直接修改数据库）。'),
    h(
      'ul',
      { class: 'alert-list' },
      ...rows.map((r) => h('li', {}, link(href(`/users/${r.userId}`), r.userId), `：剩余 ${r.balance}，流水合计 ${r.ledgerSum}`)),
    ),
  );
}
