/**
 * The export screens in Chromium: 导出全部 on a finished batch opens the export dialog (presets, 规格待核实 where
 * numbers are secondary, contact sheet); 导出 sends the choice, and each exported file gets its compliance badge —
 * from the real exporter run on real files behind the scripted main process (one plain garment really is under
 * Taobao's 38 KB); 打开文件夹 opens the export folder. Also the new-batch form's export options and 设置's
 * default presets. Screenshots: test-results/screenshots/desktop-export-*.png.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeFromCutout } from '../../src/core/exports/compose.js';
import { Exporter, type ExportSource } from '../../src/core/exports/exporter.js';
import { MARKET_PRESETS, presetViews } from '../../src/core/exports/presets.js';
import type { QueueBatch, QueueItem } from '../../src/core/queue-store.js';
import type { AppState, ExportItemsInput, ItemView } from '../../src/shared/contract.js';
import { appState, batch as batchView, item as itemView } from '../support/app-state-fixtures.js';
import { cutoutPng, modelPhoto } from '../support/cutouts.js';
import { pushState, screenshotDir, useRendererPages } from '../support/renderer-harness.js';
import { ScriptedBridge, type Handlers } from '../support/scripted-bridge.js';
import { thumbnailFor } from './garment-art.js';

const SCREENSHOT_DIR = screenshotDir();
const renderer = useRendererPages();

const root = mkdtempSync(join(tmpdir(), 'aizhao-export-ui-'));
const batchDir = join(root, '2026-03-08 春装');
const cutouts = join(root, 'cutouts');
const queueBatch: QueueBatch = {
  id: 'b1',
  userId: 'u_1',
  createdAt: new Date().toISOString(),
  type: 'basic_clean',
  params: {},
  notified: true,
  dir: batchDir,
  name: '春装',
  presets: [{ id: 'taobao' }],
  flat: false,
};
const SKUS = [
  { id: 'i1', rel: 'SKU01/正面.jpg', colour: '#2b5fb4', plain: false },
  { id: 'i2', rel: 'SKU01/背面.jpg', colour: '#b4322b', plain: false },
  { id: 'i3', rel: 'SKU02/正面.jpg', colour: '#2b8a4f', plain: true },
];
const queueItems: QueueItem[] = [];
let views: ItemView[] = [];
let exporter: Exporter;

/** A flat-coloured garment: its JPEG is very small (nothing to encode), as a plain product on white can be. */
async function plainCutout(colour: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="1100"><rect x="150" y="100" width="600" height="900" fill="${colour}"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

beforeAll(async () => {
  mkdirSync(cutouts, { recursive: true });
  exporter = new Exporter({
    cachedCutout: (taskId) => join(cutouts, `${taskId}.png`),
    fetchCutout: async () => null,
  });
  for (const s of SKUS) {
    const [sku, file] = s.rel.split('/') as [string, string];
    const stem = file.replace('.jpg', '');
    const outputDir = join(batchDir, sku);
    mkdirSync(outputDir, { recursive: true });
    const cutout = s.plain ? await plainCutout(s.colour) : await cutoutPng({ colour: s.colour });
    writeFileSync(join(cutouts, `t-${s.id}.png`), cutout);
    const white = join(outputDir, `${stem}_白底.jpg`);
    writeFileSync(white, await composeFromCutout(cutout, MARKET_PRESETS.taobao));
    queueItems.push({
      id: s.id,
      batchId: 'b1',
      userId: 'u_1',
      path: `/Users/shop/Desktop/春装/${s.rel}`,
      name: file,
      size: 2_000_000,
      mime: 'image/jpeg',
      ext: 'jpg',
      type: 'basic_clean',
      params: {},
      outputDir,
      stem,
      relPath: s.rel,
      stage: 'done',
      inputKey: 'k',
      uploaded: true,
      clientRequestId: 'c',
      taskId: `t-${s.id}`,
      failure: null,
      errorReason: null,
      refunded: false,
      files: [white],
    });
  }
  // the white results as checked when they arrived (the Taobao image checked in place)
  const arrived = await exporter.export(sources(queueItems.map((i) => i.id)), {
    presets: [{ id: 'taobao' }],
    flat: false,
    perPresetFolder: false,
    contactSheet: false,
  });
  views = queueItems.map((i) =>
    itemView({
      id: i.id,
      name: i.name,
      stage: 'done',
      taskId: i.taskId,
      outputDir: i.outputDir,
      files: i.files,
      relPath: i.relPath!,
      exports: arrived.files.filter((f) => f.itemId === i.id),
    }),
  );
});

const sources = (ids: readonly string[]): ExportSource[] =>
  ids.map((id) => ({ item: queueItems.find((i) => i.id === id)!, batch: queueBatch }));

const state = (o: Partial<AppState> = {}) =>
  appState({ batches: [batchView({ id: 'b1', items: views, dir: batchDir, name: '春装' })], ...o });

async function open(s: AppState, handlers: Handlers = {}) {
  const bridge = new ScriptedBridge(s, {
    thumbnail: (path) => thumbnailFor(path),
    listExportPresets: () => presetViews(),
    exportItems: (input: ExportItemsInput) =>
      exporter.export(sources(input.itemIds), {
        presets: input.presets,
        flat: input.flat === true,
        perPresetFolder: true,
        contactSheet: input.contactSheet === true,
      }),
    ...handlers,
  });
  const { page } = await renderer.open(bridge.invoke);
  await page.getByTestId('membership-bar').waitFor();
  return { page, bridge };
}

async function shoot(page: Page, scene: string) {
  await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete));
  await page.screenshot({ path: `${SCREENSHOT_DIR}desktop-export-${scene}.png`, fullPage: true, animations: 'disabled' });
}

const TOO_SMALL = /^文件大小 \d+ KB，淘宝要求 38–300 KB$/;

describe('export dialog', () => {
  it('exports a finished batch to two presets with a contact sheet, and shows each file’s compliance badge', async () => {
    const { page, bridge } = await open(state());
    await page.getByTestId('tab-progress').click();
    // each item shows how its white result fared against Taobao's rules
    const badges = page.getByTestId('export-badge');
    await expect.poll(() => badges.count()).toBe(3);
    expect(await badges.evaluateAll((els) => els.map((e) => e.getAttribute('data-ok')))).toEqual(['true', 'true', 'false']);
    expect((await badges.nth(2).textContent())!.replace('淘宝/天猫 白底图', '')).toMatch(TOO_SMALL);
    await shoot(page, 'progress-badges');

    await page.getByTestId('batch-export-all').click();
    const dialog = page.getByTestId('export-dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('preset-list').locator('li').count()).toBe(6);
    expect(await page.getByTestId('preset-taobao').locator('input').isChecked()).toBe(true); // 设置's default
    expect(await page.getByTestId('preset-amazon').textContent()).toContain('规格待核实');
    expect(await page.getByTestId('preset-transparent').textContent()).not.toContain('规格待核实');
    await dialog.locator('.export-body').evaluate((el) => el.scrollTo(0, 0));
    await page.getByTestId('custom-toggle').check();
    await page.getByTestId('custom-fields').waitFor();
    await shoot(page, 'dialog-custom');
    await page.getByTestId('custom-toggle').uncheck();
    await page.getByTestId('preset-amazon').click();
    await page.getByTestId('sheet-toggle').check();
    await dialog.locator('.export-body').evaluate((el) => el.scrollTo(0, 0));
    await shoot(page, 'dialog');

    await page.getByTestId('export-start').click();
    await page.getByTestId('export-report').waitFor({ timeout: 60_000 });
    expect(bridge.argsOf('exportItems')).toEqual([
      [{ itemIds: ['i1', 'i2', 'i3'], presets: [{ id: 'taobao' }, { id: 'amazon' }], flat: false, contactSheet: true }],
    ]);
    const files = page.getByTestId('export-file');
    expect(await files.count()).toBe(6);
    const rows = await files.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-ok'), e.querySelector('.export-file__name')!.textContent]),
    );
    expect(rows).toEqual([
      ['true', 'SKU01/正面_白底.jpg'],
      ['true', 'SKU01/正面_亚马逊.jpg'],
      ['true', 'SKU01/背面_白底.jpg'],
      ['true', 'SKU01/背面_亚马逊.jpg'],
      ['false', 'SKU02/正面_白底.jpg'],
      ['true', 'SKU02/正面_亚马逊.jpg'], // Amazon sets no file size window
    ]);
    expect(await files.nth(4).locator('.badge').textContent()).toMatch(TOO_SMALL);
    expect(await page.getByTestId('export-summary').textContent()).toBe('已导出 6 个文件，1 个未通过检查，2 张总览图');
    await shoot(page, 'report');

    await page.getByTestId('export-open').click();
    await expect.poll(() => bridge.argsOf('openFolder')).toEqual([[batchDir]]);
    await page.getByTestId('export-close').click();
    expect(await page.getByTestId('export-dialog').count()).toBe(0);
  });

  it('model images: exported to a chosen aspect and width, cropped around the model', async () => {
    const outputDir = join(batchDir, 'SKU09');
    mkdirSync(outputDir, { recursive: true });
    const poses: string[] = [];
    for (let i = 0; i < 12; i++) {
      const path = join(outputDir, `正面_pose${String(i + 1).padStart(2, '0')}.jpg`);
      writeFileSync(path, await modelPhoto(450, 800, { left: 40 + i * 10, top: 60, width: 150, height: 560 }));
      poses.push(path);
    }
    const modelBatch: QueueBatch = { ...queueBatch, id: 'b9', type: 'model_pose12', params: { scene: 'street', category: 'dress' } };
    const modelItem: QueueItem = {
      ...queueItems[0]!,
      id: 'm1',
      batchId: 'b9',
      type: 'model_pose12',
      outputDir,
      relPath: 'SKU09/正面.jpg',
      files: poses,
    };
    const view = itemView({
      id: 'm1',
      batchId: 'b9',
      name: '正面.jpg',
      stage: 'done',
      taskId: 't-m1',
      outputDir,
      files: poses,
      relPath: 'SKU09/正面.jpg',
    });
    const s = appState({
      batches: [
        batchView({
          id: 'b9',
          type: 'model_pose12',
          params: { scene: 'street', category: 'dress' },
          items: [view],
          dir: batchDir,
          name: '春装',
        }),
      ],
    });
    const { page, bridge } = await open(s, {
      exportItems: (input: ExportItemsInput) =>
        exporter.export(
          input.itemIds.map(() => ({ item: modelItem, batch: modelBatch })),
          { presets: input.presets, flat: input.flat === true, perPresetFolder: true, contactSheet: input.contactSheet === true },
        ),
    });
    await page.getByTestId('tab-progress').click();
    await page.getByTestId('batch-export-all').click();
    await page.getByTestId('pose-fields').waitFor();
    // marketplace presets are for 基础修图 results: not offered for model images
    expect(await page.getByTestId('preset-list').count()).toBe(0);
    await page.getByTestId('pose-fields').getByRole('radio', { name: '1:1' }).click();
    await page.getByTestId('pose-fields').locator('select').selectOption('800');
    await shoot(page, 'pose-dialog');
    await page.getByTestId('export-start').click();
    await page.getByTestId('export-report').waitFor({ timeout: 60_000 });
    expect(bridge.argsOf('exportItems')).toEqual([
      [{ itemIds: ['m1'], presets: [{ id: 'pose', aspect: '1:1', width: 800 }], flat: false, contactSheet: false }],
    ]);
    const files = page.getByTestId('export-file');
    expect(await files.count()).toBe(12);
    expect(await files.first().locator('.export-file__name').textContent()).toBe('SKU09/正面_pose01_1x1_800.jpg');
    const out = join(batchDir, '模特图1x1', 'SKU09', '正面_pose01_1x1_800.jpg');
    expect(await sharp(out).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
    await shoot(page, 'pose-report');
  });

  it('the new-batch form takes a batch name, presets and the flat layout; 设置 keeps the defaults', async () => {
    const draft = {
      files: [
        { path: '/Users/shop/Desktop/春装/SKU01/正面.jpg', name: '正面.jpg', size: 2_000_000, source: '春装' },
        { path: '/Users/shop/Desktop/春装/SKU02/正面.jpg', name: '正面.jpg', size: 2_100_000, source: '春装' },
      ],
      rejected: [],
    };
    const { page, bridge } = await open(state({ batches: [], draft }), { startBatch: () => ({ batchId: 'b2' }) });
    await page.getByTestId('task-type-basic_clean').click();
    expect(await page.getByTestId('batch-name').getAttribute('placeholder')).toBe('春装');
    await page.getByTestId('batch-name').fill('春装上新');
    await page.getByTestId('batch-presets').getByTestId('preset-pdd').click();
    await page.getByTestId('batch-flat').check();
    await shoot(page, 'new-batch');
    await page.getByTestId('start-batch').click();
    await expect
      .poll(() => bridge.argsOf('startBatch'))
      .toEqual([[{ type: 'basic_clean', params: {}, name: '春装上新', presets: [{ id: 'taobao' }, { id: 'pdd' }], flat: true }]]);

    await page.getByTestId('tab-settings').click();
    await page.getByTestId('default-presets').getByTestId('preset-jd').click();
    await expect.poll(() => bridge.argsOf('setExportDefaults')).toEqual([[{ presets: [{ id: 'taobao' }, { id: 'jd' }], flat: false }]]);
    await pushState(
      page,
      state({ settings: { ...state().settings, exportDefaults: { presets: [{ id: 'taobao' }, { id: 'jd' }], flat: false } } }),
    );
    expect(await page.getByTestId('default-presets').getByTestId('preset-jd').locator('input').isChecked()).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'settings');
  });
});
