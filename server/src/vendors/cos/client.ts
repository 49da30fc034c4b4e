/** The one cos-nodejs-sdk-v5 client factory shared by storage and CI, and the SDK-error → VendorError mapping. */
import COS from 'cos-nodejs-sdk-v5';
import { VendorError } from '../../lib/errors.js';

export interface CosClientOptions {
  secretId: string;
  secretKey: string;
  /** full bucket name `<name>-<appId>` */
  bucket: string;
  region: string;
  /** SDK `Domain`, e.g. the sandbox's `127.0.0.1:8787/sandbox/cos`; default: the real COS host */
  domain?: string;
  /** SDK `Protocol`; default https */
  protocol?: 'http:' | 'https:';
  /** request timeout in ms (default 60 s) */
  timeoutMs?: number;
}

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

/** Runs one SDK call, turning its failure into a VendorError. */
export async function cosCall<T>(vendor: 'cos' | 'ci', operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
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
