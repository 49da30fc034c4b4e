/**
 * The uploader: STS credentials cached and fetched again before they expire (one request at a time), a photo in a
 * single PUT and a big file in parts of the part size (counted at a proxy in front of the COS emulator), byte
 * progress and content type, and retries that carry an upload through a line that drops at first — all with
 * cos-nodejs-sdk-v5 against the sandbox's COS emulator.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StsResponse } from '@aizhao/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopError } from '../../src/core/errors.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_SLICE_SIZE, StsCache, Uploader } from '../../src/core/uploader.js';
import type { TestServer } from '../../../server/test/support/server.js';
import type { Desktop } from '../support/desktop.js';
import { startToggleProxy, type ToggleProxy } from '../support/toggle-proxy.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

const sts = (expiredTime: number): StsResponse => ({
  credentials: { tmpSecretId: 'id', tmpSecretKey: 'key', sessionToken: 'token' },
  startTime: expiredTime - 1800,
  expiredTime,
  bucket: 'b',
  region: 'r',
  allowPrefix: 'input/u/',
});

describe('StsCache', () => {
  it('reuses credentials until 5 minutes before they expire, one request at a time', async () => {
    let now = 1_000_000;
    let calls = 0;
    const cache = new StsCache({ sts: async () => (calls++, sts(now + 1800)) }, () => now);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now += 1800 - 301;
    expect(await cache.get()).toBe(a);
    now += 2; // within the last 5 minutes
    const c = await cache.get();
    expect(calls).toBe(2);
    expect(c.expiredTime).toBe(now + 1800);
    cache.invalidate();
    await cache.get();
    expect(calls).toBe(3);
  });

  it('passes a refusal on and tries again next time', async () => {
    let fail = true;
    const cache = new StsCache({
      sts: async () => {
        if (fail) throw new DesktopError('NOT_MEMBER', '请先开通会员', 403);
        return sts(Math.floor(Date.now() / 1000) + 1800);
      },
    });
    await expect(cache.get()).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    fail = false;
    await expect(cache.get()).resolves.toMatchObject({ bucket: 'b' });
  });
});

describe('Uploader against the COS emulator', () => {
  let server: TestServer;
  let d: Desktop;
  let proxy: ToggleProxy;
  const sandbox = sandboxDesktop('member');

  beforeAll(async () => {
    ({ server, d } = sandbox);
    proxy = await startToggleProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const cosOptions = async (base: string) => {
    const cfg = await d.service.api.clientConfig();
    return { domain: cfg.cos.domain!.replace(new URL(server.url).host, new URL(base).host), protocol: cfg.cos.protocol };
  };

  /** Uploads `bytes` of random data through the counting proxy; returns the requests the emulator saw and the progress. */
  const uploadThroughProxy = async (name: string, bytes: number) => {
    const file = join(d.dir, name);
    const body = randomBytes(bytes);
    writeFileSync(file, body);
    const uploader = new Uploader(new StsCache(d.service.api), await cosOptions(proxy.url));
    const key = `${await uploader.prefix()}${name}`;
    const progress: number[] = [];
    const before = proxy.forwarded.length;
    await uploader.upload({ path: file, size: body.length, mime: 'image/jpeg' }, key, (n) => progress.push(n));
    // `METHOD <path>?<query>` without the emulator's mount and the key, e.g. `PUT ?partNumber=1&uploadId=…`
    const requests = proxy.forwarded.slice(before).map((r) => {
      const url = new URL(r.slice(r.indexOf(' ') + 1), 'http://x');
      const path = decodeURIComponent(url.pathname);
      const [method] = r.split(' ');
      const param = [...url.searchParams.keys()].sort().join('&');
      return `${method} ${path.endsWith(`/${key}`) ? 'key' : 'bucket'}${param ? `?${param}` : ''}`;
    });
    expect(progress.at(-1)).toBe(body.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await server.ctx.vendors.storage.head(key)).toEqual({ size: body.length, contentType: 'image/jpeg' });
    expect((await server.ctx.vendors.storage.get(key)).equals(body)).toBe(true);
    return { requests, progress };
  };

  it('sends a photo in one PUT, with byte progress and its content type', async () => {
    const { requests } = await uploadThroughProxy('photo.jpg', Math.round(5.3 * 1024 * 1024));
    expect(requests).toEqual(['PUT key']);
  });

  it('sends a big file in parts of the part size: resume check, initiate, parts, complete', async () => {
    const size = 25 * 1024 * 1024 + 123;
    const { requests, progress } = await uploadThroughProxy('big.jpg', size);
    const parts = Math.ceil(size / DEFAULT_CHUNK_SIZE);
    expect(size).toBeGreaterThan(DEFAULT_SLICE_SIZE);
    expect(parts).toBe(4);
    expect(requests).toEqual([
      'GET bucket?prefix&uploads', // ListMultipartUploads: an upload of this key to resume?
      'POST key?uploads',
      ...Array<string>(parts).fill('PUT key?partNumber&uploadId'),
      'POST key?uploadId',
    ]);
    expect(progress.length).toBeGreaterThan(2);
  });

  it('retries with backoff through a line that is down at first', async () => {
    const file = join(d.dir, 'small.jpg');
    writeFileSync(file, randomBytes(50_000));
    const uploader = new Uploader(new StsCache(d.service.api), { ...(await cosOptions(proxy.url)), minRetryDelayMs: 100, retries: 5 });
    const key = `${await uploader.prefix()}small.jpg`;
    proxy.setUp(false);
    setTimeout(() => proxy.setUp(true), 400);
    await uploader.upload({ path: file, size: 50_000, mime: 'image/jpeg' }, key, () => {});
    expect(await server.ctx.vendors.storage.head(key)).toMatchObject({ size: 50_000 });
    expect(proxy.forwarded.some((r) => r.startsWith('PUT '))).toBe(true);
  });

  it('gives up on a file that disappeared, without retrying', async () => {
    // a first retry would wait 3 s
    const uploader = new Uploader(new StsCache(d.service.api), { ...(await cosOptions(server.url)), minRetryDelayMs: 3000 });
    const started = Date.now();
    await expect(
      uploader.upload({ path: join(d.dir, 'gone.jpg'), size: 10, mime: 'image/jpeg' }, `${await uploader.prefix()}gone.jpg`, () => {}),
    ).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
