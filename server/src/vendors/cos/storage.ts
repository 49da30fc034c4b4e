/** ObjectStorage over cos-nodejs-sdk-v5 (the real COS, or the sandbox emulator through `domain`/`protocol`). */
import type COS from 'cos-nodejs-sdk-v5';
import type { ObjectStorage } from '../types.js';
import { CosUrlSigner } from './url-signer.js';
import { cosCall, cosDeadline, cosDeadlineMs, cosErrorStatus, createCosClient, toVendorError, type CosClientOptions } from './client.js';

export class CosObjectStorage implements ObjectStorage {
  readonly bucket: string;
  readonly region: string;
  private readonly cos: COS;
  private readonly deadlineMs: number;
  private readonly signer: CosUrlSigner;

  constructor(opts: CosClientOptions) {
    this.signer = new CosUrlSigner(opts);
    this.bucket = opts.bucket;
    this.region = opts.region;
    this.cos = createCosClient(opts);
    this.deadlineMs = cosDeadlineMs(opts);
  }

  private at(key: string): { Bucket: string; Region: string; Key: string } {
    return { Bucket: this.bucket, Region: this.region, Key: key };
  }

  /** One GET of the first `maxBytes` bytes (`Range: bytes=0-(maxBytes-1)`); throws a RangeError for a bad `maxBytes`. */
  private getFromStart(key: string, maxBytes: number): ReturnType<COS['getObject']> {
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError('maxBytes must be a positive integer');
    return cosDeadline(
      'cos',
      'getObject(range)',
      this.deadlineMs,
      this.cos.getObject({ ...this.at(key), Range: `bytes=0-${maxBytes - 1}` }),
    );
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
    return this.call('getObject', async () => (await this.cos.getObject(this.at(key))).Body);
  }

  async getRange(key: string, maxBytes: number): Promise<Buffer> {
    const request = this.getFromStart(key, maxBytes);
    try {
      const r = await request;
      return r.Body.subarray(0, maxBytes);
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
      const r = await request;
      const h = (r.headers ?? {}) as Record<string, string | undefined>;
      const total = /\/(\d+)$/.exec(h['content-range'] ?? '')?.[1];
      return { size: Number(total ?? h['content-length'] ?? r.Body.length), head: r.Body.subarray(0, maxBytes) };
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
