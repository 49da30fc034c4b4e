/**
 * The quota ledger (README "Money and quota"). Every change of users.quota_remaining goes through `changeBalance`
 * inside a transaction that holds the user's row lock, and writes one quota_logs row with the balance after it.
 * Invariant: balance = sum of the user's ledger amounts. The balance never goes below zero.
 * Its statements are plain SQL (db/sql.ts: the payment callback and task creation run them on every request), writing
 * what the models wrote (test/quota/plain-statements.test.ts); other code reads these rows through the models.
 */
import type { Transaction } from 'sequelize';
import type { Database } from '../../db/index.js';
import { isUniqueViolation } from '../../db/index.js';
import type { LedgerAction, QuotaLog, User } from '../../db/models.js';
import { forUpdate, insertRow, quoter, selectRows, sqlDate, sqlDateOrNull, toDateOrNull, updateRows } from '../../db/sql.js';
import { AppError } from '../../lib/errors.js';

interface UserFields {
  isMember: boolean;
  quotaRemaining: number;
  quotaExpireAt: Date | null;
}

/** The columns of users the ledger reads and writes, by field. */
const USER_COLUMNS: Record<keyof UserFields, string> = {
  isMember: 'isMember',
  quotaRemaining: 'quota_remaining',
  quotaExpireAt: 'quota_expireAt',
};
const sameValue = (a: unknown, b: unknown): boolean => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

/**
 * A user row locked by a transaction, as plain fields (the ledger's statements are plain SQL: the money paths are
 * hot, and a model instance costs more CPU than the statements). `saveUser` writes what changed since it was read,
 * as a model's save() does.
 */
export class LockedUser implements UserFields {
  isMember: boolean;
  quotaRemaining: number;
  quotaExpireAt: Date | null;
  #stored: UserFields;

  constructor(
    readonly id: string,
    fields: UserFields,
  ) {
    this.isMember = fields.isMember;
    this.quotaRemaining = fields.quotaRemaining;
    this.quotaExpireAt = fields.quotaExpireAt;
    this.#stored = { ...fields };
  }

  /** The fields changed since the row was read or last saved. */
  changed(): (keyof UserFields)[] {
    return (Object.keys(USER_COLUMNS) as (keyof UserFields)[]).filter((k) => !sameValue(this[k], this.#stored[k]));
  }

  markSaved(): void {
    this.#stored = { isMember: this.isMember, quotaRemaining: this.quotaRemaining, quotaExpireAt: this.quotaExpireAt };
  }
}

/** The user columns a lock reads, as `LockedUser` fields, for a statement that names the users table `alias`. */
export function lockedUserColumns(db: Database, alias: string): string {
  const q = quoter(db);
  const a = `${q(alias)}.`;
  return `${a}${q('id')} AS ${q('userRowId')}, ${a}${q('isMember')} AS ${q('userIsMember')}, ${a}${q('quota_remaining')} AS ${q('userQuotaRemaining')}, ${a}${q('quota_expireAt')} AS ${q('userQuotaExpireAt')}`;
}

/** What `lockedUserColumns` read, as a LockedUser. */
export interface LockedUserRow {
  userRowId: string;
  userIsMember: unknown;
  userQuotaRemaining: unknown;
  userQuotaExpireAt: unknown;
}
export const lockedUserFrom = (row: LockedUserRow): LockedUser =>
  new LockedUser(row.userRowId, {
    isMember: Boolean(row.userIsMember),
    quotaRemaining: Number(row.userQuotaRemaining),
    quotaExpireAt: toDateOrNull(row.userQuotaExpireAt),
  });

/** SELECT … FOR UPDATE on the user row (on SQLite the IMMEDIATE transaction holds the lock). */
export async function lockUser(db: Database, userId: string, t: Transaction): Promise<LockedUser> {
  const q = quoter(db);
  const [row] = await selectRows<LockedUserRow>(
    db,
    `SELECT ${lockedUserColumns(db, 'users')} FROM ${q('users')} WHERE ${q('id')} = :id${forUpdate(db)}`,
    { id: userId },
    t,
  );
  if (!row) throw new AppError('UNAUTHENTICATED');
  return lockedUserFrom(row);
}

/**
 * Writes the locked user's changed fields and updatedAt (the wall clock, as Sequelize's timestamps do); nothing when
 * none changed (as a model's save()).
 */
export async function saveUser(db: Database, user: LockedUser, t: Transaction): Promise<void> {
  const changed = user.changed();
  if (!changed.length) return;
  const q = quoter(db);
  const values: Record<string, unknown> = { id: user.id, updatedAt: sqlDate(db, new Date()) };
  const sets = changed.map((k) => {
    values[k] = k === 'quotaExpireAt' ? sqlDateOrNull(db, user.quotaExpireAt) : user[k];
    return `${q(USER_COLUMNS[k])} = :${k}`;
  });
  await updateRows(db, `UPDATE ${q('users')} SET ${sets.join(', ')}, ${q('updatedAt')} = :updatedAt WHERE ${q('id')} = :id`, values, t);
  user.markSaved();
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

/** A ledger row as written (the fields of a QuotaLog). */
export type LedgerRow = Pick<
  QuotaLog,
  'id' | 'userId' | 'taskId' | 'orderId' | 'refundId' | 'action' | 'amount' | 'balanceAfter' | 'reason' | 'createdAt'
>;

const LEDGER_COLUMNS = ['userId', 'taskId', 'orderId', 'refundId', 'action', 'amount', 'balanceAfter', 'reason', 'createdAt'] as const;

/**
 * Applies a change to a locked user and records it: the quota_logs row, then the user's changed fields (those set
 * by the caller before too). Returns the ledger row, or null when the unique (taskId, action) /
 * (orderId, action, refundId) key says this change was already recorded (nothing is changed then).
 */
export async function changeBalance(
  db: Database,
  user: LockedUser,
  change: BalanceChange,
  t: Transaction,
  now = new Date(),
): Promise<LedgerRow | null> {
  const balanceAfter = user.quotaRemaining + change.amount;
  if (balanceAfter < 0) throw new AppError('QUOTA_EXHAUSTED');
  const row: Omit<LedgerRow, 'id'> = {
    userId: user.id,
    taskId: change.taskId ?? null,
    orderId: change.orderId ?? null,
    refundId: change.refundId ?? '',
    action: change.action,
    amount: change.amount,
    balanceAfter,
    reason: change.reason ?? null,
    createdAt: now,
  };
  const q = quoter(db);
  let id: number;
  try {
    id = await insertRow(
      db,
      `INSERT INTO ${q('quota_logs')} (${LEDGER_COLUMNS.map(q).join(', ')}) VALUES (${LEDGER_COLUMNS.map((c) => `:${c}`).join(', ')})`,
      { ...row, createdAt: sqlDate(db, now) },
      t,
    );
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
  user.quotaRemaining = balanceAfter;
  await saveUser(db, user, t);
  return { id, ...row };
}

/** Whether the user is a member right now (not lapsed). */
export const isActiveMember = (user: Pick<User, 'isMember' | 'quotaExpireAt'>, now = new Date()): boolean =>
  Boolean(user.isMember && user.quotaExpireAt && user.quotaExpireAt.getTime() > now.getTime());

/**
 * at expiry the membership lapses and the balance goes to 0 with an `expire` ledger row.
 * Used by every read path, task creation, grants, refunds and the sweeper. The user must be locked by `t`.
 */
export async function applyLapse(db: Database, user: LockedUser, t: Transaction, now = new Date()): Promise<boolean> {
  if (!user.quotaExpireAt || user.quotaExpireAt.getTime() > now.getTime()) return false;
  if (!user.isMember && user.quotaRemaining === 0) return false;
  if (user.quotaRemaining > 0) {
    await changeBalance(db, user, { action: 'expire', amount: -user.quotaRemaining, reason: '会员到期，剩余次数清零' }, t, now);
  }
  user.isMember = false;
  await saveUser(db, user, t);
  return true;
}

/** Reads a user and applies a due lapse (in its own short transaction only when one is due). */
export async function getUserWithLapse(db: Database, userId: string, now = new Date()): Promise<User> {
  const user = await db.models.User.findByPk(userId);
  if (!user) throw new AppError('UNAUTHENTICATED');
  const due = user.quotaExpireAt && user.quotaExpireAt.getTime() <= now.getTime() && (user.isMember || user.quotaRemaining > 0);
  if (!due) return user;
  return db.transaction(async (t) => {
    await applyLapse(db, await lockUser(db, userId, t), t, now);
    // the whole row as lapsed, for the views (a rare path: once per lapse)
    const locked = await db.models.User.findByPk(userId, { transaction: t });
    if (!locked) throw new AppError('UNAUTHENTICATED');
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
