/** Uploads with temporary credentials through the real cos-nodejs-sdk-v5, read back with the permanent key. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { SandboxStsIssuer } from '../../src/vendors/cos/sts.js';
import { garmentJpeg, largeJpeg, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const at = (key: string) => ({ Bucket: h.secrets.bucket, Region: h.secrets.region, Key: key });

describe('sandbox COS uploads with temporary credentials', () => {
  it('putObject under the allowed prefix, with progress, then HEAD/GET with the permanent key return the same bytes', async () => {
    const creds = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 });
    expect(creds.expiredTime - creds.startTime).toBe(1800);
    const jpeg = await garmentJpeg();
    const progress: number[] = [];
    const put = await h.tempCos(creds).putObject({
      ...at('input/u1/shirt.jpg'),
      Body: jpeg,
      ContentType: 'image/jpeg',
      onProgress: (p) => progress.push(p.percent),
    });
    expect(put.statusCode).toBe(200);
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(progress.at(-1)).toBe(1);

    const head = await h.cos.headObject(at('input/u1/shirt.jpg'));
    expect(head.headers?.['content-type']).toBe('image/jpeg');
    expect(Number(head.headers?.['content-length'])).toBe(jpeg.length);
    expect(head.headers?.['etag']).toBe(put.ETag);
    const got = await h.cos.getObject(at('input/u1/shirt.jpg'));
    expect(Buffer.compare(got.Body, jpeg)).toBe(0);
  });

  it('uploadFile above SliceSize goes multipart (ListMultipartUploads, init, parts, complete) and reassembles the file', async () => {
    const creds = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/u2/', durationSeconds: 600, maxBytes: 20 * 1024 * 1024 });
    const jpeg = await largeJpeg();
    expect(jpeg.length).toBeGreaterThan(2 * 1024 * 1024);
    const file = join(h.dataDir, 'big.jpg');
    writeFileSync(file, jpeg);
    const progress: { loaded: number; total: number }[] = [];
    const res = await h.tempCos(creds).uploadFile({
      ...at('input/u2/big.jpg'),
      FilePath: file,
      SliceSize: 256 * 1024,
      ContentType: 'image/jpeg',
      ChunkSize: 1024 * 1024,
      onProgress: (p) => progress.push({ loaded: p.loaded, total: p.total }),
    });
    expect(res.statusCode).toBe(200);
    // a multipart ETag: md5 of the part md5s, dash, part count
    expect(res.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ loaded: jpeg.length, total: jpeg.length });

    const got = await h.cos.getObject(at('input/u2/big.jpg'));
    expect(Buffer.compare(got.Body, jpeg)).toBe(0);
    expect(got.headers?.['content-type']).toBe('image/jpeg');
    // no upload is left behind
    const list = await h.cos.multipartList({ Bucket: h.secrets.bucket, Region: h.secrets.region, Prefix: 'input/u2/', Delimiter: '' });
    expect(list.Upload ?? []).toEqual([]);
  });

  it('sliceUploadFile directly, and the object survives an emulator restart', async () => {
    const creds = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/u3/', durationSeconds: 600, maxBytes: 20 * 1024 * 1024 });
    const jpeg = await largeJpeg();
    const file = join(h.dataDir, 'big3.jpg');
    writeFileSync(file, jpeg);
    let finalPercent = 0;
    await h.tempCos(creds).sliceUploadFile({
      ...at('input/u3/big.jpg'),
      FilePath: file,
      ContentType: 'image/jpeg',
      ChunkSize: 1024 * 1024,
      onProgress: (p) => {
        finalPercent = p.percent;
      },
    });
    expect(finalPercent).toBe(1);
    await h.restart();
    const got = await h.cos.getObject(at('input/u3/big.jpg'));
    expect(Buffer.compare(got.Body, jpeg)).toBe(0);
    // temporary keys survive the restart too
    const again = await h.tempCos(creds).putObject({ ...at('input/u3/small.jpg'), Body: Buffer.from('x'), ContentType: 'image/jpeg' });
    expect(again.statusCode).toBe(200);
  });
});

describe('CosObjectStorage', () => {
  it('put / head / get / getRange / delete, and head of a missing object is null', async () => {
    const s = new CosObjectStorage(h.clientOptions);
    expect(s.bucket).toBe(h.secrets.bucket);
    const jpeg = await garmentJpeg({ width: 300, height: 400 });
    await s.put('work/u1/t1/a.jpg', jpeg, 'image/jpeg');
    expect(await s.head('work/u1/t1/a.jpg')).toEqual({ size: jpeg.length, contentType: 'image/jpeg' });
    expect(Buffer.compare(await s.get('work/u1/t1/a.jpg'), jpeg)).toBe(0);
    const head = await s.getRange('work/u1/t1/a.jpg', 16);
    expect(head.length).toBe(16);
    expect(head.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect((await s.getRange('work/u1/t1/a.jpg', jpeg.length + 100)).length).toBe(jpeg.length);
    await s.put('work/u1/t1/empty.bin', Buffer.alloc(0), 'application/octet-stream');
    expect((await s.getRange('work/u1/t1/empty.bin', 16)).length).toBe(0);
    // readStart: the first bytes and the whole size from one ranged GET
    const start = await s.readStart('work/u1/t1/a.jpg', 16);
    expect(start?.size).toBe(jpeg.length);
    expect(start?.head.equals(jpeg.subarray(0, 16))).toBe(true);
    expect(await s.readStart('work/u1/t1/a.jpg', jpeg.length + 100)).toEqual({ size: jpeg.length, head: jpeg });
    expect(await s.readStart('work/u1/t1/empty.bin', 16)).toEqual({ size: 0, head: Buffer.alloc(0) });
    expect(await s.readStart('work/u1/t1/missing.jpg', 16)).toBeNull();
    await s.delete('work/u1/t1/a.jpg');
    expect(await s.head('work/u1/t1/a.jpg')).toBeNull();
    await expect(s.get('work/u1/t1/a.jpg')).rejects.toMatchObject({ name: 'VendorError', vendor: 'cos', details: { status: 404 } });
  });

  it('signedGetUrl gives a URL that downloads the object without any other credentials', async () => {
    const s = new CosObjectStorage(h.clientOptions);
    await s.put('output/u1/t1/pose01.jpg', Buffer.from('pose-bytes'), 'image/jpeg');
    const url = s.signedGetUrl('output/u1/t1/pose01.jpg', 300);
    expect(url.startsWith(`${h.baseUrl}/sandbox/cos/output/u1/t1/pose01.jpg?`)).toBe(true);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(await res.text()).toBe('pose-bytes');
  });
});
