/**
 * Applying a WeChat Pay transaction to our order — the one code path shared by the payment callback, the order
 * query of GET /membership/orders/:id, the reconciler and (later) the admin sync. Grants exactly once per order.
 */
import type { Transaction } from 'sequelize';
import type { OrderStatus } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Database } from '../../db/index.js';
import type { Order } from '../../db/models.js';
import { forUpdate, quoter, selectRows, sqlDate, updateRows } from '../../db/sql.js';
import type { WxTransaction } from '../../vendors/types.js';
import { parseWechatTime } from '../../vendors/wechatpay/time.js';
import { applyLapse, changeBalance, lockedUserColumns, lockedUserFrom, type LockedUser, type LockedUserRow } from '../quota/ledger.js';
import { noteRefundedAtWechat } from './refunds.js';

export class PaymentMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentMismatchError';
  }
}

/**
 * Checks that a transaction reported by WeChat belongs to this order of this merchant, for its amount, and that a
 * SUCCESS says when it was paid (`success_time`, RFC 3339: the moment a grant is computed at). Returns that moment
 * for a SUCCESS, null otherwise. Throws PaymentMismatchError: the callback answers it with 400, a query logs it and
 * leaves the order pending.
 */
export function assertTransactionMatches(ctx: AppContext, order: PaymentOrder, tx: WxTransaction): Date | null {
  const { appid, mchid } = ctx.vendors.wechat;
  if (tx.out_trade_no !== order.id) throw new PaymentMismatchError('out_trade_no mismatch');
  if (tx.mchid !== mchid) throw new PaymentMismatchError('mchid mismatch');
  if (tx.appid !== appid) throw new PaymentMismatchError('appid mismatch');
  if (tx.trade_state !== 'SUCCESS') return null;
  if (tx.amount?.total !== order.amountFen) throw new PaymentMismatchError('amount mismatch');
  const paidMs = typeof tx.success_time === 'string' ? parseWechatTime(tx.success_time) : null;
  if (paidMs === null) throw new PaymentMismatchError('success_time missing or not RFC 3339');
  return new Date(paidMs);
}

export type ApplyOutcome = 'granted' | 'already_paid' | 'not_paid' | 'closed' | 'failed';

/** What applying a transaction reads of the order before its transaction (an Order model has these fields too). */
export type PaymentOrder = Pick<Order, 'id' | 'amountFen' | 'status'>;

/** The order a WeChat notification names, as a plain row (the callback's lookup before the grant), or null. */
export async function findPaymentOrder(db: Database, orderId: string): Promise<PaymentOrder | null> {
  const q = quoter(db);
  const [row] = await selectRows<PaymentOrder>(
    db,
    `SELECT ${['id', 'amountFen', 'status'].map(q).join(', ')} FROM ${q('orders')} WHERE ${q('id')} = :id`,
    {
      id: orderId,
    },
  );
  return row ? { id: row.id, amountFen: Number(row.amountFen), status: row.status } : null;
}

/**
 * Applies a transaction WeChat Pay notified (verified and decrypted). A SUCCESS — nearly every notification — is
 * matched against the order under the grant's own lock, with no lookup before it; any other state looks the order up
 * first. Throws PaymentMismatchError for an unknown order or a mismatch (the callback answers 400).
 */
export async function applyNotifiedTransaction(ctx: AppContext, tx: WxTransaction): Promise<ApplyOutcome> {
  const orderId = String(tx.out_trade_no ?? '').slice(0, 32);
  if (tx.trade_state === 'SUCCESS') {
    return grantOrder(ctx, orderId, tx.transaction_id ?? null, (order) => assertTransactionMatches(ctx, order, tx)!);
  }
  const order = await findPaymentOrder(ctx.db, orderId);
  if (!order) throw new PaymentMismatchError('unknown order');
  return applyTransaction(ctx, order, tx);
}

/**
 * Applies a verified transaction. SUCCESS grants (even for an order we had closed: the money was taken);
 * CLOSED/REVOKED close a pending order; PAYERROR closes the order at WeChat first (so the payer cannot pay it after
 * all) and then fails it here, or grants when WeChat answers that it was paid meanwhile — a failed close throws and
 * leaves it pending for the next query; anything else changes nothing.
 */
export async function applyTransaction(ctx: AppContext, order: PaymentOrder, tx: WxTransaction): Promise<ApplyOutcome> {
  const paidAt = assertTransactionMatches(ctx, order, tx);
  const now = ctx.now();
  const { Order } = ctx.db.models;
  switch (tx.trade_state) {
    case 'SUCCESS':
      return grantOrder(ctx, order.id, tx.transaction_id ?? null, paidAt!);
    case 'CLOSED':
    case 'REVOKED': {
      await Order.update({ status: 'closed', closedAt: now }, { where: { id: order.id, status: 'pending' } });
      return 'closed';
    }
    case 'REFUND': {
      // "转入退款": it was paid (grant once, as for SUCCESS), then refunded (refunds.ts finds and applies the refund)
      const outcome = await applyTransaction(ctx, order, { ...tx, trade_state: 'SUCCESS' });
      await noteRefundedAtWechat(ctx, order.id);
      return outcome;
    }
    case 'PAYERROR': {
      if (order.status !== 'pending') return 'not_paid';
      const closed = await closeOrderAtWechat(ctx, order, { status: 'failed', failReason: tx.trade_state_desc ?? 'PAYERROR' });
      return closed === 'paid' ? 'granted' : 'failed';
    }
    default:
      return 'not_paid';
  }
}

/** An order in these states may still be granted by a SUCCESS (a closed or failed one too: the money was taken). */
const GRANTABLE: readonly OrderStatus[] = ['pending', 'closed', 'failed'];

/**
 * One transaction that locks before it reads what decides: the order row and its user's (one `SELECT … JOIN … FOR
 * UPDATE`; only a grantable order is granted). Everything is computed at the payment's moment, `at` = min(success_time,
 * now): the lapse, the extension from max(at, current expiry) + order.days, and — when the
 * membership was still running at `at` but lapsed before this notice — the `reinstate` credit of what the expiry
 * wrote off after `at`. Then +order.quota with the `grant` ledger row (unique per order).
 */
export async function grantOrder(
  ctx: AppContext,
  orderId: string,
  transactionId: string | null,
  payment: Date | ((order: PaymentOrder) => Date),
): Promise<ApplyOutcome> {
  const { plan } = ctx.config;
  const { db } = ctx;
  const outcome = await db.transaction(async (t) => {
    const now = ctx.now();
    const locked = await lockOrderAndUser(db, orderId, t);
    if (!locked) {
      if (typeof payment === 'function') throw new PaymentMismatchError('unknown order');
      throw new Error(`order ${orderId} vanished`);
    }
    // a notified payment is checked against the order under its lock (a mismatch rolls back, nothing is written)
    const { order, user } = locked;
    const paidAt = typeof payment === 'function' ? payment({ id: orderId, amountFen: Number(order.amountFen), status: order.status }) : payment;
    if (!GRANTABLE.includes(order.status)) return 'already_paid' as const;
    const at = new Date(Math.min(paidAt.getTime(), now.getTime()));
    await markPaid(db, orderId, transactionId, paidAt, t);
    if (user.quotaExpireAt && user.quotaExpireAt.getTime() > at.getTime()) {
      await reinstateLapsedSince(db, user, orderId, at, t, now);
    } else {
      await applyLapse(db, user, t, at);
    }
    // what the order sold when it was created; orders from before migration 06 fall back to config
    const quota = order.quota ?? plan.quota;
    const days = order.days ?? plan.days;
    const from = Math.max(at.getTime(), user.quotaExpireAt?.getTime() ?? 0);
    user.quotaExpireAt = new Date(from + days * 86_400_000);
    user.isMember = true;
    const entry = await changeBalance(
      db,
      user,
      { action: 'grant', amount: quota, orderId, reason: days > 0 ? `购买会员 ${days} 天` : `购买加量包 +${quota} 次` },
      t,
      now,
    );
    if (!entry) throw new Error(`grant for order ${orderId} recorded twice`); // unreachable: the order lock guards it
    return 'granted' as const;
  });
  ctx.logger.info({ orderId, outcome }, 'payment applied');
  return outcome;
}

type LockedOrder = Pick<Order, 'status' | 'userId' | 'quota' | 'days' | 'amountFen'>;

/**
 * The order and its merchant locked in one statement (SELECT … JOIN … FOR UPDATE locks the rows it reads of both
 * tables, the order's first: the same order as locking them one after the other), or null for an unknown order.
 */
async function lockOrderAndUser(db: Database, orderId: string, t: Transaction): Promise<{ order: LockedOrder; user: LockedUser } | null> {
  const q = quoter(db);
  const o = (c: string): string => `${q('o')}.${q(c)}`;
  const [row] = await selectRows<LockedOrder & LockedUserRow>(
    db,
    `SELECT ${['status', 'userId', 'quota', 'days', 'amountFen'].map((c) => `${o(c)} AS ${q(c)}`).join(', ')}, ${lockedUserColumns(db, 'u')} ` +
      `FROM ${q('orders')} ${q('o')} JOIN ${q('users')} ${q('u')} ON ${q('u')}.${q('id')} = ${o('userId')} WHERE ${o('id')} = :id${forUpdate(db)}`,
    { id: orderId },
    t,
  );
  return row ? { order: row, user: lockedUserFrom(row) } : null;
}

/** The order paid: status, WeChat's (or Alipay's) transaction id, the payment's moment, updatedAt (the wall clock, as Sequelize's timestamps). */
async function markPaid(db: Database, orderId: string, transactionId: string | null, paidAt: Date, t: Transaction): Promise<void> {
  const q = quoter(db);
  await updateRows(
    db,
    `UPDATE ${q('orders')} SET ${q('status')} = 'paid', ${q('transactionId')} = :transactionId, ${q('paidAt')} = :paidAt, ` +
      `${q('updatedAt')} = :updatedAt WHERE ${q('id')} = :id`,
    { id: orderId, transactionId, paidAt: sqlDate(db, paidAt), updatedAt: sqlDate(db, new Date()) },
    t,
  );
}

/**
 * The renewal was paid at `at`, while the membership still ran, but its notice came after the expiry lapsed it:
 * what `expire` rows wrote off since `at` is credited back (`reinstate`, once per order by the ledger's unique key),
 * so the renewal extends the membership it was paid for. The user is locked by `t`.
 */
async function reinstateLapsedSince(db: Database, user: LockedUser, orderId: string, at: Date, t: Transaction, now: Date): Promise<void> {
  const q = quoter(db);
  const [row] = await selectRows<{ expired: unknown }>(
    db,
    `SELECT SUM(${q('amount')}) AS ${q('expired')} FROM ${q('quota_logs')} WHERE ${q('userId')} = :userId AND ${q('action')} = 'expire' AND ${q('createdAt')} > :at`,
    { userId: user.id, at: sqlDate(db, at) },
    t,
  );
  const lapsed = -Number(row?.expired ?? 0);
  if (lapsed > 0) {
    await changeBalance(db, user, { action: 'reinstate', amount: lapsed, orderId, reason: '到期前已续费，恢复到期清零的次数' }, t, now);
  }
}

/**
 * Closes a pending order at WeChat Pay and then here (`closed`, or what `local` says); when WeChat answers that the
 * order was paid (ORDER_PAID) the payment is queried and applied instead. Shared by purchase (an expiring QR code),
 * the reconciler, PAYERROR and the admin. Throws VendorError.
 */
export async function closeOrderAtWechat(
  ctx: AppContext,
  order: PaymentOrder,
  local: { status: 'closed' } | { status: 'failed'; failReason: string } = { status: 'closed' },
): Promise<'closed' | 'paid'> {
  const outcome = await ctx.vendors.wechat.closeOrder(order.id);
  if (outcome === 'paid') {
    const tx = await ctx.vendors.wechat.queryOrder(order.id);
    // (a PAYERROR answer here would close again: never loop on a contradictory answer)
    if (tx && tx.trade_state !== 'PAYERROR') await applyTransaction(ctx, order, tx);
  } else {
    const fields = local.status === 'closed' ? { status: 'closed' as const, closedAt: ctx.now() } : local;
    await ctx.db.models.Order.update(fields, { where: { id: order.id, status: 'pending' } });
    ctx.logger.info({ orderId: order.id, status: local.status }, 'order closed');
  }
  return outcome;
}
