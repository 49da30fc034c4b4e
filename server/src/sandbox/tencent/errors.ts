/**
 * Tencent Cloud API answers: always HTTP 200 with `Response`, failures as `Response.Error {Code, Message}` — the
 * common error codes of API 3.0 ("Error Codes / Common Error Codes", e.g. tencentcloud.com/document/api/1227/61822),
 * which API v1 (the signature qcloud-cos-sts uses) shares for authentication.
 */
import { randomUUID } from 'node:crypto';

export interface TencentAnswer {
  Response: Record<string, unknown> & { RequestId: string };
}

export class TencentApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The wording Tencent uses for the authentication failures (the common error-code table). */
export const AUTH_MESSAGES = {
  'AuthFailure.SecretIdNotFound': 'The SecretId is not found, please ensure that your SecretId is correct.',
  'AuthFailure.SignatureFailure': 'The provided credentials could not be validated. Please check your signature is correct.',
  'AuthFailure.SignatureExpire': 'Signature expired. Timestamp and server time cannot differ by more than five minutes.',
  'AuthFailure.InvalidAuthorization': 'Authorization in the request header is invalid.',
} as const;

export const authFailure = (code: keyof typeof AUTH_MESSAGES): TencentApiError => new TencentApiError(code, AUTH_MESSAGES[code]);

export const answer = (fields: Record<string, unknown>): TencentAnswer => ({ Response: { ...fields, RequestId: randomUUID() } });

export const errorAnswer = (err: TencentApiError): TencentAnswer => answer({ Error: { Code: err.code, Message: err.message } });

/** Tencent's clock tolerance for Timestamp / X-TC-Timestamp (AuthFailure.SignatureExpire). */
export const MAX_CLOCK_SKEW_SECONDS = 300;
