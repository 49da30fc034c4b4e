/**
 * Admin login: scrypt verification (a dummy hash for unknown usernames, so both cost the same), the account locks
 * for 15 minutes after 5 consecutive failures, and one IP may fail at most 20 times per 15 minutes (→ 429).
 * Every attempt is recorded in admin_login_attempts (the per-IP limit counts there, so it holds across instances).
 */
import { randomBytes } from 'node:crypto';
import { Op } from 'sequelize';
import type { AppContext } from '../../../context.js';
import type { Admin } from '../../../db/models.js';
import { AppError } from '../../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../../lib/password.js';

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
export const IP_MAX_FAILURES = 20;
export const IP_WINDOW_MS = 15 * 60_000;
/** attempts older than this are deleted (opportunistically, on login) */
const KEEP_ATTEMPTS_MS = 7 * 86_400_000;

let dummy: Promise<string> | undefined;
const dummyHash = (): Promise<string> => (dummy ??= hashPassword(randomBytes(16).toString('hex')));

async function passwordMatches(password: string, phc: string): Promise<boolean> {
  try {
    return await verifyPassword(password, phc);
  } catch {
    return false; // a malformed or unusable hash never matches
  }
}

export async function verifyAdminLogin(ctx: AppContext, username: string, password: string, ipInput: string | undefined): Promise<Admin> {
  const now = ctx.now();
  const ip = (ipInput ?? 'unknown').slice(0, 64);
  const { Admin, AdminLoginAttempt } = ctx.db.models;
  const record = (success: boolean) => AdminLoginAttempt.create({ ip, username: username.slice(0, 64), success, createdAt: now });

  const ipFailures = await AdminLoginAttempt.count({
    where: { ip, success: false, createdAt: { [Op.gt]: new Date(now.getTime() - IP_WINDOW_MS) } },
  });
  if (ipFailures >= IP_MAX_FAILURES) throw new AppError('RATE_LIMITED', '登录失败次数过多，请稍后再试');

  const admin = await Admin.findOne({ where: { username } });
  if (admin?.lockedUntil && admin.lockedUntil.getTime() > now.getTime()) {
    await record(false);
    throw new AppError('RATE_LIMITED', '登录失败次数过多，账号已临时锁定，请稍后再试');
  }
  const ok = await passwordMatches(password, admin?.passwordHash ?? (await dummyHash()));
  if (!admin || !ok) {
    await record(false);
    if (admin) await countFailure(ctx, admin);
    ctx.logger.warn({ username: username.slice(0, 64), ip }, 'admin login failed');
    throw new AppError('INVALID_CREDENTIALS');
  }
  await Admin.update({ failedLogins: 0, lockedUntil: null, lastLoginAt: now }, { where: { id: admin.id } });
  await record(true);
  await AdminLoginAttempt.destroy({ where: { createdAt: { [Op.lt]: new Date(now.getTime() - KEEP_ATTEMPTS_MS) } } });
  ctx.logger.info({ admin: admin.username, ip }, 'admin logged in');
  return admin;
}

/** +1 consecutive failure (atomic); the 5th locks the account and starts the count again. */
async function countFailure(ctx: AppContext, admin: Admin): Promise<void> {
  const now = ctx.now();
  const { Admin } = ctx.db.models;
  await Admin.update({ failedLogins: ctx.db.sequelize.literal('failedLogins + 1') as unknown as number }, { where: { id: admin.id } });
  const [locked] = await Admin.update(
    { failedLogins: 0, lockedUntil: new Date(now.getTime() + LOCK_MS) },
    { where: { id: admin.id, failedLogins: { [Op.gte]: LOCK_AFTER_FAILURES } } },
  );
  if (locked) ctx.logger.warn({ admin: admin.username }, 'admin account locked after repeated login failures');
}
