/**
 * The cut-out cache over real HTTP: a task's `cutout` result is downloaded once into the app's data folder, read
 * from disk after a restart without the network, and never fetched for a task that has none.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CutoutCache } from '../../src/core/cutout-cache.js';
import { DesktopError } from '../../src/core/errors.js';
import { cutoutPng } from '../support/cutouts.js';

describe('CutoutCache', () => {
  let server: Server;
  let base: string;
  let png: Buffer;
  const requests: string[] = [];

  beforeAll(async () => {
    png = await cutoutPng({ canvasW: 400, canvasH: 500, subjectW: 300, subjectH: 380, left: 50, top: 60 });
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/cutout.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const task = (id: string, path = '/cutout.png') => ({
    id,
    results: [
      { key: 'output/u/t/result.jpg', url: `${base}/white.jpg`, kind: 'white' as const },
      { key: 'output/u/t/cutout.png', url: `${base}${path}`, kind: 'cutout' as const },
    ],
  });

  it('downloads the cut-out once into <data>/cutouts, and finds it again after a restart', async () => {
    const data = mkdtempSync(join(tmpdir(), 'aizhao-data-'));
    const cache = new CutoutCache(data, { retries: 0 });
    expect(cache.path('t1')).toBeNull();
    requests.length = 0;
    const file = await cache.store(task('t1'));
    expect(file).toBe(join(data, 'cutouts', 't1.png'));
    expect(readFileSync(file!).equals(png)).toBe(true);
    expect(requests).toEqual(['/cutout.png']); // the white JPEG is not the cache's business

    // a restart: a new cache on the same folder has it, and asks nobody
    const again = new CutoutCache(data, { retries: 0 });
    expect(again.path('t1')).toBe(file);
    expect(await again.store(task('t1'))).toBe(file);
    expect(requests).toEqual(['/cutout.png']);
  });

  it('keeps nothing for a task without a cut-out, and refuses ids that are not task ids', async () => {
    const cache = new CutoutCache(mkdtempSync(join(tmpdir(), 'aizhao-data-')), { retries: 0 });
    expect(await cache.store({ id: 't2', results: [task('t2').results[0]!] })).toBeNull();
    expect(await cache.store({ ...task('x'), id: '../../etc' })).toBeNull();
    expect(cache.path('../t1')).toBeNull();
  });

  it('prunes the cut-outs of tasks no longer known, and leftover partial files', async () => {
    const data = mkdtempSync(join(tmpdir(), 'aizhao-data-'));
    const cache = new CutoutCache(data, { retries: 0 });
    await cache.store(task('keep'));
    await cache.store(task('old'));
    writeFileSync(join(cache.dir, 'x.png.part'), 'half');
    expect(await cache.prune((id) => id === 'keep')).toBe(2);
    expect(readdirSync(cache.dir)).toEqual(['keep.png']);
  });

  it('a cut-out the storage no longer has is an error, and leaves no partial file', async () => {
    const data = mkdtempSync(join(tmpdir(), 'aizhao-data-'));
    const cache = new CutoutCache(data, { retries: 0 });
    const err = await cache.store(task('t3', '/gone.png')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopError);
    expect((err as DesktopError).status).toBe(404);
    expect(cache.path('t3')).toBeNull();
  });
});
