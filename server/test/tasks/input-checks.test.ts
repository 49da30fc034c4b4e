/**
 * POST /task/create input checks in the contract's order (schema → membership → input object → audit → quota), each
 * refusal charging nothing: the balance, the ledger and the task table are unchanged. PNG and WebP are accepted.
 * PLAN_MONTHLY_QUOTA=3 so that a merchant reaches 0 with three real tasks; UPLOAD_MAX_BYTES=1000000.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, garmentJpeg, login, uploadInput, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { basicBody, charges, createTask, expectError, finish, type Merchant, modelBody, newMerchant, setAudit } from './helpers.js';

const MAX_BYTES = 1_000_000;
let s: TestServer;
let base: string;
let a: Merchant;

beforeAll(async () => {
  s = await startTestServer({ env: { PLAN_MONTHLY_QUOTA: '3', UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  base = s.url;
  a = await newMerchant(base);
});
afterAll(() => finish(s, () => setAudit(base, 'pass')));

/** Runs `attempt` and checks that it charged the merchant nothing at all. */
async function chargesNothing(m: { token: string; userId: string }, attempt: () => Promise<void>): Promise<void> {
  const before = await charges(s, m);
  await attempt();
  expect(await charges(s, m)).toEqual(before);
}

describe('schema errors → 400 INVALID_INPUT with details', () => {
  const cases: [string, (key: string) => unknown, string][] = [
    ['unknown type', (k) => ({ type: 'model_pose13', inputKey: k }), 'type'],
    ['unknown scene', (k) => modelBody(k, { params: { scene: 'beach', category: 'dress' } }), 'params.scene'],
    ['unknown category', (k) => modelBody(k, { params: { scene: 'street', category: 'socks' } }), 'params.category'],
    ['model_pose12 without scene', (k) => modelBody(k, { params: { category: 'dress' } }), 'params.scene'],
    ['model_pose12 without category', (k) => modelBody(k, { params: { scene: 'studio' } }), 'params.category'],
    ['an extra top-level field', (k) => ({ ...basicBody(k), priority: 'high' }), ''],
    ['an extra params field', (k) => modelBody(k, { params: { scene: 'street', category: 'dress', seed: 7 } }), 'params'],
    ['no inputKey', () => ({ type: 'basic_clean' }), 'inputKey'],
    ['a malformed clientRequestId', (k) => basicBody(k, { clientRequestId: 'has space' }), 'clientRequestId'],
  ];
  it.each(cases)('%s', async (_name, body, path) => {
    await chargesNothing(a, async () => {
      const r = await call(base, 'POST', '/task/create', { token: a.token, body: body(a.inputKey) });
      expectError(r, 400, 'INVALID_INPUT');
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    });
  });

  it('malformed JSON', async () => {
    await chargesNothing(a, async () => {
      const r = await call(base, 'POST', '/task/create', {
        token: a.token,
        raw: '{"type":',
        headers: { 'content-type': 'application/json' },
      });
      expectError(r, 400, 'INVALID_INPUT');
    });
  });

  it('no token → 401 UNAUTHENTICATED', async () => {
    expectError(await call(base, 'POST', '/task/create', { body: basicBody(a.inputKey) }), 401, 'UNAUTHENTICATED');
  });
});

describe('membership', () => {
  it('not a member → 403 NOT_MEMBER, but a schema error is reported first', async () => {
    const n = await login(base);
    expectError(await call(base, 'POST', '/storage/sts', { token: n.token, body: {} }), 403, 'NOT_MEMBER');
    await chargesNothing(n, async () => {
      expectError(await createTask(base, n.token, basicBody(`input/${n.userId}/x.jpg`)), 403, 'NOT_MEMBER');
      // membership comes before the input checks: another merchant's key, a missing key, a bad shape
      expectError(await createTask(base, n.token, basicBody(a.inputKey)), 403, 'NOT_MEMBER');
      expectError(await createTask(base, n.token, basicBody('output/x.gif')), 403, 'NOT_MEMBER');
      expectError(
        await createTask(base, n.token, { type: 'basic_clean', inputKey: `input/${n.userId}/x.jpg`, extra: 1 }),
        400,
        'INVALID_INPUT',
      );
    });
    expect((await charges(s, n)).quota).toBe(0);
  });

  it('expired → 403 MEMBERSHIP_EXPIRED (the lapse zeroes the balance; nothing is deducted, no task)', async () => {
    const e = await newMerchant(base);
    await s.db.models.User.update({ quotaExpireAt: new Date(Date.now() - 60_000) }, { where: { id: e.userId } });
    expectError(await createTask(base, e.token, basicBody(e.inputKey)), 403, 'MEMBERSHIP_EXPIRED');
    const after = await charges(s, e);
    expect(after).toMatchObject({ quota: 0, deducts: 0, tasks: 0 });
    expect(await s.db.models.QuotaLog.count({ where: { userId: e.userId, action: 'expire' } })).toBe(1);
    await chargesNothing(e, async () => {
      expectError(await createTask(base, e.token, modelBody(e.inputKey)), 403, 'MEMBERSHIP_EXPIRED');
      expectError(await createTask(base, e.token, basicBody(`input/${e.userId}/missing.jpg`)), 403, 'MEMBERSHIP_EXPIRED');
      expectError(await createTask(base, e.token, { type: 'nope', inputKey: e.inputKey }), 400, 'INVALID_INPUT');
      expectError(await call(base, 'POST', '/storage/sts', { token: e.token, body: {} }), 403, 'MEMBERSHIP_EXPIRED');
    });
  });
});

describe('the input object → 400 INVALID_INPUT', () => {
  let other: Merchant;
  beforeAll(async () => {
    other = await newMerchant(base);
  });

  /** Expects 400 INVALID_INPUT about inputKey, with nothing charged. */
  async function refused(key: string): Promise<void> {
    await chargesNothing(a, async () => {
      const r = await createTask(base, a.token, basicBody(key));
      expectError(r, 400, 'INVALID_INPUT');
      expect(r.body.error.details).toEqual([expect.objectContaining({ path: 'inputKey' })]);
    });
  }

  it('a key outside the caller’s prefix (that exists)', async () => {
    await refused(other.inputKey);
    await refused(other.inputKey.replace(`input/${other.userId}/`, `input/${a.userId}x/`));
  });

  it('keys of the wrong shape, even for objects that exist under the caller’s prefix', async () => {
    const jpeg = await garmentJpeg();
    const gifNamed = await uploadInput(base, a.token, jpeg, 'gif');
    const nested = await uploadInput(base, a.token, jpeg, 'jpg', 'sub/dir');
    await refused(gifNamed);
    await refused(nested);
    await refused(`input/${a.userId}/../${other.userId}/x.jpg`);
    await refused(`input/${a.userId}/..jpg`);
    await refused(`/input/${a.userId}/x.jpg`);
    await refused(`output/${a.userId}/x.jpg`);
    await refused(`input/${a.userId}/noextension`);
    await refused(`input/${a.userId}/x.jpg.exe`);
    await refused(`input/${a.userId}/${'n'.repeat(65)}.jpg`);
  });

  it('a missing object', async () => {
    await refused(`input/${a.userId}/never-uploaded.jpg`);
  });

  it('a non-image, an empty file and a GIF uploaded as .jpg', async () => {
    await refused(await uploadInput(base, a.token, Buffer.from('this is not an image at all\n'.repeat(40)), 'jpg'));
    await refused(await uploadInput(base, a.token, Buffer.alloc(0), 'jpg'));
    const gif = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#3355aa' } })
      .gif()
      .toBuffer();
    await refused(await uploadInput(base, a.token, gif, 'jpg'));
  });

  it('an image whose shorter side is below UPLOAD_MIN_SIDE (500)', async () => {
    await refused(await uploadInput(base, a.token, await garmentJpeg(499, 900), 'jpg'));
    await refused(await uploadInput(base, a.token, await garmentJpeg(900, 499), 'jpg'));
  });

  /** A JPEG with `segments` comment segments of 60 000 bytes between SOI and the frame header (at most 64 KB each). */
  const padded = async (width: number, height: number, segments: number): Promise<Buffer> => {
    const jpeg = await garmentJpeg(width, height);
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, (60_002 >> 8) & 0xff, 60_002 & 0xff]), Buffer.alloc(60_000, 0x20)]);
    return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: segments }, () => comment), jpeg.subarray(2)]);
  };

  it('a JPEG whose header lies past the first 64 KB is read up to 512 KB, not whole: its size is checked', async () => {
    const whole = vi.spyOn(s.ctx.vendors.storage, 'get');
    try {
      const small = await padded(900, 499, 3);
      await chargesNothing(a, async () => {
        const r = await createTask(base, a.token, basicBody(await uploadInput(base, a.token, small, 'jpg')));
        expectError(r, 400, 'INVALID_INPUT');
        expect(r.body.error.details).toEqual([{ path: 'inputKey', message: 'too small' }]);
      });
      expect(whole).not.toHaveBeenCalled();
    } finally {
      whole.mockRestore();
    }
  });

  it('a JPEG whose header lies past the first 512 KB is read whole: its size is checked, and it is accepted', async () => {
    const small = await padded(900, 499, 10);
    expect(small.length).toBeGreaterThan(600_000);
    await chargesNothing(a, async () => {
      const r = await createTask(base, a.token, basicBody(await uploadInput(base, a.token, small, 'jpg')));
      expectError(r, 400, 'INVALID_INPUT');
      expect(r.body.error.details).toEqual([{ path: 'inputKey', message: 'too small' }]);
    });
    const m = await newMerchant(base);
    const r = await createTask(base, m.token, basicBody(await uploadInput(base, m.token, await padded(900, 700, 10), 'jpg')));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  });

  it('an image larger than UPLOAD_MAX_BYTES', async () => {
    const noise = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(MAX_BYTES);
    // the merchant's temporary key cannot even upload it (the STS policy's content-length condition) …
    await expect(uploadInput(base, a.token, noise, 'png')).rejects.toMatchObject({ statusCode: 403, code: 'AccessDenied' });
    // … and an object that got there anyway (e.g. a part-by-part upload) is refused by the task's own check
    const key = `input/${a.userId}/too-large.png`;
    await s.ctx.vendors.storage.put(key, noise, 'image/png');
    await refused(key);
  });
});

describe('content audit (nothing charged)', () => {
  it('reject → 422 CONTENT_REJECTED, unavailable → 503 AUDIT_UNAVAILABLE, pass → accepted', async () => {
    const b = await newMerchant(base);
    try {
      await setAudit(base, 'reject');
      await chargesNothing(b, async () => {
        expectError(await createTask(base, b.token, basicBody(b.inputKey)), 422, 'CONTENT_REJECTED');
        expectError(await createTask(base, b.token, modelBody(b.inputKey)), 422, 'CONTENT_REJECTED');
        // input checks come before the audit
        expectError(await createTask(base, b.token, basicBody(`input/${b.userId}/missing.jpg`)), 400, 'INVALID_INPUT');
      });
      await setAudit(base, 'unavailable');
      await chargesNothing(b, async () => {
        expectError(await createTask(base, b.token, basicBody(b.inputKey)), 503, 'AUDIT_UNAVAILABLE');
      });
    } finally {
      await setAudit(base, 'pass');
    }
    const ok = await createTask(base, b.token, basicBody(b.inputKey));
    expect(ok.status).toBe(201);
    expect(ok.body.quotaRemaining).toBe(2);
  });
});

describe('accepted formats and the quota', () => {
  let m: Merchant;
  const keys: string[] = [];

  it('accepts PNG, WebP and a JPEG whose shorter side is exactly 500, and processes them', async () => {
    m = await newMerchant(base);
    const png = await sharp(await garmentJpeg(900, 1000))
      .png()
      .toBuffer();
    const webp = await sharp(await garmentJpeg(1000, 900))
      .webp()
      .toBuffer();
    keys.push(await uploadInput(base, m.token, png, 'png'), await uploadInput(base, m.token, webp, 'webp'));
    keys.push(await uploadInput(base, m.token, await garmentJpeg(500, 700), 'jpeg'));
    const ids: string[] = [];
    let expected = 3;
    for (const key of keys) {
      const r = await createTask(base, m.token, basicBody(key));
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.quotaRemaining).toBe(--expected);
      ids.push(r.body.task.id);
    }
    for (const id of ids) {
      const t = await waitForTask(base, m.token, id);
      expect(t.status).toBe('done');
      expect(t.results.map((r) => r.kind)).toEqual(['white', 'cutout']);
    }
    expect(await charges(s, m)).toMatchObject({ quota: 0, deducts: 3, refunds: 0, tasks: 3 });
  });

  it('quota 0 → 402 QUOTA_EXHAUSTED, after the input checks and the audit', async () => {
    const fresh = await uploadInput(base, m.token, await garmentJpeg());
    await chargesNothing(m, async () => {
      expectError(await createTask(base, m.token, basicBody(fresh)), 402, 'QUOTA_EXHAUSTED');
      expectError(await createTask(base, m.token, modelBody(fresh)), 402, 'QUOTA_EXHAUSTED');
      expectError(await createTask(base, m.token, basicBody(`input/${m.userId}/missing.jpg`)), 400, 'INVALID_INPUT');
      try {
        await setAudit(base, 'reject');
        expectError(await createTask(base, m.token, basicBody(fresh)), 422, 'CONTENT_REJECTED');
        await setAudit(base, 'unavailable');
        expectError(await createTask(base, m.token, basicBody(fresh)), 503, 'AUDIT_UNAVAILABLE');
      } finally {
        await setAudit(base, 'pass');
      }
    });
  });
});
