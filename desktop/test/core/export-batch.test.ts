/**
 * Exports at the service level against the real sandbox server: a dropped SKU tree with duplicate names lands
 * mirrored in a dated, named batch folder; the white results are checked as the Taobao image as they arrive; then,
 * with the server stopped, the finished batch is exported again to other presets from the cached cut-outs — free
 * and offline — with a contact sheet per SKU, every file checked on disk.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/core/result-paths.js';
import type { BatchView } from '../../src/shared/contract.js';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { buyInApp, loginWithSandboxCode, photoFolder, startDesktop, type Desktop } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

describe('a SKU tree, exported to several marketplaces', () => {
  let server: TestServer;
  let d: Desktop;
  let batch: BatchView;
  let batchDir: string;
  const tree = ['SKU01/1.jpg', 'SKU02/1.jpg', 'SKU02/2.jpg', 'SKU02/细节/1.jpg', 'SKU03/1.jpg', 'SKU03/1.png'];

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
    d = await startDesktop(server.url);
    await loginWithSandboxCode(d, server.url);
    await buyInApp(d);
  });
  afterAll(async () => {
    await d?.service.close();
    await server?.destroy().catch(() => {});
  });

  it('mirrors the dropped folder under <root>/<date> <name>, and checks each white result as the Taobao image', async () => {
    const drop = join(mkdtempSync(join(tmpdir(), 'aizhao-photos-')), '春装');
    const photo = await garmentJpeg(900, 1100);
    for (const rel of tree) {
      mkdirSync(join(drop, rel, '..'), { recursive: true });
      writeFileSync(join(drop, rel), rel.endsWith('.png') ? await sharp(photo).png().toBuffer() : photo);
    }
    await d.service.addFiles([drop]);
    expect(d.service.getState().draft.files).toHaveLength(tree.length);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    batch = d.service.getState().batches.find((b) => b.id === batchId)!;
    batchDir = join(d.resultRoot, `${localDate(new Date())} 春装`);
    expect(batch).toMatchObject({ name: '春装', dir: batchDir, presets: [{ id: 'taobao' }], flat: false });
    expect(batch.items.map((i) => i.stage)).toEqual(Array(tree.length).fill('done'));
    expect(batch.items.map((i) => i.files[0])).toEqual([
      join(batchDir, 'SKU01', '1_白底.jpg'),
      join(batchDir, 'SKU02', '1_白底.jpg'),
      join(batchDir, 'SKU02', '2_白底.jpg'),
      join(batchDir, 'SKU02', '细节', '1_白底.jpg'),
      join(batchDir, 'SKU03', '1_白底.jpg'),
      join(batchDir, 'SKU03', '1-2_白底.jpg'), // 1.png beside 1.jpg
    ]);
    expect(batch.items.map((i) => i.relPath)).toEqual(tree);
    // the white result is the Taobao image: checked in place, not made again
    for (const item of batch.items) {
      expect(item.exports).toEqual([
        { itemId: item.id, source: expect.any(String), presetLabel: '淘宝/天猫 白底图', path: item.files[0], ok: true, failures: [] },
      ]);
    }
  });

  it('exports the finished batch again with the server stopped: from the cached cut-outs, free, checked', async () => {
    const quotaBefore = d.service.getState().membership!.quotaRemaining;
    // The engine kept each task's cut-out (basic_clean's `cutout` result) as <data>/cutouts/<taskId>.png when it
    // downloaded the results; one is taken away, standing for a photo whose cut-out never reached this computer.
    const cache = join(d.dir, 'data', 'cutouts');
    const withoutCutout = batch.items[5]!;
    for (const item of batch.items) expect(existsSync(join(cache, `${item.taskId}.png`))).toBe(true);
    rmSync(join(cache, `${withoutCutout.taskId}.png`));
    await server.destroy();

    const report = await d.service.exportItems({
      itemIds: batch.items.map((i) => i.id),
      presets: [{ id: 'amazon' }, { id: 'transparent' }],
      contactSheet: true,
    });
    expect(report.dir).toBe(batchDir);
    const amazon = join(batchDir, '亚马逊主图');
    expect(report.files.filter((f) => f.presetLabel === '亚马逊 主图').map((f) => f.path)).toEqual([
      join(amazon, 'SKU01', '1_亚马逊.jpg'),
      join(amazon, 'SKU02', '1_亚马逊.jpg'),
      join(amazon, 'SKU02', '2_亚马逊.jpg'),
      join(amazon, 'SKU02', '细节', '1_亚马逊.jpg'),
      join(amazon, 'SKU03', '1_亚马逊.jpg'),
    ]);
    expect(report.files).toHaveLength(10);
    expect(report.files.every((f) => f.ok && f.failures.length === 0)).toBe(true);
    for (const f of report.files) {
      const meta = await sharp(f.path).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(f.path.endsWith('.png') ? ['png', 800, 800] : ['jpeg', 2000, 2000]);
    }
    expect(readdirSync(join(batchDir, '透明底PNG', 'SKU02')).sort()).toEqual(['1_透明底.png', '2_透明底.png', '细节']);
    // a photo whose cut-out is not on this computer cannot be made offline: said, not guessed
    expect(report.skipped).toEqual([{ itemId: withoutCutout.id, name: '1.png', reason: '本机还没有这张图片的抠图，请联网后再导出' }]);
    // one contact sheet per SKU folder, in it
    expect(report.sheets.sort()).toEqual(
      [
        join(batchDir, 'SKU01', 'SKU01_总览.jpg'),
        join(batchDir, 'SKU02', 'SKU02_总览.jpg'),
        join(batchDir, 'SKU02', '细节', '细节_总览.jpg'),
        join(batchDir, 'SKU03', 'SKU03_总览.jpg'),
      ].sort(),
    );
    expect(await sharp(join(batchDir, 'SKU02', 'SKU02_总览.jpg')).metadata()).toMatchObject({ format: 'jpeg', width: 2 * 320 + 3 * 16 });
    // nothing was charged; the items show their latest exports
    expect(d.service.getState().membership!.quotaRemaining).toBe(quotaBefore);
    const items = d.service.getState().batches.find((b) => b.id === batch.id)!.items;
    expect(items[0]!.exports.map((f) => f.presetLabel)).toEqual(['亚马逊 主图', '透明底 PNG']);

    // one result to one custom preset, in its own folder
    const one = await d.service.exportResult({
      itemId: batch.items[1]!.id,
      preset: { id: 'custom', width: 1000, height: 1000, fill: 0.8, background: '#ffffff', format: 'jpeg' },
    });
    expect(one.files).toMatchObject([{ path: join(batchDir, '自定义1000x1000', 'SKU02', '1_1000x1000.jpg'), ok: true }]);
    expect(one.dir).toBe(join(batchDir, '自定义1000x1000'));
    await d.service.openFolder(one.dir);
    expect(d.platform.opened).toContain(one.dir);
  });
});

describe('model images from the sandbox, exported to 3:4', () => {
  const ctx = sandboxDesktop('member');

  it('crops all twelve poses of a real model_pose12 task to the chosen size, into the preset’s folder', async () => {
    const { d } = ctx;
    await d.service.addFiles([await photoFolder(1)]);
    const { batchId } = await d.service.startBatch({ type: 'model_pose12', params: { scene: 'street', category: 'dress' } });
    await d.service.whenIdle();
    const item = d.service.getState().batches.find((b) => b.id === batchId)!.items[0]!;
    expect([item.stage, item.files.length]).toEqual(['done', 12]);
    // 设置's default (Taobao) is not for model images: nothing was made for it
    expect(item.exports).toEqual([]);

    const report = await d.service.exportItems({
      itemIds: [item.id],
      presets: [{ id: 'pose', aspect: '3:4', width: 750 }, { id: 'taobao' }],
    });
    expect(report.skipped).toEqual([]);
    expect(report.files).toHaveLength(12);
    expect(report.files.every((f) => f.ok)).toBe(true);
    expect(report.dir).toBe(join(item.outputDir, '模特图3x4')); // the folder of what was made
    for (const f of report.files) expect(await sharp(f.path).metadata()).toMatchObject({ format: 'jpeg', width: 750, height: 1000 });
    expect(report.files[0]!.path).toBe(join(item.outputDir, '模特图3x4', '款式01_pose01_3x4_750.jpg'));
  });
});
