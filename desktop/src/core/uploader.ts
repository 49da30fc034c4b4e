/**
 * Uploads inputs straight to COS with cos-nodejs-sdk-v5 and temporary credentials from `POST /storage/sts`:
 * simple upload for small files, multipart above `sliceSize`, byte progress, and retries with backoff. The
 * credentials are cached and fetched again a while before they expire.
 */
import COS from 'cos-nodejs-sdk-v5';
import type { StsResponse } from '@aizhao/shared';
import pRetry, { AbortError } from 'p-retry';
import type { ApiClient } from './api-client.js';
import { DesktopError } from './errors.js';
import { proxyUrlFromPac } from './proxy.js';

/** Fetch new credentials when the cached ones have less than this left. */
const STS_REFRESH_MARGIN_SECONDS = 5 * 60;

/** One `POST /storage/sts` at a time, reused until shortly before it expires. */
export class StsCache {
  private current: StsResponse | null = null;
  private pending: Promise<StsResponse> | null = null;

  constructor(
    private readonly api: Pick<ApiClient, 'sts'>,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get(): Promise<StsResponse> {
    if (this.current && this.current.expiredTime - this.nowSeconds() > STS_REFRESH_MARGIN_SECONDS) return Promise.resolve(this.current);
    this.pending ??= this.api
      .sts()
      .then((s) => (this.current = s))
      .finally(() => (this.pending = null));
    return this.pending;
  }

  /** forget the credentials (storage refused them) */
  invalidate(): void {
    this.current = null;
  }
}

export interface UploadSource {
  path: string;
  size: number;
  mime: string;
}

export interface UploaderOptions {
  /** from `/client-config` `cos.domain` / `cos.protocol`: a non-default endpoint (the sandbox) */
  domain?: string;
  protocol?: string;
  /** files above this go multipart */
  sliceSize?: number;
  chunkSize?: number;
  retries?: number;
  minRetryDelayMs?: number;
  /**
   * The system proxy for a URL, in PAC syntax (Electron's `session.resolveProxy`): the COS SDK makes its own
   * requests, so it is handed the proxy Chromium would use for the bucket's endpoint.
   */
  resolveProxy?: (url: string) => Promise<string>;
}

/** The URL the COS SDK will request for a bucket (its `Domain` template, or the public endpoint). */
export function cosEndpoint(bucket: string, region: string, o: Pick<UploaderOptions, 'domain' | 'protocol'>): string {
  const host = (o.domain ?? '{Bucket}.cos.{Region}.myqcloud.com').replaceAll('{Bucket}', bucket).replaceAll('{Region}', region);
  return `${o.protocol ?? 'https:'}//${host}/`;
}

export class Uploader {
  private readonly cos: COS;

  constructor(
    private readonly sts: StsCache,
    private readonly o: UploaderOptions = {},
  ) {
    this.cos = new COS({
      ...(o.domain ? { Domain: o.domain } : {}),
      ...(o.protocol ? { Protocol: o.protocol } : {}),
      ChunkSize: o.chunkSize ?? 1024 * 1024,
      ChunkParallelLimit: 3,
      ChunkRetryTimes: 2,
      Timeout: 120_000,
      getAuthorization: (_opts: unknown, done: (p: COS.GetAuthorizationCallbackParams) => void) => {
        sts.get().then(
          (s) =>
            done({
              TmpSecretId: s.credentials.tmpSecretId,
              TmpSecretKey: s.credentials.tmpSecretKey,
              SecurityToken: s.credentials.sessionToken,
              StartTime: s.startTime,
              ExpiredTime: s.expiredTime,
            }),
          // no credentials: the SDK fails the request with a parameter error, and `upload` retries
          () => done({} as COS.GetAuthorizationCallbackParams),
        );
      },
    } as COS.COSOptions);
  }

  /** The key prefix this user may upload under (`input/<userId>/`). */
  async prefix(): Promise<string> {
    return (await this.sts.get()).allowPrefix;
  }

  /** Uploads one file to `key`; `onProgress` receives the bytes sent so far. */
  async upload(file: UploadSource, key: string, onProgress: (bytes: number) => void): Promise<void> {
    await pRetry(
      async () => {
        const s = await this.sts.get().catch((e: unknown) => {
          throw e instanceof DesktopError && !e.transient ? new AbortError(e) : e;
        });
        // the SDK reads `options.Proxy` for each request it makes (cos-nodejs-sdk-v5 sdk/base.js, submitRequest)
        if (this.o.resolveProxy) {
          const pac = await this.o.resolveProxy(cosEndpoint(s.bucket, s.region, this.o)).catch(() => 'DIRECT');
          (this.cos as unknown as { options: { Proxy: string } }).options.Proxy = proxyUrlFromPac(pac) ?? '';
        }
        try {
          await this.cos.uploadFile({
            Bucket: s.bucket,
            Region: s.region,
            Key: key,
            FilePath: file.path,
            ContentType: file.mime,
            SliceSize: this.o.sliceSize ?? 4 * 1024 * 1024,
            onProgress: (p) => onProgress(Math.min(p.loaded, file.size)),
          });
        } catch (e) {
          const err = e as { code?: string; statusCode?: number; message?: string };
          if (err.code === 'ENOENT' || err.code === 'EACCES')
            throw new AbortError(new DesktopError('FILE_UNREADABLE', '无法读取文件（已被移动或删除）'));
          if (err.statusCode === 403) this.sts.invalidate();
          throw new DesktopError('UPLOAD_FAILED', '上传失败，请检查网络后重试', err.statusCode, { cause: e });
        }
      },
      { retries: this.o.retries ?? 4, minTimeout: this.o.minRetryDelayMs ?? 1000, factor: 2 },
    );
    onProgress(file.size);
  }
}
