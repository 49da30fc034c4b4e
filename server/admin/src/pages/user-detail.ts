/** One user: membership, quota and expiry; the quota ledger, orders and tasks; adjusting the quota with a reason. */
import type { AdminLedgerEntry, AdminOrder, AdminTask, AdminUser } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link, replaceChildren } from '../dom.js';
import { LEDGER_ACTION_LABELS, TASK_TYPE_LABELS, memberBadge, orderBadge, signed, taskBadge, time, yuan } from '../format.js';
import { href, navigate, type Route } from '../router.js';
import { confirmDialog, fields, mono, pageHeader, section, table, toast } from '../ui.js';

interface UserDetail {
  user: AdminUser;
  orders: AdminOrder[];
  tasks: AdminTask[];
  ledger: AdminLedgerEntry[];
}

const MAX_DELTA = 100_000;

function adjustQuota(user: AdminUser): void {
  const up = h('input', { attrs: { type: 'radio', name: 'direction', value: 'up', checked: true } });
  const down = h('input', { attrs: { type: 'radio', name: 'direction', value: 'down' } });
  const amount = h('input', {
    class: 'input',
    attrs: { name: 'amount', type: 'number', min: 1, max: MAX_DELTA, step: 1, inputmode: 'numeric', required: true },
  });
  const preview = h('div', { class: 'preview' });
  const delta = (): number | null => {
    const n = Number(amount.value);
    if (!amount.value || !Number.isInteger(n) || n < 1 || n > MAX_DELTA) return null;
    return down.checked ? -n : n;
  };
  const refresh = (): void => {
    const d = delta();
    replaceChildren(
      preview,
      d === null ? `当前剩余 ${user.quotaRemaining} 次` : `当前剩余 ${user.quotaRemaining} 次 → 调整后 ${user.quotaRemaining + d} 次`,
    );
  };
  for (const el of [up, down, amount]) el.addEventListener('input', refresh);
  refresh();
  void confirmDialog({
    title: '调整剩余次数',
    message: `用户 ${user.phone}。调整会写入次数流水和操作日志。`,
    confirmText: '确认调整',
    reasonRequired: true,
    reasonPlaceholder: '例如：任务异常补偿、误购退款扣回（必填，将记入流水和操作日志）',
    fields: h(
      'div',
      { class: 'dialog-fields' },
      h(
        'div',
        { class: 'form-row' },
        h('span', null, '方向'),
        h('div', { class: 'radios' }, h('label', null, up, ' 增加'), h('label', null, down, ' 减少')),
      ),
      h('label', { class: 'form-row' }, h('span', null, '次数'), amount),
      preview,
    ),
    validate: () => {
      const d = delta();
      if (d === null) return `请输入 1 到 ${MAX_DELTA} 之间的整数`;
      if (user.quotaRemaining + d < 0) return `减少后余额不能小于 0（当前 ${user.quotaRemaining} 次）`;
      return null;
    },
    onConfirm: async (reason) => {
      const r = await api.post<{ quotaRemaining: number }>(`/users/${encodeURIComponent(user.id)}/quota-adjustments`, {
        delta: delta(),
        reason,
      });
      toast(`已调整，当前剩余 ${r.quotaRemaining} 次`);
      navigate(`/users/${encodeURIComponent(user.id)}`);
    },
  });
}

const ledgerLink = (e: AdminLedgerEntry) =>
  e.taskId
    ? link(`/tasks/${encodeURIComponent(e.taskId)}`, '任务 ', mono(e.taskId))
    : e.orderId
      ? link(`/orders/${encodeURIComponent(e.orderId)}`, '订单 ', mono(e.orderId))
      : '—';

export async function userDetailPage(route: Route): Promise<Node> {
  const id = route.params.id ?? '';
  const d = await api.get<UserDetail>(`/users/${encodeURIComponent(id)}`);
  const u = d.user;
  return h(
    'div',
    { class: 'page' },
    pageHeader(
      `用户 ${u.phone}`,
      h(
        'button',
        { class: 'btn btn-primary', attrs: { type: 'button', 'data-action': 'adjust-quota' }, on: { click: () => adjustQuota(u) } },
        '调整次数',
      ),
    ),
    h(
      'div',
      { class: 'summary' },
      h(
        'div',
        { class: 'big-number' },
        h('div', { class: 'stat-label' }, '剩余次数'),
        h('div', { class: 'stat-value', attrs: { 'data-field': 'quota' } }, String(u.quotaRemaining)),
      ),
      fields([
        ['会员状态', memberBadge(u.isMember, u.quotaExpireAt)],
        ['会员到期', time(u.quotaExpireAt)],
        ['手机号', u.phone],
        ['注册时间', time(u.createdAt)],
        ['用户 ID', mono(u.id)],
      ]),
    ),
    section(
      '次数流水（最新在前）',
      table<AdminLedgerEntry>(
        [
          { label: '时间', cell: (e) => time(e.createdAt) },
          { label: '类型', cell: (e) => LEDGER_ACTION_LABELS[e.action] },
          { label: '变动', cell: (e) => signed(e.amount), class: 'num' },
          { label: '余额', cell: (e) => String(e.balanceAfter), class: 'num' },
          { label: '关联', cell: ledgerLink },
          { label: '原因', cell: (e) => e.reason ?? '—', class: 'wrap' },
        ],
        d.ledger,
        '还没有次数变动',
      ),
    ),
    section(
      '订单（最近 50 笔）',
      table<AdminOrder>(
        [
          { label: '订单号', cell: (o) => link(`/orders/${encodeURIComponent(o.id)}`, mono(o.id)) },
          { label: '金额', cell: (o) => yuan(o.amountFen), class: 'num' },
          { label: '状态', cell: (o) => orderBadge(o.status) },
          { label: '微信支付交易号', cell: (o) => (o.transactionId ? mono(o.transactionId) : '—') },
          { label: '创建时间', cell: (o) => time(o.createdAt) },
          { label: '支付时间', cell: (o) => time(o.paidAt) },
        ],
        d.orders,
        '还没有订单',
      ),
    ),
    section(
      '任务（最近 50 个）',
      table<AdminTask>(
        [
          { label: '任务', cell: (t) => link(`/tasks/${encodeURIComponent(t.id)}`, mono(t.id)) },
          { label: '类型', cell: (t) => TASK_TYPE_LABELS[t.type] },
          { label: '状态', cell: (t) => taskBadge(t.status) },
          { label: '创建时间', cell: (t) => time(t.createdAt) },
          { label: '失败原因', cell: (t) => t.errorReason ?? '—', class: 'wrap' },
        ],
        d.tasks,
        '还没有任务',
      ),
      d.tasks.length
        ? h('div', { class: 'more-link' }, link(href('/tasks', { userId: u.id }), '在任务列表中查看该用户的全部任务 →'))
        : null,
    ),
  );
}
