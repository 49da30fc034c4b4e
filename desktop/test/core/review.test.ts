/**
 * Reviewing results in the main process: previews at the review's sizes (sharp scales them; the renderer never gets
 * the full file), and 重做 — the same photos as a new batch of the same type, charged again, refused before any
 * charge when the photo is gone, the balance is short, or the items are not the merchant's.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { PREVIEW_PIXELS, makeThumbnail } from '../../src/core/thumbnail.js';
import { changeBalance, lockUser } from '../../../server/src/modules/quota/ledger.js';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { photoFolder, type Desktop } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

describe('previews', () => {
  it('makes each review size from a large photo, never larger than asked, as a JPEG', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aizhao-preview-')), '大图.jpg');
    writeFileSync(path, await garmentJpeg(3000, 2000));
    for (const size of ['thumb', 'grid', 'detail'] as const) {
      const url = (await makeThumbnail(path, PREVIEW_PIXELS[size]))!;
      expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
      const meta = await sharp(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')).metadata();
      expect([meta.width, meta.height], size).toEqual([PREVIEW_PIXELS[size], Math.round((PREVIEW_PIXELS[size] * 2) / 3)]);
    }
    expect(PREVIEW_PIXELS.detail).toBeGreaterThan(PREVIEW_PIXELS.grid);
  });
});

describe('重做', () => {
  let d: Desktop;
  const sandbox = sandboxDesktop('member');
  beforeAll(() => ({ d } = sandbox));
  const quota = () => d.service.getState().membership!.quotaRemaining;

  it('processes the same photo again as a new batch of the same type, charged again; the old result stays', async () => {
    await d.service.addFiles([await photoFolder(2)]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const [first] = d.service.getState().batches;
    const done = first!.items[0]!;
    expect(done.stage).toBe('done');
    const before = quota();
    const { batchId } = await d.service.redoItems([done.id]);
    expect(batchId).not.toBe(first!.id);
    await d.service.whenIdle();
    const redo = d.service.getState().batches.find((b) => b.id === batchId)!;
    expect(redo.type).toBe('basic_clean');
    expect(redo.items).toHaveLength(1);
    expect(redo.items[0]).toMatchObject({ path: done.path, name: done.name, stage: 'done' });
    expect(redo.items[0]!.taskId).not.toBe(done.taskId);
    expect(redo.items[0]!.outputDir).not.toBe(done.outputDir); // a folder of its own: the first result is kept
    expect(existsSync(done.files[0]!)).toBe(true);
    expect(quota()).toBe(before - 1);
  });

  it('refuses, before any charge, a photo that is gone, a balance too short, and items that are not there', async () => {
    const [, first] = d.service.getState().batches; // the 2-photo batch (newest first)
    const [a, b] = first!.items;
    const before = quota();
    const batches = d.service.getState().batches.length;
    rmSync(b!.path);
    await expect(d.service.redoItems([a!.id, b!.id])).rejects.toMatchObject({
      code: 'INPUT_UNAVAILABLE',
      message: expect.stringContaining(b!.name),
    });
    await expect(d.service.redoItems(['no-such-item'])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const { server } = sandbox;
    await server.db.transaction(async (t) => {
      const user = await lockUser(server.db, d.service.getState().user!.id, t);
      await changeBalance(server.db, user, { action: 'adjust', amount: -user.quotaRemaining, reason: 'test' }, t);
    });
    await expect(d.service.redoItems([a!.id])).rejects.toMatchObject({ code: 'QUOTA_EXHAUSTED' });
    expect(d.service.getState().batches).toHaveLength(batches);
    expect(before).toBeGreaterThan(0);
  });
});
