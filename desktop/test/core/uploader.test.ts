/**
 * The uploader: STS credentials cached and fetched again before they expire (one request at a time), multipart
 * upload of a big file with byte progress and its content type, and retries that carry an upload through a line
 * that drops at first — all with cos-nodejs-sdk-v5 against the sandbox's COS emulator.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StsResponse } from '@aizhao/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DesktopError } from '../../src/core/errors.js';
import { StsCache, Uploader } from '../../src/core/uploader.js';
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

  it('uploads a big file in parts with byte progress and its content type', async () => {
    const file = join(d.dir, 'big.jpg');
    const body = randomBytes(3 * 1024 * 1024 + 123);
    writeFileSync(file, body);
    const uploader = new Uploader(new StsCache(d.service.api), { ...(await cosOptions(server.url)), sliceSize: 1024 * 1024 });
    const key = `${await uploader.prefix()}big.jpg`;
    const progress: number[] = [];
    await uploader.upload({ path: file, size: body.length, mime: 'image/jpeg' }, key, (n) => progress.push(n));
    expect(progress.at(-1)).toBe(body.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.length).toBeGreaterThan(2);
    const head = await server.ctx.vendors.storage.head(key);
    expect(head).toEqual({ size: body.length, contentType: 'image/jpeg' });
    expect((await server.ctx.vendors.storage.get(key)).equals(body)).toBe(true);
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
