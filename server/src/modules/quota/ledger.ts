/**
 * The quota ledger (README "Money and quota"). Every change of users.quota_remaining goes through `changeBalance`
 * inside a transaction that holds the user's row lock, and writes one quota_logs row with the balance after it.
 * Invariant: balance = sum of the user's ledger amounts. The balance never goes below zero.
 */
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/index.js';
import { isUniqueViolation } from '../../db/index.js';
import type { LedgerAction, QuotaLog, User } from '../../db/models.js';
import { AppError } from '../../lib/errors.js';

/** SELECT … FOR UPDATE on the user row (needs both `transaction` and `lock`). */
export async function lockUser(db: Database, userId: string, t: Transaction): Promise<User> {
  const user = await db.models.User.findByPk(userId, { transaction: t, lock: t.LOCK.UPDATE });
  if (!user) throw new AppError('UNAUTHENTICATED');
  return user;
}

export interface BalanceChange {
  action: LedgerAction;
  amount: number;
  taskId?: string | null;
  orderId?: string | null;
  /** the order refund an `order_refund` row belongs to */
  refundId?: string;
  reason?: string | null;
}

/**
 * Applies a change to a locked user and records it. Returns the ledger row, or null when the unique
 * (taskId, action) / (orderId, action, refundId) key says this change was already recorded (nothing is changed then).
 */
export async function changeBalance(db: Database, user: User, change: BalanceChange, t: Transaction, now = new Date()): Promise<QuotaLog | null> {
  const balanceAfter = user.quotaRemaining + change.amount;
  if (balanceAfter < 0) throw new AppError('QUOTA_EXHAUSTED');
  let entry: QuotaLog;
  try {
    entry = await db.models.QuotaLog.create(
      {
        userId: user.id,
        taskId: change.taskId ?? null,
        orderId: change.orderId ?? null,
        refundId: change.refundId ?? '',
        action: change.action,
        amount: change.amount,
        balanceAfter,
        reason: change.reason ?? null,
        createdAt: now,
      },
      { transaction: t },
    );
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
  user.quotaRemaining = balanceAfter;
  await user.save({ transaction: t });
  return entry;
}

/** Whether the user is a member right now (not lapsed). */
export const isActiveMember = (user: Pick<User, 'isMember' | 'quotaExpireAt'>, now = new Date()): boolean =>
  Boolean(user.isMember && user.quotaExpireAt && user.quotaExpireAt.getTime() > now.getTime());

/**
 * at expiry the membership lapses and the balance goes to 0 with an `expire` ledger row.
 * Used by every read path, task creation, grants, refunds and the sweeper. The user must be locked by `t`.
 */
export async function applyLapse(db: Database, user: User, t: Transaction, now = new Date()): Promise<boolean> {
  if (!user.quotaExpireAt || user.quotaExpireAt.getTime() > now.getTime()) return false;
  if (!user.isMember && user.quotaRemaining === 0) return false;
  if (user.quotaRemaining > 0) {
    await changeBalance(db, user, { action: 'expire', amount: -user.quotaRemaining, reason: '会员到期，剩余次数清零' }, t, now);
  }
  user.isMember = false;
  await user.save({ transaction: t });
  return true;
}

/** Reads a user and applies a due lapse (in its own short transaction only when one is due). */
export async function getUserWithLapse(db: Database, userId: string, now = new Date()): Promise<User> {
  const user = await db.models.User.findByPk(userId);
  if (!user) throw new AppError('UNAUTHENTICATED');
  const due = user.quotaExpireAt && user.quotaExpireAt.getTime() <= now.getTime() && (user.isMember || user.quotaRemaining > 0);
  if (!due) return user;
  return db.transaction(async (t) => {
    const locked = await lockUser(db, userId, t);
    await applyLapse(db, locked, t, now);
    return locked;
  });
}

/** The membership gate of STS and task creation: 403 NOT_MEMBER (never a member) / MEMBERSHIP_EXPIRED. */
export function assertMember(user: Pick<User, 'isMember' | 'quotaExpireAt'>, now = new Date()): void {
  if (isActiveMember(user, now)) return;
  throw new AppError(user.quotaExpireAt ? 'MEMBERSHIP_EXPIRED' : 'NOT_MEMBER');
}

/** Sum of ledger amounts per user vs the stored balance (the invariant tests check). */
export async function ledgerMismatches(db: Database): Promise<{ userId: string; balance: number; ledgerSum: number }[]> {
  const users = await db.models.User.findAll({ attributes: ['id', 'quotaRemaining'] });
  const sums = (await db.models.QuotaLog.findAll({
    attributes: ['userId', [db.sequelize.fn('SUM', db.sequelize.col('amount')), 'total']],
    group: ['userId'],
    raw: true,
  })) as unknown as { userId: string; total: string | number }[];
  const byUser = new Map(sums.map((s) => [s.userId, Number(s.total)]));
  return users
    .map((u) => ({ userId: u.id, balance: u.quotaRemaining, ledgerSum: byUser.get(u.id) ?? 0 }))
    .filter((r) => r.balance !== r.ledgerSum || r.balance < 0);
}
