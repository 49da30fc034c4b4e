/** ObjectStorage over cos-nodejs-sdk-v5 (the real COS, or the sandbox emulator through `domain`/`protocol`). */
import { Writable } from 'node:stream';
import type COS from 'cos-nodejs-sdk-v5';
import type { ObjectStorage } from '../types.js';
import { CosUrlSigner } from './url-signer.js';
import { SDK_ATTEMPTS, cosCall, cosDeadline, cosDeadlineMs, cosErrorStatus, createCosClient, toVendorError, type CosClientOptions } from './client.js';

export class CosObjectStorage implements ObjectStorage {
  readonly bucket: string;
  readonly region: string;
  private readonly cos: COS;
  private readonly deadlineMs: number;
  private readonly signer: CosUrlSigner;

  /**
   * `urlEndpoint`: where the signed URLs handed to the app point, when that is not where this client's own calls go
   * (a server with SANDBOX_URL calls the sandbox process directly, and hands out its own forwarded address).
   */
  constructor(opts: CosClientOptions, urlEndpoint?: Pick<CosClientOptions, 'domain' | 'protocol'>) {
    this.signer = new CosUrlSigner({ ...opts, ...urlEndpoint });
    this.bucket = opts.bucket;
    this.region = opts.region;
    this.cos = createCosClient(opts);
    this.deadlineMs = cosDeadlineMs(opts);
  }

  private at(key: string): { Bucket: string; Region: string; Key: string } {
    return { Bucket: this.bucket, Region: this.region, Key: key };
  }

  /**
   * One getObject (of the `Range`, when given) into a sink that keeps the chunks. Not the SDK's buffered `Body`:
   * before it hands any answer back, the SDK decodes the whole body as UTF-8 for its XML parsing, also for a GetObject
   * (cos-nodejs-sdk-v5 3.0.0 sdk/base.js `_submitRequest`: `var body = bodyBuf.toString()` comes before the `rawBody`
   * return), which for image bytes costs about 12 µs per KB of main-thread CPU (7 ms for a 512 KB range); with an
   * `Output` stream (GetObjectParams.Output, index.d.ts) it pipes the body and decodes only an error answer. The SDK
   * does not retry a call with an Output stream (submitRequest: `!params.outputStream`), so this retries as it would:
   * at once, up to SDK_ATTEMPTS attempts in all, on a transport error or a 5xx.
   */
  private async getBytes(key: string, range?: string): Promise<{ body: Buffer; headers: Record<string, string | undefined> }> {
    for (let attempt = 1; ; attempt++) {
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
      try {
        const r = await this.cos.getObject({ ...this.at(key), ...(range ? { Range: range } : {}), Output: sink });
        return { body: Buffer.concat(chunks), headers: (r.headers ?? {}) as Record<string, string | undefined> };
      } catch (err) {
        const status = cosErrorStatus(err);
        if (attempt >= SDK_ATTEMPTS || (status !== undefined && status < 500)) throw err;
      }
    }
  }

  /** One GET of the first `maxBytes` bytes (`Range: bytes=0-(maxBytes-1)`); throws a RangeError for a bad `maxBytes`. */
  private getFromStart(key: string, maxBytes: number): ReturnType<CosObjectStorage['getBytes']> {
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('maxBytes must be a positive integer');
    return cosDeadline('cos', 'getObject(range)', this.deadlineMs, this.getBytes(key, `bytes=0-${maxBytes - 1}`));
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return cosCall('cos', operation, run, this.deadlineMs);
  }

  async head(key: string): Promise<{ size: number; contentType: string | null } | null> {
    try {
      const r = await cosDeadline('cos', 'headObject', this.deadlineMs, this.cos.headObject(this.at(key)));
      const h = (r.headers ?? {}) as Record<string, string | undefined>;
      return { size: Number(h['content-length'] ?? 0), contentType: h['content-type'] ?? null };
    } catch (err) {
      if (cosErrorStatus(err) === 404) return null;
      throw toVendorError('cos', 'headObject', err);
    }
  }

  get(key: string): Promise<Buffer> {
    return this.call('getObject', async () => (await this.getBytes(key)).body);
  }

  async getRange(key: string, maxBytes: number): Promise<Buffer> {
    const request = this.getFromStart(key, maxBytes);
    try {
      const r = await request;
      return r.body.subarray(0, maxBytes);
    } catch (err) {
      // A range from byte 0 is unsatisfiable only for an empty object.
      if (cosErrorStatus(err) === 416) return Buffer.alloc(0);
      throw toVendorError('cos', 'getObject(range)', err);
    }
  }

  /**
   * One GET with `Range: bytes=0-(maxBytes-1)`: the size is the complete length of its `Content-Range`
   * (`bytes 0-N/size`, RFC 9110 §14.4) or the Content-Length of a 200; a 416 (unsatisfiable from byte 0) is an empty object.
   */
  async readStart(key: string, maxBytes: number): Promise<{ size: number; head: Buffer } | null> {
    const request = this.getFromStart(key, maxBytes);
    try {
      const { body, headers } = await request;
      const total = /\/(\d+)$/.exec(headers['content-range'] ?? '')?.[1];
      return { size: Number(total ?? headers['content-length'] ?? body.length), head: body.subarray(0, maxBytes) };
    } catch (err) {
      const status = cosErrorStatus(err);
      if (status === 404) return null;
      if (status === 416) return { size: 0, head: Buffer.alloc(0) };
      throw toVendorError('cos', 'getObject(range)', err);
    }
  }

  put(key: string, body: Buffer, contentType: string): Promise<void> {
    return this.call('putObject', async () => {
      await this.cos.putObject({ ...this.at(key), Body: body, ContentType: contentType, ContentLength: body.length });
    });
  }

  delete(key: string): Promise<void> {
    return this.call('deleteObject', async () => {
      await this.cos.deleteObject(this.at(key));
    });
  }

  /**
   * The URL pins the answer's type to the image type of the key (COS GetObject `response-content-type`), so that an
   * object uploaded with another Content-Type is never served as active content wherever the URL is opened. Signed
   * locally (url-signer.ts: the SDK's algorithm from a cached sign key), no SDK call per URL.
   */
  signedGetUrl(key: string, expiresSeconds: number): string {
    return this.signer.signedGetUrl(key, expiresSeconds, { 'response-content-type': responseContentTypeOf(key) });
  }
}

const IMAGE_TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/** The Content-Type a signed GET URL of `key` asks COS to answer with: its image type, else an inert download. */
export function responseContentTypeOf(key: string): string {
  return IMAGE_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}
