/**
 * Uploads inputs straight to COS with cos-nodejs-sdk-v5 and temporary credentials from `POST /storage/sts`:
 * simple upload for small files, multipart above `sliceSize`, byte progress, and retries with backoff. The
 * credentials are cached and fetched again a while before they expire.
 *
 * How the SDK (cos-nodejs-sdk-v5 3.0.0, github.com/tencentyun/cos-nodejs-sdk-v5) splits the work, which decides the
 * sizes below:
 * - `uploadFile` (sdk/advance.js) sends a file of at most `SliceSize` bytes with `putObject`, one PUT streaming the
 *   file from disk (`fs.createReadStream`), no hash (`UploadCheckContentMd5` is off by default and only hashes
 *   in-memory bodies: sdk/util.js `getBodyMd5`); anything bigger goes to `sliceUploadFile`.
 * - `sliceUploadFile` takes its part size from `params.ChunkSize || params.SliceSize || options.ChunkSize`, so a call
 *   that passes only `SliceSize` makes parts of the threshold's size and the instance's `ChunkSize` never applies:
 *   the part size is passed with every call. Multipart costs a resume check (ListMultipartUploads), an initiate and a
 *   complete on top of the parts, and `uploadSliceItem` reads each part twice (an MD5 for `Content-MD5`, then the
 *   body; no option turns that off), which is why photos go in one PUT and only big files in parts, where resuming
 *   a half-sent file over a poor line is worth it.
 * - Progress is reported at most every `ProgressInterval` ms (sdk/util.js `throttleOnProgress`, default 1000), and
 *   always at the start and the end of each request.
 */
import COS from 'cos-nodejs-sdk-v5';
import type { StsResponse } from '@aizhao/shared';
import pRetry, { AbortError } from 'p-retry';
import type { ApiClient } from './api-client.js';
import { DesktopError } from './errors.js';
import { proxyUrlFromPac } from './proxy.js';

/** Fetch new credentials when the cached ones have less than this left. */
const STS_REFRESH_MARGIN_SECONDS = 5 * 60;
/**
 * Files up to this size go in one PUT: COS recommends multipart "for objects larger than 20 MB" on a poor line and
 * above 100 MB on a fast one (COS 分块上传, cloud.tencent.com/document/product/436/14112). Photos are well below.
 */
export const DEFAULT_SLICE_SIZE = 20 * 1024 * 1024;
/** Part size of a multipart upload (COS Upload Part: 1 MB to 5 GB per part, at most 10 000 parts; document/api/436/7750). */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** How often byte progress is reported while a request runs. */
const PROGRESS_INTERVAL_MS = 200;
/** Uploads the SDK's own task list keeps (more than run at once: `FileParallelLimit`, default 3). */
const UPLOAD_TASK_LIST_SIZE = 16;

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
  /** files above this go multipart (`DEFAULT_SLICE_SIZE`) */
  sliceSize?: number;
  /** the part size of those (`DEFAULT_CHUNK_SIZE`) */
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
      ChunkParallelLimit: 3,
      ProgressInterval: PROGRESS_INTERVAL_MS,
      // the SDK keeps this many finished uploads in its task list and copies the whole list at every state change
      // (sdk/task.js `emitListUpdate`, default 1000): the engine keeps its own queue, the SDK needs only the running ones
      UploadQueueSize: UPLOAD_TASK_LIST_SIZE,
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
            SliceSize: this.o.sliceSize ?? DEFAULT_SLICE_SIZE,
            ChunkSize: this.o.chunkSize ?? DEFAULT_CHUNK_SIZE,
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
