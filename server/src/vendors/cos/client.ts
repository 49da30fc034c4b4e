/** The one cos-nodejs-sdk-v5 client factory shared by storage and CI, and the SDK-error → VendorError mapping. */
import COS from 'cos-nodejs-sdk-v5';
import { VendorError } from '../../lib/errors.js';
import { withDeadline } from '../../lib/retry.js';
import type { CosEndpointOptions } from './endpoint.js';

export interface CosClientOptions extends CosEndpointOptions {
  /** the SDK's request timeout in ms (connect and idle, not the whole body; default 60 s) */
  timeoutMs?: number;
}

/**
 * The SDK retries a call itself, immediately, up to 3 times on 5xx, ECONNRESET or no answer (base.js submitRequest:
 * `tryTimes < 4`), and its timeout is an idle one, so a slowly dripping body never trips it: each call therefore
 * also gets a deadline of SDK_ATTEMPTS × the timeout. No second retry layer is stacked on top of the SDK's.
 */
export const SDK_ATTEMPTS = 4;
export const cosDeadlineMs = (o: Pick<CosClientOptions, 'timeoutMs'>): number => SDK_ATTEMPTS * (o.timeoutMs ?? 60_000);

export function createCosClient(o: CosClientOptions): COS {
  return new COS({
    SecretId: o.secretId,
    SecretKey: o.secretKey,
    ...(o.domain ? { Domain: o.domain } : {}),
    ...(o.protocol ? { Protocol: o.protocol } : {}),
    Timeout: o.timeoutMs ?? 60_000,
  });
}

/** HTTP status of an SDK error, when the server answered. */
export function cosErrorStatus(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/** Runs one SDK call within `deadlineMs`; a missed deadline is a retryable VendorError (code TIMEOUT). */
export function cosDeadline<T>(vendor: 'cos' | 'ci', operation: string, deadlineMs: number, call: Promise<T>): Promise<T> {
  return withDeadline(
    call,
    deadlineMs,
    () => new VendorError(vendor, `${operation} timed out after ${deadlineMs} ms`, { code: 'TIMEOUT', retryable: true }),
  );
}

/** Runs one SDK call within `deadlineMs`, turning its failure into a VendorError. */
export async function cosCall<T>(vendor: 'cos' | 'ci', operation: string, run: () => Promise<T>, deadlineMs: number): Promise<T> {
  try {
    return await cosDeadline(vendor, operation, deadlineMs, run());
  } catch (err) {
    throw toVendorError(vendor, operation, err);
  }
}

/** Wraps an SDK error (`{code, message, statusCode}`) into a VendorError; 5xx and transport errors are retryable. */
export function toVendorError(vendor: 'cos' | 'ci', operation: string, err: unknown): VendorError {
  if (err instanceof VendorError) return err;
  const status = cosErrorStatus(err);
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new VendorError(
    vendor,
    `${operation} failed: ${message}`,
    { status, code, retryable: status === undefined || status >= 500 || status === 429 },
    { cause: err },
  );
}
