/**
 * The local URL signer against cos-nodejs-sdk-v5 itself: for the same key, query, credentials and time, the
 * Authorization equals the SDK's getAuth byte for byte, and the URL equals the SDK's getObjectUrl; and such a URL
 * downloads from the COS emulator (which checks the signature as COS does).
 */
import COS from 'cos-nodejs-sdk-v5';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { CosUrlSigner } from '../../src/vendors/cos/url-signer.js';
import { startHarness, type Harness } from './helpers.js';

// an example key pair in Tencent's shape, made here rather than written out (no credential-shaped literal in the repo)
const creds = { secretId: `AKID${'example'.repeat(4)}12`, secretKey: `${'exampleSecretKey'.repeat(2)}12` };
const KEYS = ['output/u1/t1/basic.jpg', 'input/01JABCDEF/照片 (1).png', "input/u/!'()*~ &=+%.webp", 'output/u2/t9/pose12.jpg'];
const QUERIES: Record<string, string>[] = [
  {},
  { 'response-content-type': 'image/jpeg' },
  { 'response-content-type': 'image/png', 'Response-Cache-Control': 'no-store', 'x-a': 'b c' },
];
const ENDPOINTS = [
  { name: 'COS host', region: 'ap-guangzhou' },
  { name: 'legacy region', region: 'cn-south' },
  { name: 'sandbox domain', region: 'ap-shanghai', domain: '127.0.0.1:8787/sandbox/cos', protocol: 'http:' as const },
];

/** The SDK's URL from its callback (the form our storage used), with Date.now pinned. */
function sdkUrl(cos: COS, params: COS.GetObjectUrlParams, nowMs: number): Promise<string> {
  vi.spyOn(Date, 'now').mockReturnValue(nowMs);
  return new Promise((resolve, reject) => cos.getObjectUrl(params, (err, data) => (err ? reject(err) : resolve(data.Url))));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('CosUrlSigner matches cos-nodejs-sdk-v5', () => {
  const bucket = 'aizhao-1250000000';
  for (const ep of ENDPOINTS) {
    const signer = new CosUrlSigner({ ...creds, bucket, region: ep.region, domain: ep.domain, protocol: ep.protocol, windowSeconds: 300 });
    const cos = new COS({
      SecretId: creds.secretId,
      SecretKey: creds.secretKey,
      ...(ep.domain ? { Domain: ep.domain, Protocol: ep.protocol } : {}),
    });
    const host = ep.domain
      ? '127.0.0.1:8787'
      : ep.region === 'cn-south'
        ? `${bucket}.${ep.region}.myqcloud.com`
        : `${bucket}.cos.${ep.region}.myqcloud.com`;

    it(`${ep.name}: the Authorization equals getAuth's for the same key time`, () => {
      for (const key of KEYS) {
        for (const query of QUERIES) {
          const keyTime = signer.keyTime(Date.UTC(2026, 11, 1, 12, 0, 7), 3600);
          const sdk = COS.getAuthorization({
            SecretId: creds.secretId,
            SecretKey: creds.secretKey,
            Method: 'get',
            Key: key,
            Query: query,
            Headers: { Host: host },
            KeyTime: keyTime,
          });
          expect(signer.authorization(key, query, keyTime)).toBe(sdk);
        }
      }
    });

    it(`${ep.name}: the URL equals getObjectUrl's at a window's start, and later in the window the key time stays`, async () => {
      const windowStart = 1_796_000_100; // a multiple of 300
      // the SDK signs from round(now / 1000) - 1: at this moment its start is the window's start
      const atStart = (windowStart + 1) * 1000;
      for (const key of KEYS) {
        for (const query of QUERIES) {
          const ours = signer.signedGetUrl(key, 3600, query, atStart);
          const sdk = await sdkUrl(
            cos,
            { Bucket: bucket, Region: ep.region, Key: key, Sign: true, Expires: 300 + 3600, Query: query },
            atStart,
          );
          expect(ours).toBe(sdk);
          // 4 minutes on, in the same window: the same key time, hence the same URL (and the cached sign key)
          expect(signer.signedGetUrl(key, 3600, query, atStart + 240_000)).toBe(ours);
        }
      }
      const next = signer.signedGetUrl(KEYS[0]!, 3600, {}, atStart + 300_000);
      expect(next).toContain(`q-sign-time=${windowStart + 300};${windowStart + 600 + 3600}`);
    });
  }

  it('a URL is valid at least the asked seconds and at most one window longer', () => {
    const signer = new CosUrlSigner({ ...creds, bucket, region: 'ap-guangzhou', windowSeconds: 300 });
    for (const nowMs of [1_796_000_000_000, 1_796_000_150_400, 1_796_000_299_600]) {
      const [start, end] = signer.keyTime(nowMs, 600).split(';').map(Number) as [number, number];
      const now = Math.round(nowMs / 1000) - 1;
      expect(start).toBeLessThanOrEqual(now);
      expect(end - now).toBeGreaterThanOrEqual(600);
      expect(end - now).toBeLessThanOrEqual(600 + 300);
    }
  });
});

describe('signed URLs against the COS emulator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a locally signed URL downloads the object with the pinned type; a tampered one is refused', async () => {
    const storage = new CosObjectStorage(h.clientOptions);
    const key = 'output/u1/t1/结果 1.jpg';
    await storage.put(key, Buffer.from('jpeg bytes'), 'image/jpeg');
    const url = storage.signedGetUrl(key, 600);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).toString()).toBe('jpeg bytes');
    const tampered = await fetch(url.replace('image%2Fjpeg', 'text%2Fhtml'));
    expect(tampered.status).toBe(403);
  });
});
