/** The login form: input checks and the SMS resend countdown. */

/** Seconds before another code may be requested when the server does not say. */
export const SMS_COOLDOWN_SECONDS = 60;

export const isValidPhone = (phone: string): boolean => /^1[3-9]\d{9}$/.test(phone);
export const isValidCode = (code: string): boolean => /^\d{6}$/.test(code);

/** Keeps only digits, at most `max` of them (what the inputs accept as the merchant types or pastes). */
export const digitsOnly = (value: string, max: number): string => value.replace(/\D/g, '').slice(0, max);

export const phoneError = (phone: string): string | null => (isValidPhone(phone) ? null : '请输入正确的 11 位手机号');

export function loginError(phone: string, code: string): string | null {
  return phoneError(phone) ?? (isValidCode(code) ? null : '请输入 6 位验证码');
}

/** Whole seconds until a new code may be sent; 0 when it may. */
export function resendSecondsLeft(sentAtMs: number | null, nowMs: number, cooldownSeconds = SMS_COOLDOWN_SECONDS): number {
  if (sentAtMs === null) return 0;
  return Math.max(0, Math.ceil((sentAtMs + cooldownSeconds * 1000 - nowMs) / 1000));
}

export const sendCodeLabel = (secondsLeft: number): string => (secondsLeft > 0 ? `${secondsLeft} 秒后重发` : '获取验证码');
