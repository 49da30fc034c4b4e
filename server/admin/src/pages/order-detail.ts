/** One order: amounts, WeChat transaction id and times; sync with WeChat Pay; close a pending order; refund a paid one. */
import type { AdminOrder, AdminRefund } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { ORDER_STATUS_LABELS, REFUND_SOURCE_LABELS, refundBadge, time, yuan } from '../format.js';
import { navigate, type Route } from '../router.js';
import { confirmDialog, errorBox, fields, mono, pageHeader, section, table, toast } from '../ui.js';
import { orderStatusCell } from './orders.js';

const SYNC_OUTCOME: Record<AdminOrder['status'], string> = {
  paid: '微信支付确认已付款：订单已支付，次数已发放',
  pending: '微信支付显示该订单仍未付款',
  closed: '订单已关闭',
  failed: '微信支付显示支付失败',
  refunding: '订单退款处理中',
  partially_refunded: '订单已部分退款',
  refunded: '订单已全额退款',
};

/** Refund states of an order in which a new refund can be started (one still processing blocks it). */
const REFUNDABLE: AdminOrder['status'][] = ['paid', 'partially_refunded'];

/** "15 天 12 小时" from seconds */
const daysText = (seconds: number): string => {
  const hours = Math.round(seconds / 3600);
  return hours % 24 ? `${Math.floor(hours / 24)} 天 ${hours % 24} 小时` : `${hours / 24} 天`;
};

function refundButton(o: AdminOrder, refunds: AdminRefund[], path: string): HTMLButtonElement {
  const held = refunds.filter((r) => r.status !== 'REJECTED' && r.status !== 'CLOSED').reduce((sum, r) => sum + r.amountFen, 0);
  const remaining = o.amountFen - held;
  const amount = h('input', {
    class: 'input',
    attrs: {
      name: 'amount',
      type: 'number',
      min: 0.01,
      max: remaining / 100,
      step: 0.01,
      value: (remaining / 100).toFixed(2),
      inputmode: 'decimal',
    },
  });
  const toFen = (): number => Math.round(Number(amount.value) * 100);
  return h(
    'button',
    {
      class: 'btn btn-danger',
      attrs: { type: 'button', 'data-action': 'refund-order' },
      on: {
        click: () =>
          void confirmDialog({
            title: '退款',
            message: `通过微信支付原路退还给用户。订单金额 ${yuan(o.amountFen)}，最多可退 ${yuan(remaining)}。退款成功后按退款比例扣回该订单发放的次数（不超过用户剩余次数）并缩短会员有效期。`,
            fields: h('label', { class: 'form-row' }, h('span', null, '退款金额（元）'), amount),
            confirmText: '确认退款',
            reasonRequired: true,
            reasonPlaceholder: '必填，微信会在退款消息中展示给用户（不超过 80 字节），并记入操作日志',
            danger: true,
            validate: () => {
              const fen = toFen();
              if (!Number.isFinite(fen) || fen <= 0) return '请输入退款金额';
              if (Math.abs(Number(amount.value) * 100 - fen) > 1e-6) return '金额最多两位小数';
              if (fen > remaining) return `最多可退 ${yuan(remaining)}`;
              return null;
            },
            onConfirm: async (reason) => {
              const r = await api.post<{ order: AdminOrder; refund: AdminRefund }>(`${path}/refunds`, { amountFen: toFen(), reason });
              toast(`已提交退款 ${yuan(r.refund.amountFen)}：${ORDER_STATUS_LABELS[r.order.status]}`);
              navigate(path);
            },
          }),
      },
    },
    '退款',
  );
}

function refundsSection(refunds: AdminRefund[]): Node | null {
  if (!refunds.length) return null;
  return section(
    '退款记录',
    table<AdminRefund>(
      [
        { label: '退款单号', cell: (r) => mono(r.outRefundNo) },
        { label: '金额', cell: (r) => yuan(r.amountFen), class: 'num' },
        {
          label: '状态',
          cell: (r) =>
            h('span', { class: 'cell-stack' }, refundBadge(r.status), r.failReason ? h('span', { class: 'muted' }, r.failReason) : null),
        },
        {
          label: '发起',
          cell: (r) => (r.requestedBy ? `${REFUND_SOURCE_LABELS[r.source]}（${r.requestedBy}）` : REFUND_SOURCE_LABELS[r.source]),
        },
        { label: '原因', cell: (r) => r.reason ?? '—' },
        {
          label: '扣回',
          cell: (r) => (r.appliedAt ? `次数 −${r.quotaTaken ?? 0}，有效期 −${daysText(r.expirySecondsTaken ?? 0)}` : '—'),
        },
        { label: '退款成功', cell: (r) => time(r.successAt) },
      ],
      refunds,
    ),
  );
}

export async function orderDetailPage(route: Route): Promise<Node> {
  const id = route.params.id ?? '';
  const { order: o, refunds } = await api.get<{ order: AdminOrder; refunds: AdminRefund[] }>(`/orders/${encodeURIComponent(id)}`);
  const path = `/orders/${encodeURIComponent(o.id)}`;
  const problem = h('div');

  const sync = h('button', { class: 'btn btn-primary', attrs: { type: 'button', 'data-action': 'sync-order' } }, '同步微信支付状态');
  sync.addEventListener('click', () => {
    sync.disabled = true;
    sync.textContent = '正在查询微信支付…';
    problem.replaceChildren();
    api.post<{ order: AdminOrder }>(`${path}/sync`).then(
      (r) => {
        toast(SYNC_OUTCOME[r.order.status], r.order.status === 'paid' ? 'ok' : 'bad');
        navigate(path);
      },
      (err: unknown) => {
        problem.replaceChildren(errorBox(err));
        sync.disabled = false;
        sync.textContent = '同步微信支付状态';
      },
    );
  });
  const close = h(
    'button',
    {
      class: 'btn btn-danger',
      attrs: { type: 'button', 'data-action': 'close-order' },
      on: {
        click: () =>
          void confirmDialog({
            title: '关闭订单',
            message: `将在微信支付关闭订单 ${o.id}（${yuan(o.amountFen)}），付款码随即失效。若微信显示用户其实已付款，则按已支付处理并发放次数。`,
            confirmText: '确认关闭',
            reasonRequired: false,
            danger: true,
            onConfirm: async (reason) => {
              const r = await api.post<{ order: AdminOrder }>(`${path}/close`, reason ? { reason } : {});
              toast(r.order.status === 'paid' ? '用户已付款：订单按已支付处理' : `订单${ORDER_STATUS_LABELS[r.order.status]}`);
              navigate(path);
            },
          }),
      },
    },
    '关闭订单',
  );
  const pending = o.status === 'pending';
  const actions = pending
    ? [sync, close]
    : REFUNDABLE.includes(o.status)
      ? [refundButton(o, refunds, path)]
      : h('span', { class: 'muted' }, o.status === 'refunding' ? '退款处理中，等待微信支付结果' : '订单已结束，无需操作');
  return h(
    'div',
    { class: 'page' },
    pageHeader('订单详情', actions),
    problem,
    section(
      '订单信息',
      fields([
        ['订单号', mono(o.id)],
        ['状态', orderStatusCell(o)],
        ['金额', yuan(o.amountFen)],
        ['用户', link(`/users/${encodeURIComponent(o.userId)}`, o.userPhone ?? o.userId)],
        ['支付方式', o.channel === 'wx' ? '微信支付（Native 扫码）' : o.channel],
        ['微信支付交易号', o.transactionId ? mono(o.transactionId) : '—'],
        ['创建时间', time(o.createdAt)],
        ['付款截止', time(o.expiresAt)],
        ['支付时间', time(o.paidAt)],
        ['关闭时间', time(o.closedAt)],
        ['最近查询微信', time(o.lastQueriedAt)],
        ['失败原因', o.failReason],
      ]),
    ),
    refundsSection(refunds),
  );
}
