/**
 * Admin login: scrypt verification (a dummy hash for unknown usernames, so both cost the same) and three limits, all
 * counted in admin_login_attempts (so they hold across instances):
 * - per IP: at most 20 failures per 15 minutes, whatever the usernames (→ 429);
 * - per account AND IP: 5 failures in a row from one address lock that account for that address for 15 minutes.
 *   Someone failing on purpose from their own address cannot lock the operator out from another one;
 * - per account, from every address together: after 10 failures within 15 minutes each further attempt must wait
 *   2 seconds after the last failure (→ 429 with Retry-After). A distributed guesser is slowed to a crawl, and the
 *   operator still gets in by trying again a moment later.
 * Failed logins, lock-outs and slow-downs are written to the audit log.
 */
import { randomBytes } from 'node:crypto';
import { Op } from 'sequelize';
import type { AppContext } from '../../../context.js';
import type { Admin } from '../../../db/models.js';
import { AppError } from '../../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../../lib/password.js';
import { writeAudit } from '../audit/service.js';

export const LOCK_AFTER_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;
export const IP_MAX_FAILURES = 20;
export const IP_WINDOW_MS = 15 * 60_000;
export const ACCOUNT_SLOWDOWN_AFTER = 10;
export const ACCOUNT_SLOWDOWN_MS = 2000;
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

/** A refused login: the error to answer, and what the audit log says about it. */
class LoginRefusal extends AppError {
  constructor(
    readonly why: 'ip_limited' | 'locked' | 'slowed' | 'bad_credentials',
    code: 'RATE_LIMITED' | 'INVALID_CREDENTIALS',
    message?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }
}

export async function verifyAdminLogin(ctx: AppContext, usernameInput: string, password: string, ipInput: string | undefined): Promise<Admin> {
  const now = ctx.now();
  const ip = (ipInput ?? 'unknown').slice(0, 64);
  const username = usernameInput.slice(0, 64);
  const { Admin, AdminLoginAttempt } = ctx.db.models;
  const record = (success: boolean) => AdminLoginAttempt.create({ ip, username, success, createdAt: now });
  const since = (ms: number) => ({ [Op.gt]: new Date(now.getTime() - ms) });
  const admin = await Admin.findOne({ where: { username } });
  try {
    const ipFailures = await AdminLoginAttempt.count({ where: { ip, success: false, createdAt: since(IP_WINDOW_MS) } });
    if (ipFailures >= IP_MAX_FAILURES) throw new LoginRefusal('ip_limited', 'RATE_LIMITED', '登录失败次数过多，请稍后再试');

    // failures in a row of this account from this address (since its last success here, within the lock period)
    // (ordered by id, not time: attempts within one millisecond keep their order)
    const lastSuccessHere = await AdminLoginAttempt.findOne({ attributes: ['id'], where: { ip, username, success: true }, order: [['id', 'DESC']] });
    const failuresHere = await AdminLoginAttempt.count({
      where: { ip, username, success: false, createdAt: since(LOCK_MS), ...(lastSuccessHere ? { id: { [Op.gt]: lastSuccessHere.id } } : {}) },
    });
    if (failuresHere >= LOCK_AFTER_FAILURES) throw new LoginRefusal('locked', 'RATE_LIMITED', '登录失败次数过多，该账号在此网络已临时锁定，请 15 分钟后再试');

    const recent = await AdminLoginAttempt.findAll({
      attributes: ['createdAt'],
      where: { username, success: false, createdAt: since(IP_WINDOW_MS) },
      order: [['createdAt', 'DESC']],
      limit: ACCOUNT_SLOWDOWN_AFTER,
    });
    if (recent.length >= ACCOUNT_SLOWDOWN_AFTER) {
      const waitMs = recent[0]!.createdAt.getTime() + ACCOUNT_SLOWDOWN_MS - now.getTime();
      if (waitMs > 0) {
        throw new LoginRefusal('slowed', 'RATE_LIMITED', '该账号近期登录失败较多，请稍候几秒再试', Math.ceil(waitMs / 1000));
      }
    }

    const ok = await passwordMatches(password, admin?.passwordHash ?? (await dummyHash()));
    if (!admin || !ok) {
      if (failuresHere + 1 === LOCK_AFTER_FAILURES && admin) {
        await writeAudit(ctx, { adminId: null, username }, { action: 'admin.locked', target: { type: 'admin', id: admin.id }, details: { ip, minutes: LOCK_MS / 60_000 } });
        ctx.logger.warn({ admin: username, ip }, 'admin account locked for this address after repeated login failures');
      }
      throw new LoginRefusal('bad_credentials', 'INVALID_CREDENTIALS');
    }
  } catch (err) {
    if (!(err instanceof LoginRefusal)) throw err;
    await record(false);
    await writeAudit(ctx, { adminId: null, username }, {
      action: 'admin.login_failed',
      ...(admin ? { target: { type: 'admin' as const, id: admin.id } } : {}),
      details: { ip, why: err.why },
    });
    ctx.logger.warn({ username, ip, why: err.why }, 'admin login refused');
    throw err;
  }
  if (!admin) throw new Error('unreachable: a login without an account was refused above');
  await Admin.update({ failedLogins: 0, lockedUntil: null, lastLoginAt: now }, { where: { id: admin.id } });
  await record(true);
  await AdminLoginAttempt.destroy({ where: { createdAt: { [Op.lt]: new Date(now.getTime() - KEEP_ATTEMPTS_MS) } } });
  ctx.logger.info({ admin: admin.username, ip }, 'admin logged in');
  return admin;
}

/** Seconds a refused login should wait before the next try (for Retry-After), if the refusal says. */
export const retryAfterOf = (err: unknown): number | undefined => (err instanceof LoginRefusal ? err.retryAfterSeconds : undefined);
