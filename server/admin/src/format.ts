/** How values are shown: money from fen, Asia/Shanghai times, and the Chinese labels of statuses and actions. */
import type { AdminLedgerEntry, AdminRefund, OrderStatus, TaskStatus, TaskType } from '@aizhao/shared';
import { h } from './dom.js';

export const TIME_ZONE = 'Asia/Shanghai';

const money = new Intl.NumberFormat('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** 9900 → "¥99.00" */
export const yuan = (fen: number): string => `¥${money.format(fen / 100)}`;

const dateTime = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
/** ISO → "2026/11/15 12:00:00" (Beijing time); null → "—" */
export const time = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');

/** Milliseconds → "3 分钟", "2 小时 5 分钟", "1 天 3 小时" */
export function duration(ms: number): string {
  const min = Math.max(0, Math.floor(ms / 60_000));
  if (min < 1) return '不到 1 分钟';
  if (min < 60) return `${min} 分钟`;
  const hours = Math.floor(min / 60);
  if (hours < 24) return `${hours} 小时 ${min % 60} 分钟`;
  return `${Math.floor(hours / 24)} 天 ${hours % 24} 小时`;
}

export const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

export const TASK_TYPE_LABELS = { basic_clean: '基础修图（白底）', model_pose12: 'AI模特12图' } as const satisfies Record<TaskType, string>;
// the merchant-facing labels, one definition (the catalogue module only: the package index would bundle zod too)
export { CATEGORY_LABELS, SCENE_LABELS } from '@aizhao/shared/catalogue';
export const MODEL_LABELS: Record<string, string> = { female: '女模特', male: '男模特', child: '童模' };
export const RESULT_KIND_LABELS: Record<string, string> = { white: '白底图', cutout: '透明抠图', pose: '模特图' };

export const TASK_STATUS_LABELS = { processing: '处理中', done: '已完成', failed: '失败' } as const satisfies Record<TaskStatus, string>;
export const ORDER_STATUS_LABELS = {
  pending: '待支付',
  paid: '已支付',
  closed: '已关闭',
  failed: '支付失败',
  refunding: '退款中',
  partially_refunded: '部分退款',
  refunded: '已退款',
} as const satisfies Record<OrderStatus, string>;
export const REFUND_STATUS_LABELS = {
  REQUESTED: '已提交，等待微信确认',
  PROCESSING: '退款处理中',
  SUCCESS: '退款成功',
  CLOSED: '退款关闭',
  ABNORMAL: '退款异常',
  REJECTED: '微信支付拒绝',
} as const satisfies Record<AdminRefund['status'], string>;
export const REFUND_SOURCE_LABELS = { admin: '后台', platform: '微信商户平台' } as const satisfies Record<AdminRefund['source'], string>;
export const LEDGER_ACTION_LABELS = {
  grant: '购买发放',
  deduct: '任务扣减',
  refund: '失败返还',
  expire: '到期清零',
  adjust: '人工调整',
  order_refund: '订单退款扣回',
  reinstate: '续费恢复',
} as const satisfies Record<AdminLedgerEntry['action'], string>;

export const STAGE_LABELS: Record<string, string> = {
  queued: '排队中',
  submitting: '提交中',
  running: '生成中',
  working: '处理中',
  saving: '保存结果中',
  done: '已完成',
  failed: '已失败',
};

export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'admin.login': '登录',
  'admin.logout': '退出登录',
  'admin.seed': '初始化管理员',
  'admin.create': '创建管理员',
  'admin.password_reset': '重置管理员密码',
  'user.quota_adjust': '调整次数',
  'order.sync': '同步微信支付',
  'order.close': '关闭订单',
  'order.refund': '订单退款',
  'task.fail_and_refund': '任务失败并返还',
};

export const TIMELINE_LABELS: Record<string, string> = {
  created: '创建任务',
  submitted: '提交给 RunningHub',
  done: '完成',
  failed: '失败',
  'vendor.error': '服务商返回的错误',
  'results.purged': '结果已过保留期',
  'ledger.deduct': '扣减次数',
  'ledger.refund': '返还次数',
  'admin.task.fail_and_refund': '管理员标记失败并返还',
};

export const CHANNEL_LABELS: Record<string, string> = { wx: '微信支付', alipay: '支付宝' };
export const label = (labels: Record<string, string>, key: string): string => labels[key] ?? key;

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export const badge = (tone: BadgeTone, text: string): HTMLSpanElement => h('span', { class: `badge badge-${tone}` }, text);

const TASK_TONES: Record<TaskStatus, BadgeTone> = { processing: 'info', done: 'ok', failed: 'bad' };
const ORDER_TONES: Record<OrderStatus, BadgeTone> = {
  pending: 'warn',
  paid: 'ok',
  closed: 'muted',
  failed: 'bad',
  refunding: 'info',
  partially_refunded: 'warn',
  refunded: 'muted',
};
const REFUND_TONES: Record<AdminRefund['status'], BadgeTone> = {
  REQUESTED: 'info',
  PROCESSING: 'info',
  SUCCESS: 'ok',
  CLOSED: 'muted',
  ABNORMAL: 'bad',
  REJECTED: 'bad',
};

export const taskBadge = (s: TaskStatus): HTMLSpanElement => badge(TASK_TONES[s], TASK_STATUS_LABELS[s]);
export const orderBadge = (s: OrderStatus): HTMLSpanElement => badge(ORDER_TONES[s], ORDER_STATUS_LABELS[s]);
export const refundBadge = (s: AdminRefund['status']): HTMLSpanElement => badge(REFUND_TONES[s], REFUND_STATUS_LABELS[s]);
export const memberBadge = (isMember: boolean, expireAt: string | null): HTMLSpanElement =>
  isMember ? badge('ok', '会员') : expireAt ? badge('muted', '已过期') : badge('muted', '非会员');

/** "+5" / "-1" with a colour class */
export const signed = (n: number): HTMLSpanElement =>
  h('span', { class: n > 0 ? 'delta-up' : n < 0 ? 'delta-down' : '' }, n > 0 ? `+${n}` : String(n));
