/**
 * Phone + SMS code login. Codes: 6 CSPRNG digits, stored as an HMAC, valid SMS_CODE_TTL_SECONDS, single use, dead after
 * SMS_MAX_ATTEMPTS wrong tries. Send limits per phone (cooldown, daily) and per IP (hourly) are counted in the database.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { Op } from 'sequelize';
import { phoneSchema, type LoginResponse } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { isUniqueViolation } from '../../db/index.js';
import type { User } from '../../db/models.js';
import { AppError, VendorError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { startOfBusinessDay } from '../../lib/time.js';
import { getUserWithLapse } from '../quota/ledger.js';
import { toUserView } from './views.js';
import { issueToken } from './tokens.js';

function checkPhone(phone: string): string {
  if (!phoneSchema.safeParse(phone).success) throw new AppError('INVALID_PHONE');
  return phone;
}

const hashCode = (secret: string, phone: string, code: string): string =>
  createHmac('sha256', secret).update(`sms-login:${phone}:${code}`).digest('hex');

export async function sendLoginCode(ctx: AppContext, phoneInput: string, ip: string): Promise<{ ok: true; cooldownSeconds: number }> {
  const phone = checkPhone(phoneInput);
  const { sms } = ctx.config;
  const now = ctx.now();
  const { SmsCode } = ctx.db.models;

  // the limits are counted and the code recorded under one lock shared by every instance (job_locks row 'sms'):
  // on MariaDB a locking read taken before the first plain read (so the counts see every send committed before);
  // on SQLite the IMMEDIATE transaction excludes every other writer
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const row = await ctx.db.transaction(async (transaction) => {
    if (ctx.db.dialect === 'mysql') await ctx.db.sequelize.query("SELECT name FROM job_locks WHERE name = 'sms' FOR UPDATE", { transaction });
    const last = await SmsCode.findOne({ where: { phone }, order: [['createdAt', 'DESC']], transaction });
    if (last && now.getTime() - last.createdAt.getTime() < sms.phoneCooldownSeconds * 1000) {
      throw new AppError('RATE_LIMITED', '验证码发送太频繁，请稍后再试');
    }
    const today = await SmsCode.count({ where: { phone, createdAt: { [Op.gte]: startOfBusinessDay(now, ctx.config.timezone) } }, transaction });
    if (today >= sms.phoneDailyLimit) throw new AppError('RATE_LIMITED', '今日验证码发送次数已达上限');
    const fromIp = await SmsCode.count({ where: { ip, createdAt: { [Op.gte]: new Date(now.getTime() - 3600_000) } }, transaction });
    if (fromIp >= sms.ipHourlyLimit) throw new AppError('RATE_LIMITED', '请求太频繁，请稍后再试');
    return SmsCode.create(
      {
        id: newId(),
        phone,
        ip,
        codeHash: hashCode(ctx.config.jwt.secret, phone, code),
        expiresAt: new Date(now.getTime() + sms.codeTtlSeconds * 1000),
        consumedAt: null,
        createdAt: now,
      },
      { transaction },
    );
  });
  try {
    await ctx.vendors.sms.sendLoginCode(phone, code, Math.ceil(sms.codeTtlSeconds / 60));
  } catch (err) {
    await row.destroy();
    ctx.logger.error({ err, phone: `${phone.slice(0, 3)}****` }, 'sms send failed');
    throw new AppError('SERVICE_UNAVAILABLE', '短信发送失败，请稍后再试', undefined, { cause: err instanceof VendorError ? err : undefined });
  }
  return { ok: true, cooldownSeconds: sms.phoneCooldownSeconds };
}



export async function login(ctx: AppContext, phoneInput: string, code: string): Promise<LoginResponse> {
  const phone = checkPhone(phoneInput);
  const now = ctx.now();
  const { SmsCode, User } = ctx.db.models;
  const latest = await SmsCode.findOne({ where: { phone }, order: [['createdAt', 'DESC']] });
  if (!latest || latest.consumedAt || latest.expiresAt.getTime() <= now.getTime()) throw new AppError('INVALID_CODE');
  const max = ctx.config.sms.maxAttempts;
  if (latest.attempts >= max) throw new AppError('TOO_MANY_ATTEMPTS');

  const expected = Buffer.from(latest.codeHash, 'hex');
  const actual = Buffer.from(hashCode(ctx.config.jwt.secret, phone, String(code)), 'hex');
  if (!/^\d{6}$/.test(String(code)) || !timingSafeEqual(expected, actual)) {
    const [affected] = await SmsCode.update(
      { attempts: ctx.db.sequelize.literal('attempts + 1') as unknown as number },
      { where: { id: latest.id, attempts: { [Op.lt]: max } } },
    );
    if (affected === 0) throw new AppError('TOO_MANY_ATTEMPTS');
    throw new AppError('INVALID_CODE');
  }
  const [consumed] = await SmsCode.update(
    { consumedAt: now },
    { where: { id: latest.id, consumedAt: null, attempts: { [Op.lt]: max } } },
  );
  if (consumed === 0) throw new AppError('INVALID_CODE');

  let user: User | null = await User.findOne({ where: { phone } });
  if (!user) {
    try {
      user = await User.create({ id: newId(), phone, quotaExpireAt: null, createdAt: now, updatedAt: now });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      user = await User.findOne({ where: { phone } });
      if (!user) throw err;
    }
  }
  const fresh = await getUserWithLapse(ctx.db, user.id, now);
  const { token, expiresAt } = await issueToken(ctx.config.jwt.secret, user.id, ctx.config.jwt.expire, now);
  ctx.logger.info({ userId: user.id }, 'merchant logged in');
  return { token, expiresAt: expiresAt.toISOString(), user: toUserView(fresh, now) };
}
