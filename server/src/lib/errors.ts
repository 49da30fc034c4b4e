import { ERROR_CODES, type ErrorCode } from '@aizhao/shared';

/** The one error type of the server. Thrown anywhere; the error middleware turns it into the contract's shape. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown[],
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CODES[code].message, options);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }
}

/** A vendor call failed (transport error, unexpected status, or an answer we cannot use). */
export class VendorError extends Error {
  constructor(
    readonly vendor: 'cos' | 'ci' | 'sts' | 'sms' | 'wechatpay' | 'alipay' | 'runninghub',
    message: string,
    readonly details: { status?: number; code?: string; retryable?: boolean } = {},
    options?: { cause?: unknown },
  ) {
    super(`${vendor}: ${message}`, options);
    this.name = 'VendorError';
  }
}
