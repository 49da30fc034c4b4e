/**
 * Marketplace exports on real files: each preset composed from a real cut-out, written, and checked pixel by pixel
 * by the test itself (exact size, format, the outer pixels exactly pure white or transparent, the subject's fill
 * measured from the pixels, the file size window) and by the compliance check; deliberately bad files fail the
 * check with the exact Chinese sentence; model photos are cropped around the model; contact sheets have their size.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCompliance } from '../../src/core/exports/compliance.js';
import { composeFromCutout, encodeInWindow } from '../../src/core/exports/compose.js';
import { contactSheet, SHEET, sheetSize } from '../../src/core/exports/contact-sheet.js';
import { cropAround, cropPose, poseSpec } from '../../src/core/exports/pose-crop.js';
import { imageSpec, isUnconfirmed, MARKET_PRESETS, presetViews } from '../../src/core/exports/presets.js';
import { MARKET_PRESET_IDS } from '../../src/shared/contract.js';
import { cutoutPng, MODEL, modelPhoto } from '../support/cutouts.js';

const dir = mkdtempSync(join(tmpdir(), 'aizhao-exports-'));

/** The test's own reading of a file: size, format, every outer pixel, and the box of the non-background pixels. */
async function inspect(path: string) {
  const meta = await sharp(path).metadata();
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4));
  const ring: number[][] = [];
  for (let x = 0; x < info.width; x++) ring.push(px(x, 0), px(x, info.height - 1));
  for (let y = 0; y < info.height; y++) ring.push(px(0, y), px(info.width - 1, y));
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const [r, g, b, a] = px(x, y) as [number, number, number, number];
      const subject = meta.hasAlpha ? a > 8 : r < 230 || g < 230 || b < 230;
      if (subject) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
    }
  const fill = Math.max((maxX - minX + 1) / info.width, (maxY - minY + 1) / info.height);
  return { format: meta.format, width: info.width, height: info.height, bytes: statSync(path).size, ring, fill, hasAlpha: meta.hasAlpha };
}

describe('every marketplace preset, from one real cut-out', () => {
  let cutout: Buffer;
  beforeAll(async () => {
    cutout = await cutoutPng();
  });

  it.each(MARKET_PRESET_IDS)('%s: exact size and format, pure background at the edges, fill and file size in range', async (id) => {
    const spec = MARKET_PRESETS[id];
    const path = join(dir, `${id}.${spec.format === 'png' ? 'png' : 'jpg'}`);
    writeFileSync(path, await composeFromCutout(cutout, spec));
    const f = await inspect(path);
    expect([f.format, f.width, f.height]).toEqual([spec.format, spec.width, spec.height]);
    if (spec.background) {
      expect(f.ring.every(([r, g, b]) => r === 255 && g === 255 && b === 255)).toBe(true);
    } else {
      expect(f.hasAlpha).toBe(true);
      expect(f.ring.every(([, , , a]) => a === 0)).toBe(true);
    }
    expect(f.fill).toBeGreaterThanOrEqual(spec.fill.min);
    expect(f.fill).toBeLessThanOrEqual(spec.fill.max);
    expect(Math.abs(f.fill - spec.fill.target)).toBeLessThan(0.01);
    if (spec.bytes) {
      expect(f.bytes).toBeGreaterThanOrEqual(spec.bytes.min);
      expect(f.bytes).toBeLessThanOrEqual(spec.bytes.max);
    }
    expect(await checkCompliance(path, spec)).toMatchObject({ ok: true, failures: [] });
  });

  it('Amazon: 2000×2000 with the product filling at least 85 %', async () => {
    const path = join(dir, 'amazon-check.jpg');
    writeFileSync(path, await composeFromCutout(cutout, MARKET_PRESETS.amazon));
    const f = await inspect(path);
    expect([f.width, f.height]).toEqual([2000, 2000]);
    expect(f.fill).toBeGreaterThanOrEqual(0.85);
  });

  it('a custom size, fill and background colour', async () => {
    const spec = imageSpec({ id: 'custom', width: 1200, height: 900, fill: 0.7, background: '#f2e6d0', format: 'jpeg' });
    const path = join(dir, 'custom.jpg');
    writeFileSync(path, await composeFromCutout(cutout, spec));
    const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([1200, 900]);
    expect(Array.from(data.subarray(0, 3))).toEqual([0xf2, 0xe6, 0xd0]);
    expect(await checkCompliance(path, spec)).toMatchObject({ ok: true });
    expect((await checkCompliance(path, spec)).measured.fill).toBeCloseTo(0.7, 2);
  });

  it('the JPEG quality search lands a heavy image under the maximum', async () => {
    // fine texture all over (a knit close up): quality 90 is far above 300 KB
    const spec = MARKET_PRESETS.taobao;
    const noisy = await sharp(randomBytes(800 * 800 * 3), { raw: { width: 800, height: 800, channels: 3 } })
      .blur(1)
      .raw()
      .toBuffer();
    const first = await sharp(noisy, { raw: { width: 800, height: 800, channels: 3 } })
      .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
      .toBuffer();
    expect(first.length).toBeGreaterThan(spec.bytes!.max);
    const jpeg = await encodeInWindow(noisy, spec);
    expect(jpeg.length).toBeLessThanOrEqual(spec.bytes!.max);
    expect(jpeg.length).toBeGreaterThanOrEqual(spec.bytes!.min);
  });

  it('lists every preset, marking those whose numbers come from secondary sources', () => {
    const views = presetViews();
    expect(views.map((v) => v.preset)).toEqual(MARKET_PRESET_IDS.map((id) => ({ id })));
    expect(views.find((v) => v.preset.id === 'taobao')).toMatchObject({ summary: '800×800 JPG · 38–300 KB · 纯白底', unconfirmed: true });
    expect(isUnconfirmed('jd')).toBe(true);
    expect(isUnconfirmed('douyin')).toBe(true); // no source found at all
    expect(isUnconfirmed('transparent')).toBe(false);
  });
});

describe('the compliance check fails bad files with the rule in Chinese', () => {
  /** a white canvas with a dark block, on 8-pixel JPEG block boundaries (no ringing outside the block) */
  async function block(o: { size: number; blockH: number; background?: number; format?: 'jpeg' | 'png'; quality?: number }) {
    const { size, blockH, background = 255 } = o;
    const top = Math.round((size - blockH) / 16) * 8;
    const img = sharp({
      create: { width: size, height: size, channels: 3, background: { r: background, g: background, b: background } },
    }).composite([
      {
        input: { create: { width: 400, height: blockH, channels: 3, background: { r: 30, g: 40, b: 60 } } },
        left: Math.round((size - 400) / 16) * 8,
        top,
      },
    ]);
    return o.format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: o.quality ?? 90, chromaSubsampling: '4:4:4' }).toBuffer();
  }

  it('a product filling 72 % of an Amazon image', async () => {
    const path = join(dir, 'small-subject.jpg');
    writeFileSync(path, await block({ size: 2000, blockH: 1440 }));
    const c = await checkCompliance(path, MARKET_PRESETS.amazon);
    expect(c.ok).toBe(false);
    expect(c.failures).toEqual(['主体占比 72%，亚马逊要求 ≥ 85%']);
  });

  it('an off-white background, a wrong size, a wrong format, a file under the size window', async () => {
    const grey = join(dir, 'grey.jpg');
    writeFileSync(grey, await block({ size: 2000, blockH: 1760, background: 250 }));
    expect((await checkCompliance(grey, MARKET_PRESETS.amazon)).failures).toEqual(['边缘不是纯白 (255,255,255)：发现 (250,250,250)']);

    const png = join(dir, 'taobao.png');
    writeFileSync(png, await block({ size: 800, blockH: 704, format: 'png' }));
    expect((await checkCompliance(png, MARKET_PRESETS.taobao)).failures).toContain('格式为 PNG，淘宝要求 JPG');

    const small = join(dir, 'tiny.jpg');
    writeFileSync(small, await block({ size: 800, blockH: 704, quality: 40 }));
    const tiny = await checkCompliance(small, MARKET_PRESETS.taobao);
    expect(tiny.failures).toEqual([`文件大小 ${Math.round(statSync(small).size / 1024)} KB，淘宝要求 38–300 KB`]);

    const jd = join(dir, 'jd-750.jpg');
    writeFileSync(jd, await block({ size: 800, blockH: 704 }));
    expect((await checkCompliance(jd, MARKET_PRESETS.pdd)).failures).toEqual(['尺寸 800×800，拼多多要求 750×750']);
  });

  it('a transparent export whose edge is not transparent', async () => {
    const path = join(dir, 'opaque.png');
    writeFileSync(
      path,
      await sharp({ create: { width: 800, height: 800, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 1 } } })
        .png()
        .toBuffer(),
    );
    const c = await checkCompliance(path, MARKET_PRESETS.transparent);
    expect(c.failures).toEqual(['边缘不透明（第 1 列第 1 行）', '主体占比 100%，透明底要求 ≤ 98%']);
  });
});

describe('model photos cropped around the model', () => {
  // near the top left: a blind centre crop would cut the head
  const model = { left: 80, top: 60, width: 300, height: 1000 };
  let photo: Buffer;
  beforeAll(async () => {
    photo = await modelPhoto(900, 1600, model);
  });

  /** the box of the model's red pixels in a JPEG */
  async function redBox(jpeg: Buffer) {
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    let [minX, minY, maxX, maxY, count] = [Infinity, Infinity, -1, -1, 0];
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++) {
        const o = (y * info.width + x) * 3;
        if (Math.abs(data[o]! - MODEL.r) < 40 && Math.abs(data[o + 1]! - MODEL.g) < 40 && Math.abs(data[o + 2]! - MODEL.b) < 40) {
          [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
          count++;
        }
      }
    return { info, box: { left: minX, top: minY, right: maxX, bottom: maxY }, count };
  }

  it('3:4 keeps the whole model, off the centre of the photo, inside the frame', async () => {
    const out = await cropPose(photo, { id: 'pose', aspect: '3:4', width: 750 });
    const { info, box } = await redBox(out);
    expect([info.width, info.height]).toEqual([750, 1000]);
    // the whole figure is there, with room on every side (it does not touch the edges)
    expect(box.left).toBeGreaterThan(0);
    expect(box.top).toBeGreaterThan(0);
    expect(box.right).toBeLessThan(749);
    expect(box.bottom).toBeLessThan(999);
    // the scale is the crop's: the figure's 1100 px height is most of the 1000 px output
    expect((box.bottom - box.top + 1) / 1000).toBeGreaterThan(0.8);
    // a blind centre crop of the same aspect would have cut the head
    const centreTop = (1600 - (900 * 4) / 3) / 2;
    expect(centreTop).toBeGreaterThan(model.top);
    // and the crop chosen is around the model: the model's box in photo pixels is inside it
    const crop = cropAround({ ...model, width: model.width, height: model.height }, 900, 1600, 3 / 4);
    expect(crop.top).toBeLessThanOrEqual(model.top);
    expect(crop.top + crop.height).toBeGreaterThanOrEqual(model.top + model.height);
    expect(crop.left).toBeLessThanOrEqual(model.left);
    expect(crop.left + crop.width).toBeGreaterThanOrEqual(model.left + model.width);
  });

  it('1:1 of a model taller than the widest square keeps the head', async () => {
    const out = await cropPose(photo, { id: 'pose', aspect: '1:1', width: 800 });
    const { info, box } = await redBox(out);
    expect([info.width, info.height]).toEqual([800, 800]);
    expect(box.top).toBeGreaterThan(0); // the head is inside, with a margin above
    expect(box.left).toBeGreaterThan(0);
    expect(poseSpec({ id: 'pose', aspect: '1:1', width: 800 })).toMatchObject({ width: 800, height: 800, format: 'jpeg' });
  });
});

describe('contact sheet', () => {
  it('one JPEG with every result of a SKU, labelled, sized for its count', async () => {
    const entries = [];
    for (let i = 0; i < 5; i++) {
      const path = join(dir, `sheet-${i}.jpg`);
      writeFileSync(
        path,
        await composeFromCutout(await cutoutPng({ colour: ['#2b5fb4', '#b4322b', '#2b8a4f'][i % 3] }), MARKET_PRESETS.taobao),
      );
      entries.push({ path, label: `正面_${i + 1}_白底.jpg` });
    }
    const sheet = await contactSheet('SKU123', entries);
    const meta = await sharp(sheet).metadata();
    const want = sheetSize(5);
    expect(want).toMatchObject({ columns: 4, rows: 2 });
    expect([meta.format, meta.width, meta.height]).toEqual([
      'jpeg',
      4 * SHEET.cell + 5 * SHEET.gap,
      SHEET.title + 2 * (SHEET.cell + SHEET.label) + 3 * SHEET.gap,
    ]);
    expect([meta.width, meta.height]).toEqual([want.width, want.height]);
    // the labels are drawn: dark pixels in the label strip under the first cell
    const { data } = await sharp(sheet)
      .extract({ left: SHEET.gap, top: SHEET.title + SHEET.gap + SHEET.cell, width: SHEET.cell, height: SHEET.label })
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Math.min(...data)).toBeLessThan(120);
    writeFileSync(join(dir, 'sheet.jpg'), sheet);
  });
});
