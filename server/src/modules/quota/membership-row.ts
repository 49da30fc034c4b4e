/** A user's membership as a raw row: the hot pre-checks (STS, task creation) read it without building a Sequelize model. */
import type { Database } from '../../db/index.js';
import type { User } from '../../db/models.js';
import { AppError } from '../../lib/errors.js';
import { assertMember, getUserWithLapse, isActiveMember } from './ledger.js';
import { quoter, toDateOrNull } from '../../db/sql.js';

export type MembershipRow = Pick<User, 'isMember' | 'quotaExpireAt'>;

/** The user's isMember and quotaExpireAt as stored (no lapse applied), or null when there is no such user. */
export async function membershipRow(db: Database, userId: string): Promise<MembershipRow | null> {
  const q = quoter(db);
  const [row] = await db.select<{ isMember: unknown; quotaExpireAt: unknown }>(
    `SELECT ${q('isMember')}, ${q('quota_expireAt')} AS ${q('quotaExpireAt')} FROM ${q('users')} WHERE ${q('id')} = ?`,
    [userId],
  );
  // MariaDB answers BOOLEAN (TINYINT) as 0/1, SQLite as 0/1 too
  return row ? { isMember: Boolean(Number(row.isMember)), quotaExpireAt: toDateOrNull(row.quotaExpireAt) } : null;
}

/**
 * The membership gate of STS and task creation before anything is spent, from the raw row: an active member has no
 * lapse due; anyone else goes through the ledger's read, which applies a due lapse first, and gets its 403.
 */
export async function assertActiveMember(db: Database, userId: string, now: Date): Promise<void> {
  const row = await membershipRow(db, userId);
  if (!row) throw new AppError('UNAUTHENTICATED');
  if (!isActiveMember(row, now)) assertMember(await getUserWithLapse(db, userId, now), now);
}
