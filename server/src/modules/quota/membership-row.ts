/** A user's membership as a raw row: the hot pre-checks (task creation) read it without building a Sequelize model. */
import { QueryTypes } from 'sequelize';
import type { Database } from '../../db/index.js';
import type { User } from '../../db/models.js';
import { toDateOrNull } from '../../db/raw-values.js';

export type MembershipRow = Pick<User, 'isMember' | 'quotaExpireAt'>;

/** The user's isMember and quotaExpireAt as stored (no lapse applied), or null when there is no such user. */
export async function membershipRow(db: Database, userId: string): Promise<MembershipRow | null> {
  const qi = (name: string): string => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const [row] = await db.sequelize.query<{ isMember: unknown; quotaExpireAt: unknown }>(
    `SELECT ${qi('isMember')}, ${qi('quota_expireAt')} AS ${qi('quotaExpireAt')} FROM ${qi('users')} WHERE ${qi('id')} = :userId`,
    { type: QueryTypes.SELECT, replacements: { userId }, raw: true },
  );
  // MariaDB answers BOOLEAN (TINYINT) as 0/1, SQLite as 0/1 too
  return row ? { isMember: Boolean(Number(row.isMember)), quotaExpireAt: toDateOrNull(row.quotaExpireAt) } : null;
}
