/** One order: amounts, WeChat transaction id and times; sync with WeChat Pay; close a pending order. */
import type { AdminOrder } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { ORDER_STATUS_LABELS, time, yuan } from '../format.js';
import { navigate, type Route } from '../router.js';
import { confirmDialog, errorBox, fields, mono, pageHeader, section, toast } from '../ui.js';
import { orderStatusCell } from './orders.js';

const SYNC_OUTCOME: Record<AdminOrder['status'], string> = {
  paid: '微信支付确认已付款：订单已支付，次数已发放',
  pending: '微信支付显示该订单仍未付款',
  closed: '订单已关闭',
  failed: '微信支付显示支付失败',
};

export async function orderDetailPage(route: Route): Promise<Node> {
  const id = route.params.id ?? '';
  const { order: o } = await api.get<{ order: AdminOrder }>(`/orders/${encodeURIComponent(id)}`);
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
  return h(
    'div',
    { class: 'page' },
    pageHeader('订单详情', pending ? [sync, close] : h('span', { class: 'muted' }, '订单已结束，无需操作')),
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
  );
}
