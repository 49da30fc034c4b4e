/** Temporary COS upload credentials: the real Tencent STS (qcloud-cos-sts) and the sandbox emulator's issuer. */
import STS, { type CredentialData } from 'qcloud-cos-sts';
import { VendorError } from '../../lib/errors.js';
import { NO_RETRY, withDeadline, withRetry, type RetryPolicy } from '../../lib/retry.js';
import type { StsIssuer, TemporaryCredentials } from '../types.js';
import { buildUploadPolicy, type UploadPolicy } from './upload-policy.js';

export { buildUploadPolicy, UPLOAD_ACTIONS, type UploadPolicy } from './upload-policy.js';

export interface QcloudStsOptions {
  secretId: string;
  secretKey: string;
  region: string;
  /** account APPID (the `-<appId>` suffix of the bucket name) */
  appId: string;
  /** full bucket name `<name>-<appId>` */
  bucket: string;
  /** STS host (default `sts.tencentcloudapi.com`; e.g. `sts.internal.tencentcloudapi.com` inside Tencent Cloud). Always https. */
  host?: string;
  /** per attempt (qcloud-cos-sts sets no timeout on its axios call); default 10 s */
  timeoutMs?: number;
  /** GetFederationToken only mints a key: repeating it is harmless */
  retry?: RetryPolicy;
}

export class QcloudStsIssuer implements StsIssuer {
  constructor(private readonly opts: QcloudStsOptions) {}

  private async getCredential(params: Parameters<typeof STS.getCredential>[0]): Promise<CredentialData> {
    try {
      return await STS.getCredential(params);
    } catch (err) {
      // Either a Tencent API error ({Code, Message, RequestId}) or a transport error from axios.
      const e = err as { Code?: unknown; Message?: unknown; message?: unknown; response?: { status?: unknown } };
      const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
      const code = typeof e.Code === 'string' ? e.Code : undefined;
      const apiError = code !== undefined;
      throw new VendorError(
        'sts',
        `GetFederationToken failed: ${String(apiError ? e.Message : (e.message ?? err))}`,
        { status, code, retryable: !apiError || code.startsWith('InternalError') || code === 'RequestLimitExceeded' },
        { cause: err },
      );
    }
  }

  async issue(o: { allowPrefix: string; durationSeconds: number; maxBytes: number }): Promise<TemporaryCredentials> {
    const { secretId, secretKey, region, appId, bucket, host } = this.opts;
    const policy = buildUploadPolicy({ region, appId, bucket, allowPrefix: o.allowPrefix, maxBytes: o.maxBytes });
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const data = await withRetry(this.opts.retry ?? NO_RETRY, () =>
      withDeadline(
        this.getCredential({ secretId, secretKey, region, policy, durationSeconds: o.durationSeconds, ...(host ? { host } : {}) }),
        timeoutMs,
        () => new VendorError('sts', `GetFederationToken timed out after ${timeoutMs} ms`, { code: 'TIMEOUT', retryable: true }),
      ),
    );
    const c = data.credentials;
    if (!c?.tmpSecretId || !c.tmpSecretKey || !c.sessionToken || !Number.isFinite(data.expiredTime)) {
      throw new VendorError('sts', 'GetFederationToken answered without credentials', { retryable: false });
    }
    return {
      credentials: { tmpSecretId: c.tmpSecretId, tmpSecretKey: c.tmpSecretKey, sessionToken: c.sessionToken },
      startTime: data.startTime,
      expiredTime: data.expiredTime,
    };
  }
}

/** The sandbox STS: the COS emulator issues (and later enforces) the temporary key itself. */
export class SandboxStsIssuer implements StsIssuer {
  constructor(
    private readonly emulator: {
      readonly bucket: string;
      readonly region: string;
      issueTemporaryKey(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials;
    },
  ) {}

  /** The same policy as the real STS gets, which the emulator then enforces. */
  async issue(o: { allowPrefix: string; durationSeconds: number; maxBytes: number }): Promise<TemporaryCredentials> {
    const { bucket, region } = this.emulator;
    const appId = bucket.slice(bucket.lastIndexOf('-') + 1);
    const policy = buildUploadPolicy({ region, appId, bucket, allowPrefix: o.allowPrefix, maxBytes: o.maxBytes });
    return this.emulator.issueTemporaryKey({ policy, durationSeconds: o.durationSeconds });
  }
}
