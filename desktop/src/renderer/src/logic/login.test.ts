import { describe, expect, it } from 'vitest';
import { digitsOnly, isValidCode, isValidPhone, loginError, resendSecondsLeft, sendCodeLabel } from './login';

describe('login inputs', () => {
  it('accepts mainland mobile numbers only', () => {
    expect(isValidPhone('13812345678')).toBe(true);
    expect(isValidPhone('19912345678')).toBe(true);
    expect(isValidPhone('12812345678')).toBe(false);
    expect(isValidPhone('1381234567')).toBe(false);
    expect(isValidPhone('138123456789')).toBe(false);
  });

  it('accepts six-digit codes only', () => {
    expect(isValidCode('123456')).toBe(true);
    expect(isValidCode('12345')).toBe(false);
    expect(isValidCode('12345a')).toBe(false);
  });

  it('keeps digits only, up to the limit', () => {
    expect(digitsOnly('138 1234-5678', 11)).toBe('13812345678');
    expect(digitsOnly('1234567', 6)).toBe('123456');
  });

  it('reports the phone before the code', () => {
    expect(loginError('123', '')).toBe('请输入正确的 11 位手机号');
    expect(loginError('13812345678', '12')).toBe('请输入 6 位验证码');
    expect(loginError('13812345678', '123456')).toBeNull();
  });
});

describe('SMS resend countdown', () => {
  const sentAt = 1_000_000;

  it('counts 60 seconds down from the send', () => {
    expect(resendSecondsLeft(sentAt, sentAt)).toBe(60);
    expect(resendSecondsLeft(sentAt, sentAt + 500)).toBe(60);
    expect(resendSecondsLeft(sentAt, sentAt + 1000)).toBe(59);
    expect(resendSecondsLeft(sentAt, sentAt + 59_001)).toBe(1);
    expect(resendSecondsLeft(sentAt, sentAt + 60_000)).toBe(0);
    expect(resendSecondsLeft(sentAt, sentAt + 90_000)).toBe(0);
  });

  it('follows the cooldown the server gave, and allows sending before any send', () => {
    expect(resendSecondsLeft(sentAt, sentAt, 30)).toBe(30);
    expect(resendSecondsLeft(null, sentAt)).toBe(0);
  });

  it('labels the button', () => {
    expect(sendCodeLabel(60)).toBe('60 秒后重发');
    expect(sendCodeLabel(0)).toBe('获取验证码');
  });
});
