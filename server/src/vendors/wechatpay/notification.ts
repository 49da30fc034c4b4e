/**
 * Verifies and decrypts a WeChat Pay v3 notification (signature verification: pay.weixin.qq.com/docs/merchant/development/interface-rules/build-verify-sign-src.html; resource decryption: pay.weixin.qq.com/doc/global/v3/zh/4014096450).
 * The caller answers WeChat with `WxNotifyError.status` and `{"code":"FAIL","message":…}` on failure, 204 on success.
 */
import type { KeyObject } from 'node:crypto';
import type { WxNotification, WxRefundNotice, WxTransaction } from '../types.js';
import { decryptResource, RESOURCE_ALGORITHM } from './keys.js';
import { checkSignedMessage, DEFAULT_MAX_SKEW_SECONDS, type HeaderMap } from './signing.js';

export const TRANSACTION_SUCCESS = 'TRANSACTION.SUCCESS';
/**
 * Refund results, sent to the refund's notify_url (or the refund URL set in the merchant platform) when a refund
 * succeeds, closes or turns abnormal; resource.original_type `refund` (pay.weixin.qq.com/doc/v3/merchant/4012791865).
 */
export const REFUND_EVENTS = ['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'] as const;
const REFUND_STATES = new Set(['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL']);

/** A notification we refuse: 401 for anything about the signature, 400 for the body. */
export class WxNotifyError extends Error {
  constructor(
    readonly status: 400 | 401,
    /** machine-readable reason, e.g. `bad_signature`, `decrypt_failed` */
    readonly reason: string,
    message?: string,
  ) {
    super(message ?? `wechatpay notification rejected: ${reason}`);
    this.name = 'WxNotifyError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(text: string, reason: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WxNotifyError(400, reason);
  }
}

export function verifyNotification(input: {
  headers: HeaderMap;
  rawBody: Buffer | string;
  keys: Map<string, KeyObject>;
  apiV3Key: string;
  nowMs?: number;
  maxSkewSeconds?: number;
}): WxNotification {
  if (Buffer.byteLength(input.apiV3Key, 'utf8') !== 32) {
    throw new Error('wechatpay: the APIv3 key must be 32 bytes'); // configuration error, not the sender's fault
  }
  const check = checkSignedMessage({
    headers: input.headers,
    body: input.rawBody,
    keys: input.keys,
    nowMs: input.nowMs,
    maxSkewSeconds: input.maxSkewSeconds ?? DEFAULT_MAX_SKEW_SECONDS,
  });
  if (!check.ok) throw new WxNotifyError(401, check.reason);

  const text = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  const body = parseJson(text, 'malformed_body');
  if (!isObject(body) || typeof body.event_type !== 'string') throw new WxNotifyError(400, 'malformed_body');
  const eventType = body.event_type;
  const isRefund = (REFUND_EVENTS as readonly string[]).includes(eventType);
  if (eventType !== TRANSACTION_SUCCESS && !isRefund) return { kind: 'other', eventType };

  const resource = body.resource;
  if (
    !isObject(resource) ||
    typeof resource.ciphertext !== 'string' ||
    typeof resource.nonce !== 'string' ||
    (resource.associated_data !== undefined && typeof resource.associated_data !== 'string')
  ) {
    throw new WxNotifyError(400, 'malformed_resource');
  }
  if (resource.algorithm !== RESOURCE_ALGORITHM) throw new WxNotifyError(400, 'unsupported_algorithm');

  let plaintext: string;
  try {
    plaintext = decryptResource({
      ciphertext: resource.ciphertext,
      nonce: resource.nonce,
      associatedData: resource.associated_data as string | undefined,
      apiV3Key: input.apiV3Key,
    });
  } catch {
    throw new WxNotifyError(400, 'decrypt_failed');
  }
  if (isRefund) return { kind: 'refund', eventType, refund: refundNotice(plaintext, eventType) };
  const transaction = parseJson(plaintext, 'malformed_transaction');
  if (
    !isObject(transaction) ||
    typeof transaction.out_trade_no !== 'string' ||
    typeof transaction.trade_state !== 'string'
  ) {
    throw new WxNotifyError(400, 'malformed_transaction');
  }
  return { kind: 'transaction', eventType, transaction: transaction as unknown as WxTransaction };
}

/** The decrypted refund of a REFUND.* event; its refund_status must be the event's. */
function refundNotice(plaintext: string, eventType: string): WxRefundNotice {
  const r = parseJson(plaintext, 'malformed_refund');
  const amount = isObject(r) ? r.amount : undefined;
  if (
    !isObject(r) ||
    typeof r.out_trade_no !== 'string' ||
    typeof r.out_refund_no !== 'string' ||
    typeof r.refund_id !== 'string' ||
    typeof r.refund_status !== 'string' ||
    !REFUND_STATES.has(r.refund_status) ||
    `REFUND.${r.refund_status}` !== eventType ||
    !isObject(amount) ||
    !Number.isInteger(amount.refund) ||
    !Number.isInteger(amount.total)
  ) {
    throw new WxNotifyError(400, 'malformed_refund');
  }
  return r as unknown as WxRefundNotice;
}
