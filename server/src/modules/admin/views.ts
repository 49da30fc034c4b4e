/** Database rows → the admin API's shapes (docs/api.md "Web admin"; schemas in @aizhao/shared admin.ts). */
import type { AdminLedgerEntry, AdminOrder, AdminRefund, AdminTask, AdminUser } from '@aizhao/shared';
import type { Order, QuotaLog, Refund, Task, User } from '../../db/models.js';
import { isActiveMember } from '../quota/ledger.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const toAdminUser = (u: User, now: Date): AdminUser => ({
  id: u.id,
  phone: u.phone,
  isMember: isActiveMember(u, now),
  quotaRemaining: u.quotaRemaining,
  quotaExpireAt: iso(u.quotaExpireAt),
  createdAt: u.createdAt.toISOString(),
});

export const toAdminOrder = (o: Order, phones: Map<string, string>): AdminOrder => ({
  id: o.id,
  userId: o.userId,
  userPhone: phones.get(o.userId) ?? null,
  status: o.status,
  amountFen: o.amountFen,
  channel: o.channel,
  transactionId: o.transactionId,
  failReason: o.failReason,
  createdAt: o.createdAt.toISOString(),
  expiresAt: o.expiresAt.toISOString(),
  paidAt: iso(o.paidAt),
  closedAt: iso(o.closedAt),
  lastQueriedAt: iso(o.lastQueriedAt),
  refundedFen: o.refundedFen ?? 0,
  planId: o.planId ?? null,
  quota: o.quota,
  days: o.days,
});

export const toAdminRefund = (r: Refund): AdminRefund => ({
  id: r.id,
  orderId: r.orderId,
  outRefundNo: r.outRefundNo,
  wxRefundId: r.wxRefundId,
  amountFen: r.amountFen,
  status: r.status,
  reason: r.reason,
  source: r.source,
  requestedBy: r.requestedBy,
  failReason: r.failReason,
  successAt: iso(r.successAt),
  appliedAt: iso(r.appliedAt),
  quotaTaken: r.quotaTaken,
  expirySecondsTaken: r.expirySecondsTaken,
  createdAt: r.createdAt.toISOString(),
});

export const toAdminTask = (t: Task, phones: Map<string, string>): AdminTask => ({
  id: t.id,
  userId: t.userId,
  userPhone: phones.get(t.userId) ?? null,
  type: t.type,
  status: t.status,
  stage: t.stage,
  cost: t.cost,
  inputKey: t.inputKey,
  params: t.params as AdminTask['params'],
  vendorTaskId: t.vendorTaskId,
  errorReason: t.errorReason,
  resultCount: t.status === 'done' ? (t.resultKeys?.length ?? 0) : 0,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
  submittedAt: iso(t.submittedAt),
  finishedAt: iso(t.finishedAt),
  resultsPurgedAt: iso(t.resultsPurgedAt ?? null),
});

export const toLedgerEntry = (
  l: Pick<QuotaLog, 'id' | 'action' | 'amount' | 'balanceAfter' | 'taskId' | 'orderId' | 'reason' | 'createdAt'>,
): AdminLedgerEntry => ({
  id: String(l.id),
  action: l.action,
  amount: l.amount,
  balanceAfter: l.balanceAfter,
  taskId: l.taskId,
  orderId: l.orderId,
  reason: l.reason,
  createdAt: l.createdAt.toISOString(),
});

/** Phones of the users of a page of orders or tasks, in one query. */
export async function phonesOf(models: { User: typeof User }, userIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return new Map();
  const users = await models.User.findAll({ attributes: ['id', 'phone'], where: { id: ids } });
  return new Map(users.map((u) => [u.id, u.phone]));
}
