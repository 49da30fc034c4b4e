/** Admin accounts: seeding from ADMIN_USERNAME / ADMIN_PASSWORD_HASH at start, and the admin:create command. */
import type { Database } from '../../../db/index.js';
import { isUniqueViolation } from '../../../db/index.js';
import type { Logger } from '../../../lib/logger.js';
import { newId } from '../../../lib/ids.js';
import { writeAudit } from '../audit/service.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
const PHC_PATTERN = /^\$scrypt\$ln=\d+,r=\d+,p=\d+\$[\w-]+\$[\w-]+$/;

export const isPasswordHash = (s: string): boolean => PHC_PATTERN.test(s);

/** Creates the configured admin if it does not exist yet (an existing account is left as it is). */
export async function seedAdminFromConfig(
  deps: { db: Database; now: () => Date; logger: Logger },
  admin: { username?: string; passwordHash?: string },
): Promise<'created' | 'exists' | 'skipped'> {
  const { username, passwordHash } = admin;
  if (!username || !passwordHash) return 'skipped';
  if (!USERNAME_PATTERN.test(username)) {
    deps.logger.warn('ADMIN_USERNAME: must be 1–64 characters of [A-Za-z0-9_.@-]; no admin seeded');
    return 'skipped';
  }
  if (!isPasswordHash(passwordHash)) {
    deps.logger.warn('ADMIN_PASSWORD_HASH: not a scrypt PHC string (npm run --silent admin:hash-password); no admin seeded');
    return 'skipped';
  }
  const { Admin } = deps.db.models;
  if (await Admin.findOne({ where: { username } })) return 'exists';
  try {
    await deps.db.transaction(async (t) => {
      const now = deps.now();
      const row = await Admin.create({ id: newId(), username, passwordHash, lockedUntil: null, lastLoginAt: null, createdAt: now, updatedAt: now }, { transaction: t });
      await writeAudit(deps, { adminId: null, username: '(config)' }, { action: 'admin.seed', target: { type: 'admin', id: row.id } }, t);
    });
  } catch (err) {
    if (isUniqueViolation(err)) return 'exists'; // another instance seeded it first
    throw err;
  }
  deps.logger.info({ admin: username }, 'admin account seeded from configuration');
  return 'created';
}

/** Creates an admin, or sets a new password for an existing one (unlocking it and ending its sessions). */
export async function createOrResetAdmin(deps: { db: Database; now: () => Date }, username: string, passwordHash: string): Promise<'created' | 'updated'> {
  if (!USERNAME_PATTERN.test(username)) throw new Error('username must be 1–64 characters of [A-Za-z0-9_.@-]');
  const { Admin, AdminSession, AdminLoginAttempt } = deps.db.models;
  return deps.db.transaction(async (t) => {
    const now = deps.now();
    const actor = { adminId: null, username: '(cli)' };
    const existing = await Admin.findOne({ where: { username }, transaction: t, lock: t.LOCK.UPDATE });
    if (existing) {
      await existing.update({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: now }, { transaction: t });
      await AdminSession.destroy({ where: { adminId: existing.id }, transaction: t });
      // a new password also lifts the lock-outs: the failures that caused them no longer count
      await AdminLoginAttempt.destroy({ where: { username, success: false }, transaction: t });
      await writeAudit(deps, actor, { action: 'admin.password_reset', target: { type: 'admin', id: existing.id } }, t);
      return 'updated' as const;
    }
    const row = await Admin.create({ id: newId(), username, passwordHash, lockedUntil: null, lastLoginAt: null, createdAt: now, updatedAt: now }, { transaction: t });
    await writeAudit(deps, actor, { action: 'admin.create', target: { type: 'admin', id: row.id } }, t);
    return 'created' as const;
  });
}
