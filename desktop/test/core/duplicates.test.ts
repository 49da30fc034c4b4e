/**
 * Never pay twice: content fingerprints (exact and perceptual), the per-user photo history, and through the app
 * against the sandbox server — the same photo dropped after a restart reuses its results with no 次 spent (the
 * server's ledger says so), 仍然重新处理 charges, a resized re-encoded copy is flagged and charged, and a batch
 * bigger than the balance starts exactly the first N.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { expectLedgerInvariant } from '../../../server/test/support/invariants.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { PhotoHistory, planBatch, type DraftEntry } from '../../src/core/duplicates.js';
import { DEFAULT_MODEL } from '@aizhao/shared';
import { TASK_DEFAULT_MODEL, runKey } from '../../src/shared/reuse.js';
import { NEAR_MAX_BITS, NEAR_MAX_COLOUR, isNearCopy, perceptualDistance, perceptualHash, sha256File } from '../../src/core/fingerprint.js';
import { buyInApp, confStore, loginWithSandboxCode, photoFolder, startDesktop, type Desktop } from '../support/desktop.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'aizhao-dup-'));

/** a garment photo of another cut: a skirt-like trapezoid instead of the shirt */
async function otherCut(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1100"><rect width="100%" height="100%" fill="#e9e9e6"/>
    <path d="M 380 150 L 520 150 L 760 980 L 140 980 Z" fill="#2b5fb4"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

describe('fingerprints', () => {
  const dir = tempDir();
  let photo: string;

  beforeAll(async () => {
    photo = join(dir, 'photo.jpg');
    writeFileSync(photo, await garmentJpeg(900, 1100, '#2b5fb4'));
  });

  it('SHA-256 of the bytes', async () => {
    expect(await sha256File(photo)).toBe(createHash('sha256').update(readFileSync(photo)).digest('hex'));
  });

  it('a resized, re-encoded copy is near; another colour of the same cut and another cut are not', async () => {
    const resized = join(dir, 'resized.jpg');
    await sharp(photo).resize(450, 550).jpeg({ quality: 55 }).toFile(resized);
    const webp = join(dir, 'copy.webp');
    await sharp(photo).resize(1200).webp({ quality: 60 }).toFile(webp);
    const red = join(dir, 'red.jpg');
    writeFileSync(red, await garmentJpeg(900, 1100, '#b4322b'));
    const cut = join(dir, 'cut.jpg');
    writeFileSync(cut, await otherCut());
    const [h, hr, hw, hred, hcut] = await Promise.all([photo, resized, webp, red, cut].map((p) => perceptualHash(p)));
    expect(isNearCopy(h!, hr!)).toBe(true);
    expect(isNearCopy(h!, hw!)).toBe(true);
    expect(perceptualDistance(h!, hr!).bits).toBeLessThanOrEqual(4);
    // dHash alone cannot tell the colours apart; the colour grid does
    expect(isNearCopy(h!, hred!)).toBe(false);
    expect(perceptualDistance(h!, hred!).colour).toBeGreaterThan(2 * NEAR_MAX_COLOUR);
    expect(isNearCopy(h!, hcut!)).toBe(false);
    expect(perceptualDistance(h!, hcut!).bits).toBeGreaterThan(NEAR_MAX_BITS);
  });
});

describe('PhotoHistory', () => {
  it('finds the newest run per type and parameters, says whether its results are at hand, and keeps users apart', async () => {
    const dir = tempDir();
    const result = join(dir, 'r_白底.jpg');
    writeFileSync(result, 'x');
    const store = confStore(dir);
    const h = new PhotoHistory(store);
    const base = { sha256: 'a'.repeat(64), phash: null, name: 'p.jpg', at: '2026-01-01T00:00:00.000Z' };
    h.record('u1', { ...base, type: 'basic_clean', params: {}, taskId: 't1', files: [result] });
    h.record('u1', {
      ...base,
      type: 'model_pose12',
      params: { scene: 'street', category: 'coat' },
      taskId: 't2',
      files: [join(dir, 'gone.jpg')],
    });
    h.record('u1', { ...base, type: 'basic_clean', params: {}, taskId: 't3', files: [result] }); // replaces t1
    const asked: string[] = [];
    const runs = await new PhotoHistory(confStore(dir)).previousRuns('u1', base.sha256, async (id) => {
      asked.push(id);
      return false;
    });
    expect(runs.map((r) => [r.taskId, r.type, r.available])).toEqual([
      ['t3', 'basic_clean', true],
      ['t2', 'model_pose12', false],
    ]);
    expect(asked).toEqual(['t2']); // the server is asked only when the local files are gone
    expect(await h.previousRuns('u2', base.sha256, async () => true)).toEqual([]);
  });

  it('plans a batch: exact runs of the same type and parameters reuse, 仍然重新处理 and other parameters charge, limit caps', () => {
    const run = {
      type: 'basic_clean' as const,
      params: {},
      taskId: 't1',
      name: 'a.jpg',
      at: '',
      available: true,
      files: ['/r/a_白底.jpg'],
    };
    const file = (name: string, extra: Partial<DraftEntry> = {}): DraftEntry => ({
      path: `/in/${name}`,
      name,
      size: 1,
      mime: 'image/jpeg',
      ext: 'jpg',
      relPath: name,
      source: '',
      ...extra,
    });
    const draft = [file('a.jpg', { previous: [run] }), file('b.jpg'), file('c.jpg'), file('d.jpg', { previous: [run], reprocess: true })];
    const plan = planBatch(draft, 'basic_clean', {}, 2);
    expect(plan.start.map((f) => [f.name, f.reuse?.taskId ?? null])).toEqual([
      ['a.jpg', 't1'],
      ['b.jpg', null],
      ['c.jpg', null],
    ]);
    expect(plan.charged).toBe(2);
    expect(plan.rest.map((f) => f.name)).toEqual(['d.jpg']);
    expect(planBatch(draft, 'model_pose12', { scene: 'street', category: 'coat' }).charged).toBe(4);
    expect(planBatch([file('a.jpg', { previous: [{ ...run, available: false }] })], 'basic_clean', {}).charged).toBe(1);
  });
});

describe('the run key', () => {
  it('tells models apart; a task made without a model was made with the server default', () => {
    expect(TASK_DEFAULT_MODEL).toBe(DEFAULT_MODEL);
    const coat = { scene: 'street', category: 'coat' } as const;
    expect(runKey('model_pose12', coat)).toBe(runKey('model_pose12', { ...coat, model: DEFAULT_MODEL }));
    expect(runKey('model_pose12', { ...coat, model: 'male' })).not.toBe(runKey('model_pose12', coat));
    expect(runKey('basic_clean', {})).toBe('basic_clean');
  });
});

describe('the same photo again, across a restart (sandbox server)', () => {
  let server: TestServer;
  let d: Desktop;
  const photos = tempDir();

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
    d = await startDesktop(server.url);
    await loginWithSandboxCode(d, server.url);
    await buyInApp(d);
  });
  afterAll(async () => {
    await d?.service.close();
    await server?.destroy();
  });

  const deducts = () => server.db.models.QuotaLog.count({ where: { action: 'deduct' } });
  const serverQuota = async () => (await d.service.refreshMembership()).quotaRemaining;
  const lastBatch = () => d.service.getState().batches[0]!;

  it('processes, restarts, reuses the result with no 次 spent; 仍然重新处理 charges', async () => {
    const original = join(photos, '春装-正面.jpg');
    writeFileSync(original, await garmentJpeg(900, 1100, '#2b8a4f'));
    await d.service.addFiles([original]);
    expect(d.service.getState().draft.files[0]).toMatchObject({ previous: [], similar: null, reprocess: false });
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const first = lastBatch().items[0]!;
    expect(first.stage).toBe('done');
    expect(await deducts()).toBe(1);

    // restart on the same disk: the session and the history come back
    await d.service.close();
    d = await startDesktop(server.url, { from: d });
    expect(d.service.getState().user).not.toBeNull();
    const quotaBefore = await serverQuota();

    // the same bytes under another name and folder
    const again = join(tempDir(), 'copy-of-photo.jpg');
    copyFileSync(original, again);
    await d.service.addFiles([again]);
    const draft = d.service.getState().draft.files[0]!;
    expect(draft.previous).toEqual([
      expect.objectContaining({ type: 'basic_clean', taskId: first.taskId, name: '春装-正面.jpg', available: true }),
    ]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const reused = lastBatch().items[0]!;
    expect(reused).toMatchObject({ stage: 'done', reused: true, taskId: first.taskId });
    expect(reused.outputDir).not.toBe(first.outputDir);
    expect(readFileSync(reused.files[0]!)).toEqual(readFileSync(first.files[0]!));
    expect(await deducts()).toBe(1);
    expect(await serverQuota()).toBe(quotaBefore);
    expect(await server.db.models.Task.count()).toBe(1);

    // its local results gone: still reused, downloaded again from the earlier task (the server keeps them)
    rmSync(first.outputDir, { recursive: true });
    rmSync(reused.outputDir, { recursive: true });
    await d.service.addFiles([original]);
    expect(d.service.getState().draft.files[0]!.previous?.[0]?.available).toBe(true);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const downloaded = lastBatch().items[0]!;
    expect(downloaded).toMatchObject({ stage: 'done', reused: true });
    expect((await sharp(downloaded.files[0]!).metadata()).width).toBe(800);
    expect(await deducts()).toBe(1);

    // 仍然重新处理: a new task, charged
    await d.service.addFiles([again]);
    d.service.setReprocess(again, true);
    expect(d.service.getState().draft.files[0]!.reprocess).toBe(true);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const redone = lastBatch().items[0]!;
    expect(redone).toMatchObject({ stage: 'done', reused: false });
    expect(redone.taskId).not.toBe(first.taskId);
    expect(await deducts()).toBe(2);
    expect(await serverQuota()).toBe(quotaBefore - 1);
    await expectLedgerInvariant(server.db);
  });

  it('flags a resized, re-encoded copy before paying, and charges it like any photo (never skipped)', async () => {
    const original = join(photos, '春装-正面.jpg');
    const smaller = join(tempDir(), '压缩版.jpg');
    await sharp(original).resize(600, 733).jpeg({ quality: 60 }).toFile(smaller);
    await d.service.addFiles([smaller]);
    const flagged = d.service.getState().draft.files[0]!;
    expect(flagged.previous).toEqual([]);
    // the newest run of that photo (the one 仍然重新处理 made, from its copy)
    expect(flagged.similar).toMatchObject({ name: 'copy-of-photo.jpg' });
    const before = await deducts();
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    expect(lastBatch().items[0]).toMatchObject({ stage: 'done', reused: false });
    expect(await deducts()).toBe(before + 1);
  });

  it('another task type of the same photo is not a duplicate', async () => {
    await d.service.addFiles([join(photos, '春装-正面.jpg')]);
    const plan = d.service.getState().draft.files[0]!;
    expect(plan.previous?.map((p) => p.type)).toEqual(['basic_clean']);
    d.service.clearDraft();
  });
});

describe('a batch bigger than the balance', () => {
  let server: TestServer;
  let d: Desktop;

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite', env: { PLAN_MONTHLY_QUOTA: '3' } });
    d = await startDesktop(server.url);
    await loginWithSandboxCode(d, server.url);
    await buyInApp(d);
  });
  afterAll(async () => {
    await d?.service.close();
    await server?.destroy();
  });

  it('is refused whole with the way out named, and 先处理前 N 张 processes exactly N and leaves the rest', async () => {
    await d.service.addFiles([await photoFolder(5)]);
    const names = d.service.getState().draft.files.map((f) => f.name);
    expect(names).toHaveLength(5);
    await expect(d.service.startBatch({ type: 'basic_clean', params: {} })).rejects.toMatchObject({
      code: 'QUOTA_EXHAUSTED',
      message: '剩余次数不足：这批需要 5 次，剩余 3 次。可以先处理前 3 张，或续费',
    });
    expect(await server.db.models.Task.count()).toBe(0);

    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {}, limit: 3 });
    await d.service.whenIdle();
    const batch = d.service.getState().batches.find((b) => b.id === batchId)!;
    expect(batch.items.map((i) => [i.name, i.stage])).toEqual(names.slice(0, 3).map((n) => [n, 'done']));
    expect(d.service.getState().draft.files.map((f) => f.name)).toEqual(names.slice(3));
    expect(await server.db.models.Task.count()).toBe(3);
    expect((await d.service.refreshMembership()).quotaRemaining).toBe(0);
    await expectLedgerInvariant(server.db);
  });
});
