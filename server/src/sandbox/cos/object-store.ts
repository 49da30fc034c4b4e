/**
 * The emulated bucket on disk: object bytes in files named by a hash of the key, metadata in a JsonStore,
 * and multipart uploads (parts as files) until they are completed or aborted. Survives restarts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonStore } from '../json-store.js';

export interface ObjectMeta {
  size: number;
  contentType: string;
  /** quoted, as sent in the ETag header */
  etag: string;
  lastModified: string;
}
export interface PartMeta {
  size: number;
  etag: string;
  lastModified: string;
}
export interface UploadMeta {
  key: string;
  contentType: string;
  initiated: string;
  parts: Record<string, PartMeta>;
}

const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();
const fileName = (key: string): string => createHash('sha256').update(key).digest('hex');

export class CosObjectStore {
  private readonly objectsDir: string;
  private readonly uploadsDir: string;
  private readonly objects: JsonStore<Record<string, ObjectMeta>>;
  private readonly uploads: JsonStore<Record<string, UploadMeta>>;

  constructor(
    root: string,
    private readonly now: () => number,
  ) {
    this.objectsDir = join(root, 'objects');
    this.uploadsDir = join(root, 'uploads');
    mkdirSync(this.objectsDir, { recursive: true });
    mkdirSync(this.uploadsDir, { recursive: true });
    this.objects = new JsonStore(join(root, 'objects.json'), () => ({}));
    this.uploads = new JsonStore(join(root, 'uploads.json'), () => ({}));
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  head(key: string): ObjectMeta | null {
    return Object.hasOwn(this.objects.value, key) ? (this.objects.value[key] ?? null) : null;
  }

  read(key: string): Buffer | null {
    return this.head(key) ? readFileSync(join(this.objectsDir, fileName(key))) : null;
  }

  /** Bytes `start`..`end` (inclusive, within the object) read from the file alone, not the whole object; null when missing. */
  readRange(key: string, start: number, end: number): Buffer | null {
    if (!this.head(key)) return null;
    const fd = openSync(join(this.objectsDir, fileName(key)), 'r');
    try {
      const out = Buffer.allocUnsafe(end - start + 1);
      let got = 0;
      while (got < out.length) {
        const n = readSync(fd, out, got, out.length - got, start + got);
        if (n === 0) break;
        got += n;
      }
      return out.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }

  private writeFileAtomic(path: string, body: Buffer): void {
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, body);
    renameSync(tmp, path);
  }

  private commit(key: string, body: Buffer, contentType: string, etag: string): ObjectMeta {
    this.writeFileAtomic(join(this.objectsDir, fileName(key)), body);
    const meta: ObjectMeta = { size: body.length, contentType, etag, lastModified: this.iso() };
    this.objects.update((o) => {
      o[key] = meta;
    });
    return meta;
  }

  put(key: string, body: Buffer, contentType: string): ObjectMeta {
    return this.commit(key, body, contentType, `"${md5(body).toString('hex')}"`);
  }

  /** true when the object existed */
  delete(key: string): boolean {
    if (!this.head(key)) return false;
    this.objects.update((o) => {
      delete o[key];
    });
    rmSync(join(this.objectsDir, fileName(key)), { force: true });
    return true;
  }

  // ---- multipart ----

  initUpload(key: string, contentType: string): string {
    const uploadId = `${Math.floor(this.now() / 1000)}${randomBytes(12).toString('hex')}`;
    mkdirSync(join(this.uploadsDir, uploadId), { recursive: true });
    this.uploads.update((u) => {
      u[uploadId] = { key, contentType, initiated: this.iso(), parts: {} };
    });
    return uploadId;
  }

  /** The upload when it exists and belongs to `key`. */
  upload(uploadId: string, key: string): UploadMeta | null {
    const u = Object.hasOwn(this.uploads.value, uploadId) ? this.uploads.value[uploadId] : undefined;
    return u && u.key === key ? u : null;
  }

  listUploads(prefix: string): { uploadId: string; meta: UploadMeta }[] {
    return Object.entries(this.uploads.value)
      .filter(([, m]) => m.key.startsWith(prefix))
      .sort(([a, x], [b, y]) => (x.key === y.key ? a.localeCompare(b) : x.key.localeCompare(y.key)))
      .map(([uploadId, meta]) => ({ uploadId, meta }));
  }

  putPart(uploadId: string, partNumber: number, body: Buffer): PartMeta {
    this.writeFileAtomic(join(this.uploadsDir, uploadId, String(partNumber)), body);
    const meta: PartMeta = { size: body.length, etag: `"${md5(body).toString('hex')}"`, lastModified: this.iso() };
    this.uploads.update((u) => {
      const up = u[uploadId];
      if (up) up.parts[String(partNumber)] = meta;
    });
    return meta;
  }

  /** Joins the listed parts (already validated by the caller) into the object and forgets the upload. */
  complete(uploadId: string, partNumbers: number[]): ObjectMeta {
    const up = this.uploads.value[uploadId];
    if (!up) throw new Error(`unknown upload ${uploadId}`);
    const bodies = partNumbers.map((n) => readFileSync(join(this.uploadsDir, uploadId, String(n))));
    const etagMd5 = md5(Buffer.concat(bodies.map(md5))).toString('hex');
    const meta = this.commit(up.key, Buffer.concat(bodies), up.contentType, `"${etagMd5}-${partNumbers.length}"`);
    this.abort(uploadId);
    return meta;
  }

  abort(uploadId: string): void {
    this.uploads.update((u) => {
      delete u[uploadId];
    });
    rmSync(join(this.uploadsDir, uploadId), { recursive: true, force: true });
  }
}
