/**
 * basic_clean's CI steps against the sandbox CI through the real SDK: the imageMogr2 downscale that caps a 12 MP photo
 * at 2000 px before GoodsMatting, the rules and limits the emulator refuses as CI does, GoodsMatting's pixel loops
 * in the worker thread (several at once), and the two results composed from the capped cut-out, checked on pixels.
 */
import sharp from 'sharp';
import { alphaBoundingBox } from '../../src/vendors/cos/alpha-bounds.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goodsMatting } from '../../src/sandbox/cos/goods-matting.js';
import { MAX_OUTPUT_SIDE, parseGeometry, thumbnailSize } from '../../src/sandbox/cos/image-mogr2.js';
import { CosImageProcessor, downscaleRule } from '../../src/vendors/cos/ci.js';
import {
  basicCleanOutputs,
  CANVAS_SIZE,
  MAX_CUTOUT_SIDE,
  subjectBox,
  TRIM_ALPHA_THRESHOLD,
  trimSubject,
} from '../../src/vendors/cos/compose.js';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { garmentJpeg, inspectCutout, pixelAt, startHarness, type Harness } from './helpers.js';

let h: Harness;
let storage: CosObjectStorage;
let ci: CosImageProcessor;
beforeAll(async () => {
  h = await startHarness();
  storage = new CosObjectStorage(h.clientOptions);
  ci = new CosImageProcessor(h.clientOptions);
});
afterAll(async () => {
  await h?.close();
});

const size = async (key: string) => {
  const m = await sharp(await storage.get(key)).metadata();
  return { format: m.format, width: m.width, height: m.height };
};

describe('the downscale before matting', () => {
  it('a 12 MP photo becomes at most 2000 px, matting keeps that size, and the cut-out result is trimmed and ≤ 2000 px', async () => {
    await storage.put('input/u1/big.jpg', await garmentJpeg({ width: 4000, height: 3000 }), 'image/jpeg');
    await ci.downscale('input/u1/big.jpg', 'work/u1/t1/capped.jpg', MAX_CUTOUT_SIDE);
    expect(await size('work/u1/t1/capped.jpg')).toEqual({ format: 'jpeg', width: 2000, height: 1500 });
    await ci.goodsMatting('work/u1/t1/capped.jpg', 'work/u1/t1/cutout.png');
    expect(await size('work/u1/t1/cutout.png')).toEqual({ format: 'png', width: 2000, height: 1500 });

    const { cutout, white } = await basicCleanOutputs(await storage.get('work/u1/t1/cutout.png'));
    const c = await inspectCutout(cutout);
    expect(c).toMatchObject({ format: 'png', hasAlpha: true, trimmed: true });
    expect(Math.max(c.width, c.height)).toBeLessThanOrEqual(MAX_CUTOUT_SIDE);
    // the drawn garment spans 580/900 × 730/1200 of the photo: trimmed, the cut-out has about that size
    expect(Math.abs(c.width - (2000 * 580) / 900)).toBeLessThan(20);
    expect(Math.abs(c.height - (1500 * 730) / 1200)).toBeLessThan(20);
    // its middle is the opaque blue garment, its corners (outside the T-shirt shape) transparent
    const mid = await pixelAt(cutout, Math.round(c.width / 2), Math.round(c.height * 0.6));
    expect(mid[3]).toBe(255);
    expect(mid[2]).toBeGreaterThan(mid[0]! + 60);
    expect((await pixelAt(cutout, 0, c.height - 1))[3]).toBe(0);

    expect(await sharp(white).metadata()).toMatchObject({ format: 'jpeg', width: CANVAS_SIZE, height: CANVAS_SIZE });
    expect((await pixelAt(white, 0, 0)).slice(0, 3)).toEqual([255, 255, 255]);
    expect((await pixelAt(white, 400, 420))[2]).toBeGreaterThan((await pixelAt(white, 400, 420))[0]! + 60);
  });

  it('leaves a smaller photo at its size, and turns a sideways one upright (auto-orient)', async () => {
    await storage.put(
      'input/u1/small.png',
      await sharp(await garmentJpeg())
        .png()
        .toBuffer(),
      'image/png',
    );
    await ci.downscale('input/u1/small.png', 'work/u1/t2/capped.png', MAX_CUTOUT_SIDE);
    expect(await size('work/u1/t2/capped.png')).toEqual({ format: 'png', width: 900, height: 1200 });
    expect((await storage.head('work/u1/t2/capped.png'))?.contentType).toBe('image/png');

    const sideways = await sharp(await garmentJpeg({ width: 2400, height: 3200 }))
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    await storage.put('input/u1/side.jpg', sideways, 'image/jpeg');
    await ci.downscale('input/u1/side.jpg', 'work/u1/t3/capped.jpg', MAX_CUTOUT_SIDE);
    const upright = await storage.get('work/u1/t3/capped.jpg');
    expect(await sharp(upright).metadata()).toMatchObject({ width: 1500, height: 2000 });
    expect((await sharp(upright).metadata()).orientation ?? 1).toBe(1);
  });

  it('refuses what CI refuses, writes nothing then, and names the rule in the error', async () => {
    const refused = async (rule: string, key = 'input/u1/small.png') => {
      const fileid = `/work/u1/refused/${Math.random().toString(36).slice(2)}.png`;
      const err = await h.cos
        .request({
          Bucket: h.secrets.bucket,
          Region: h.secrets.region,
          Key: key,
          Method: 'POST',
          Action: 'image_process',
          Headers: { 'Pic-Operations': JSON.stringify({ rules: [{ fileid, rule }] }) },
        })
        .then(
          () => null,
          (e: { statusCode: number; code: string; message: string }) => e,
        );
      expect(await storage.head(fileid.slice(1))).toBeNull();
      return err;
    };
    for (const rule of [
      'imageMogr2/thumbnail/abcx', // not a geometry
      'imageMogr2/thumbnail/2000x2000>>',
      'imageMogr2/thumbnail/!0p',
      'imageMogr2/thumbnail',
      'imageMogr2/quality/101',
      'imageMogr2/rotate/90', // not emulated
      'imageMogr2/thumbnail/100x|imageMogr2/format/png', // pipelines are not emulated
      'ci-process=GoodsMatting&center-layout=1|imageMogr2/thumbnail/2000x2000>', // CI documents no such pipeline
      `imageMogr2/thumbnail/${MAX_OUTPUT_SIDE + 1}x`, // the result would be over 50 000 px wide
    ]) {
      expect([rule, await refused(rule)]).toMatchObject([rule, { statusCode: 400, code: 'InvalidArgument' }]);
    }
    // an input over 50 000 px a side
    await storage.put(
      'input/u1/strip.png',
      await sharp({ create: { width: 50_001, height: 2, channels: 3, background: '#888' } })
        .png()
        .toBuffer(),
      'image/png',
    );
    expect(await refused(downscaleRule(MAX_CUTOUT_SIDE), 'input/u1/strip.png')).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
  });

  it('computes the documented thumbnail geometries', () => {
    const at = (g: string, w = 4000, h = 3000) => thumbnailSize(parseGeometry(g), w, h);
    expect(at('2000x2000>')).toEqual({ width: 2000, height: 1500 });
    expect(at('2000x2000>', 900, 1200)).toEqual({ width: 900, height: 1200 }); // never up
    expect(at('2000x2000', 900, 1200)).toEqual({ width: 1500, height: 2000 }); // fit, up as well
    expect(at('2000x2000<')).toEqual({ width: 4000, height: 3000 }); // only up
    expect(at('!50p')).toEqual({ width: 2000, height: 1500 });
    expect(at('!50px')).toEqual({ width: 2000, height: 3000 });
    expect(at('!x50p')).toEqual({ width: 4000, height: 1500 });
    expect(at('1000x')).toEqual({ width: 1000, height: 750 });
    expect(at('x1000')).toEqual({ width: 1333, height: 1000 });
    expect(at('!1000x1000r')).toEqual({ width: 1333, height: 1000 });
    expect(at('100x100!')).toEqual({ width: 100, height: 100 });
    expect(at('3000000@')).toEqual({ width: 2000, height: 1500 });
  });
});

describe('GoodsMatting in the worker thread', () => {
  it('several mattings at once each get their own result', async () => {
    const colours = [{ shift: { x: -150, y: 0 } }, { shift: { x: 150, y: 100 } }, { width: 600, height: 800 }];
    const inputs = await Promise.all(colours.map((o) => garmentJpeg(o)));
    const outs = await Promise.all(inputs.map((input) => goodsMatting(input, { centerLayout: true })));
    expect(outs.map((o) => [o.width, o.height])).toEqual([
      [900, 1200],
      [900, 1200],
      [600, 800],
    ]);
    for (const o of outs) {
      const subject = await trimSubject(o.png);
      expect(subject).not.toBeNull();
      // centred on its canvas
      const { info } = await sharp(o.png).raw().toBuffer({ resolveWithObject: true });
      expect(subject!.width).toBeLessThan(info.width);
      expect((await pixelAt(o.png, 5, 5))[3]).toBe(0);
      expect((await pixelAt(o.png, Math.round(o.width / 2), Math.round(o.height / 2)))[3]).toBe(255);
    }
  });
});

describe('the two basic_clean results', () => {
  it('a cut-out bigger than 2000 px is capped, one with nothing in it gives a 1×1 transparent PNG and plain white', async () => {
    const big = await sharp({ create: { width: 3200, height: 2600, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .composite([
        {
          input: Buffer.from(
            '<svg xmlns="http://www.w3.org/2000/svg" width="3200" height="2600"><rect x="100" y="300" width="2900" height="2100" fill="#c0392b"/></svg>',
          ),
        },
      ])
      .png()
      .toBuffer();
    const { cutout } = await basicCleanOutputs(big);
    const c = await inspectCutout(cutout);
    expect(c).toMatchObject({ trimmed: true, width: 2000, height: Math.round((2100 * 2000) / 2900) });

    const empty = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 9, g: 9, b: 9, alpha: 0 } } })
      .png()
      .toBuffer();
    const none = await basicCleanOutputs(empty);
    expect(await inspectCutout(none.cutout)).toMatchObject({ format: 'png', width: 1, height: 1, visible: 0 });
    const stats = await sharp(none.white).stats();
    expect(stats.channels.map((ch) => ch.min)).toEqual([255, 255, 255]);
  });

  it('finds the subject box on the alpha channel: a lone pixel, the threshold, a subject touching every edge, nothing', async () => {
    const W = 300;
    const H = 200;
    const rgba = (pixels: [number, number, number][]) => {
      const b = Buffer.alloc(W * H * 4, 0);
      for (let i = 0; i < W * H; i++) b[i * 4 + 1] = (i * 37) % 256; // noise in the colour of transparent pixels
      for (const [x, y, a] of pixels) b[(y * W + x) * 4 + 3] = a;
      return b;
    };
    expect(await subjectBox(rgba([[7, 5, 255]]), W, H)).toEqual({ left: 7, top: 5, width: 1, height: 1 });
    expect(
      await subjectBox(
        rgba([
          [7, 5, 255],
          [250, 150, TRIM_ALPHA_THRESHOLD + 1],
        ]),
        W,
        H,
      ),
    ).toEqual({ left: 7, top: 5, width: 244, height: 146 });
    expect(
      await subjectBox(
        rgba([
          [7, 5, 255],
          [250, 150, TRIM_ALPHA_THRESHOLD],
        ]),
        W,
        H,
      ),
    ).toEqual({ left: 7, top: 5, width: 1, height: 1 });
    expect(
      await subjectBox(
        rgba([
          [0, 0, 255],
          [W - 1, H - 1, 255],
        ]),
        W,
        H,
      ),
    ).toEqual({ left: 0, top: 0, width: W, height: H });
    expect(await subjectBox(rgba([[3, 3, TRIM_ALPHA_THRESHOLD]]), W, H)).toBeNull();
  });

  it('the box (libvips on the server, the margin scan in the emulated matting) is the box of every pixel above the threshold (random shapes and sizes)', async () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const [w, h] = [1 + random(40), 1 + random(40)];
      const b = Buffer.alloc(w * h * 4, 0);
      for (let n = random(6); n > 0; n--) b[(random(h) * w + random(w)) * 4 + 3] = TRIM_ALPHA_THRESHOLD - 1 + random(4);
      let [minX, minY, maxX, maxY] = [w, h, -1, -1];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          if (b[(y * w + x) * 4 + 3]! <= TRIM_ALPHA_THRESHOLD) continue;
          [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
        }
      }
      const expected = maxX < 0 ? null : { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
      expect(alphaBoundingBox(b, w, h, TRIM_ALPHA_THRESHOLD)).toEqual(expected);
      if (round < 60) expect(await subjectBox(b, w, h)).toEqual(expected);
    }
  });
});
