/**
 * The first closed loop over HTTP in sandbox mode, on SQLite and on MariaDB:
 * login → purchase → sandbox pay → 100 quota → upload a real JPEG with cos-nodejs-sdk-v5 and STS credentials →
 * basic_clean done with its 800×800 white-corner JPEG (kind white) and its trimmed transparent cut-out (kind cutout) →
 * model_pose12 done with 12 results (kind pose) in COS →
 * a failing model_pose12 → failed, quota back.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buyMembership, call, garmentJpeg, login, setRunningHub, uploadInput, waitForTask } from '../support/client.js';
import { inspectCutout } from '../cos/helpers.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';

describe.each<DbKind>(MONEY_DBS)('the closed loop on %s', (db) => {
  let s: TestServer;
  let base: string;
  let token: string;
  let userId: string;
  let inputKey: string;

  beforeAll(async () => {
    s = await startTestServer({ db });
    base = s.url;
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('logs in with an SMS code and has no membership yet', async () => {
    ({ token, userId } = await login(base, '13800138000'));
    const me = await call(base, 'GET', '/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: userId, phone: '138****8000', isMember: false, quotaRemaining: 0, quotaExpireAt: null });
    const sts = await call(base, 'POST', '/storage/sts', { token, body: {} });
    expect(sts.status).toBe(403);
    expect(sts.body.error.code).toBe('NOT_MEMBER');
  });

  it('buys a membership with the sandbox WeChat payer and gets 100 quota for 30 days', async () => {
    const orderId = await buyMembership(base, token);
    const order = await call(base, 'GET', `/membership/orders/${orderId}`, { token });
    expect(order.body).toMatchObject({ orderId, status: 'paid', amountFen: 9900 });
    const status = await call(base, 'GET', '/membership/status', { token });
    expect(status.body).toMatchObject({ isMember: true, quotaRemaining: 100, plan: { priceFen: 9900, quota: 100, days: 30 } });
    const days = (new Date(status.body.quotaExpireAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
  });

  it('uploads a real JPEG with STS credentials and gets a white 800×800 main image (basic_clean)', async () => {
    inputKey = await uploadInput(base, token, await garmentJpeg());
    expect(inputKey.startsWith(`input/${userId}/`)).toBe(true);
    const created = await call(base, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey, clientRequestId: 'loop-basic-1' } });
    expect(created.status).toBe(201);
    expect(created.body.quotaRemaining).toBe(99);
    expect(created.body.task).toMatchObject({ type: 'basic_clean', status: 'processing', inputKey, results: [] });

    const done = await waitForTask(base, token, created.body.task.id);
    expect(done.status).toBe('done');
    expect(done.results.map((r) => [r.kind, r.key])).toEqual([
      ['white', `output/${userId}/${done.id}/result.jpg`],
      ['cutout', `output/${userId}/${done.id}/cutout.png`],
    ]);
    const white = await fetch(done.results[0]!.url);
    expect(white.headers.get('content-type')).toBe('image/jpeg');
    const img = Buffer.from(await white.arrayBuffer());
    const meta = await sharp(img).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
    const { data } = await sharp(img).raw().toBuffer({ resolveWithObject: true });
    for (const [x, y] of [[0, 0], [799, 0], [0, 799], [799, 799]] as const) {
      const i = (y * 800 + x) * 3;
      expect([data[i], data[i + 1], data[i + 2]]).toEqual([255, 255, 255]);
    }
    const centre = (400 * 800 + 400) * 3;
    expect(data[centre + 2]! - data[centre]!).toBeGreaterThan(60); // the blue garment is there
    expect(img.length).toBeGreaterThanOrEqual(10_000);
    expect(img.length).toBeLessThanOrEqual(300 * 1024);

    // the cut-out: a PNG with alpha, trimmed to the garment (the photo is 1000 × 1200, the garment 64 % × 67 % of it)
    const cut = await fetch(done.results[1]!.url);
    expect(cut.headers.get('content-type')).toBe('image/png');
    const cutout = await inspectCutout(Buffer.from(await cut.arrayBuffer()));
    expect(cutout).toMatchObject({ format: 'png', hasAlpha: true, trimmed: true });
    expect(Math.abs(cutout.width - 640)).toBeLessThanOrEqual(6);
    expect(Math.abs(cutout.height - 804)).toBeLessThanOrEqual(6);
  });

  it('generates 12 on-model shots stored in COS (model_pose12)', async () => {
    await setRunningHub(base, 'success', 300);
    const created = await call(base, 'POST', '/task/create', {
      token,
      body: { type: 'model_pose12', inputKey, params: { scene: 'street', category: 'hoodie' }, clientRequestId: 'loop-pose-1' },
    });
    expect(created.status).toBe(201);
    expect(created.body.quotaRemaining).toBe(98);
    const done = await waitForTask(base, token, created.body.task.id);
    expect(done.status).toBe('done');
    expect(done.results.map((r) => r.key)).toEqual(
      Array.from({ length: 12 }, (_, i) => `output/${userId}/${done.id}/pose${String(i + 1).padStart(2, '0')}.jpg`),
    );
    expect(done.params).toEqual({ scene: 'street', category: 'hoodie', model: 'female' }); // the default model, stored
    for (const r of done.results) {
      expect(r.kind).toBe('pose');
      expect(r.url).toContain('/sandbox/cos/');
      expect(r.url).not.toContain('/sandbox/runninghub/');
    }
    const first = await fetch(done.results[0]!.url);
    expect(first.status).toBe(200);
    expect((await sharp(Buffer.from(await first.arrayBuffer())).metadata()).format).toBe('jpeg');
  });

  it('fails a model_pose12 that RunningHub fails, and gives the quota back', async () => {
    await setRunningHub(base, 'fail', 200);
    const created = await call(base, 'POST', '/task/create', {
      token,
      body: { type: 'model_pose12', inputKey, params: { scene: 'studio', category: 'dress' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.quotaRemaining).toBe(97);
    const failed = await waitForTask(base, token, created.body.task.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorReason).toBe('AI模特生成失败，次数已返还，请换一张图片或稍后重试');
    expect(failed.results).toEqual([]);
    const status = await call(base, 'GET', '/membership/status', { token });
    expect(status.body.quotaRemaining).toBe(98);
    const refunds = await s.db.models.QuotaLog.count({ where: { taskId: failed.id, action: 'refund' } });
    expect(refunds).toBe(1);
  });

  it('lists the merchant’s tasks newest first with cursors, by ids and by updatedSince', async () => {
    const page1 = await call(base, 'GET', '/tasks?limit=2', { token });
    expect(page1.status).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items[0].type).toBe('model_pose12');
    expect(page1.body.nextCursor).toBeTruthy();
    const page2 = await call(base, 'GET', `/tasks?limit=2&cursor=${page1.body.nextCursor}`, { token });
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.items[0].type).toBe('basic_clean');
    expect(page2.body.nextCursor).toBeNull();
    const ids = [page1.body.items[0].id, page2.body.items[0].id];
    const byIds = await call(base, 'GET', `/tasks?ids=${ids.join(',')}`, { token });
    expect(byIds.body.items.map((t: { id: string }) => t.id).sort()).toEqual([...ids].sort());
    const failedOnly = await call(base, 'GET', '/tasks?status=failed', { token });
    expect(failedOnly.body.items).toHaveLength(1);
    const since = await call(base, 'GET', `/tasks?updatedSince=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, { token });
    const times = since.body.items.map((t: { updatedAt: string }) => t.updatedAt);
    expect(times).toEqual([...times].sort());
    expect(since.body.items).toHaveLength(3);
  });
});
