/**
 * Bounded, jittered retries of vendor calls that are safe to repeat (reads, idempotent writes), on p-retry, and a
 * deadline for calls whose client has no total timeout of its own. Calls that are not safe to repeat (RunningHub
 * `run`, SMS SendSms) never go through `withRetry` blindly.
 */
import pRetry from 'p-retry';
import { VendorError } from './errors.js';

export interface RetryPolicy {
  /** retries after the first attempt (0: none) */
  retries: number;
  /** delay before the first retry, ms; doubled per retry, each delay multiplied by a random factor in [1, 2) */
  minMs: number;
  /** cap of one delay, ms */
  maxMs: number;
}

export const NO_RETRY: RetryPolicy = { retries: 0, minMs: 0, maxMs: 0 };

/** A VendorError its client marked retryable (5xx, 429, a transport error or a timeout). */
export const isRetryableVendorError = (err: unknown): boolean => err instanceof VendorError && err.details.retryable === true;

/**
 * Runs `run` and, when it throws an error `shouldRetry` accepts, runs it again after a jittered exponential delay,
 * at most `policy.retries` times. `onRetry` sees each failed attempt that will be retried (for logs and tests).
 */
export function withRetry<T>(
  policy: RetryPolicy,
  run: (attempt: number) => Promise<T>,
  o: { shouldRetry?: (err: unknown) => boolean; onRetry?: (err: unknown, attempt: number) => void } = {},
): Promise<T> {
  const shouldRetry = o.shouldRetry ?? isRetryableVendorError;
  if (policy.retries <= 0) return run(1);
  return pRetry((attempt) => run(attempt), {
    retries: policy.retries,
    factor: 2,
    minTimeout: policy.minMs,
    maxTimeout: policy.maxMs,
    randomize: true,
    shouldRetry: ({ error }) => shouldRetry(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && shouldRetry(error)) o.onRetry?.(error, attemptNumber);
    },
  });
}

/**
 * Settles with `promise`, or rejects with `onTimeout()` after `ms` (the call itself is not aborted: for SDKs that
 * offer no abort and no total timeout, only an idle one).
 */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
