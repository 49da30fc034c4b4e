/**
 * CosObjectStorage's GETs read the body through an Output stream (storage.ts getBytes): the SDK then does not decode
 * the image bytes as text, and the retries it skips for such a call are made as it would make them.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { garmentJpeg, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('CosObjectStorage GETs', () => {
  it('never decode the object bytes as a string (the SDK does so for a buffered Body)', async () => {
    const s = new CosObjectStorage(h.clientOptions);
    const jpeg = await garmentJpeg({ width: 300, height: 400 });
    await s.put('work/u1/t1/text.jpg', jpeg, 'image/jpeg');
    const toString = vi.spyOn(Buffer.prototype, 'toString');
    try {
      expect((await s.readStart('work/u1/t1/text.jpg', jpeg.length + 1))?.head.equals(jpeg)).toBe(true);
      expect((await s.getRange('work/u1/t1/text.jpg', 100)).equals(jpeg.subarray(0, 100))).toBe(true);
      expect((await s.get('work/u1/t1/text.jpg')).equals(jpeg)).toBe(true);
      // as text: no encoding or UTF-8 (ids and digests are made with 'hex' and 'base64url')
      const decodedBodies = toString.mock.calls.filter(
        ([encoding]: unknown[], i) =>
          (encoding === undefined || (typeof encoding === 'string' && /^utf-?8$/i.test(encoding))) &&
          [jpeg.length, 100].includes((toString.mock.contexts[i] as Buffer).length),
      );
      expect(decodedBodies).toHaveLength(0);
    } finally {
      toString.mockRestore();
    }
  });
});

describe('CosObjectStorage GET retries (as the SDK retries calls without an Output stream)', () => {
  const body = randomBytes(64);
  let server: Server;
  let answers: number[] = [];
  let requests = 0;
  let storage: CosObjectStorage;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const status = answers[requests++] ?? 206;
      req.resume();
      if (status >= 400) {
        res.writeHead(status, { 'content-type': 'application/xml', 'x-cos-request-id': `r${requests}` });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 404 ? 'NoSuchKey' : 'ServiceUnavailable'}</Code><Message>m</Message></Error>`);
        return;
      }
      res.writeHead(206, { 'content-range': `bytes 0-${body.length - 1}/${body.length + 1000}`, 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    storage = new CosObjectStorage({
      secretId: randomBytes(8).toString('hex'),
      secretKey: randomBytes(8).toString('hex'),
      bucket: 'flaky-1250000000',
      region: 'ap-guangzhou',
      domain: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      protocol: 'http:',
      timeoutMs: 5000,
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a 5xx is retried at once, up to 4 attempts in all', async () => {
    answers = [503, 500];
    requests = 0;
    expect(await storage.readStart('input/u/a.jpg', 64)).toEqual({ size: body.length + 1000, head: body });
    expect(requests).toBe(3);

    answers = [503, 503, 503, 503, 206];
    requests = 0;
    await expect(storage.readStart('input/u/a.jpg', 64)).rejects.toMatchObject({ name: 'VendorError', details: { status: 503, retryable: true } });
    expect(requests).toBe(4);
  });

  it('a 4xx is not retried (a missing object is null after one request)', async () => {
    answers = [404];
    requests = 0;
    expect(await storage.readStart('input/u/missing.jpg', 64)).toBeNull();
    expect(requests).toBe(1);
  });
});
