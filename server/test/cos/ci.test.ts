/** CI through the real SDK: GoodsMatting (CosImageProcessor), the compose step, and content audit (CosContentAuditor). */
import { XMLParser } from 'fast-xml-parser';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alphaBoundingBox } from '../../src/vendors/cos/alpha-bounds.js';
import { AUDIT_PLAIN_MAX_BYTES, CosContentAuditor, CosImageProcessor, sameObjectKey } from '../../src/vendors/cos/ci.js';
import { CANVAS_SIZE, MAX_JPEG_BYTES, MIN_JPEG_BYTES, composeOnWhite } from '../../src/vendors/cos/compose.js';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { garmentJpeg, noisyJpeg, pixelAt, startHarness, type Harness } from './helpers.js';

let h: Harness;
let storage: CosObjectStorage;
beforeAll(async () => {
  h = await startHarness();
  storage = new CosObjectStorage(h.clientOptions);
});
afterAll(async () => {
  await h?.close();
});

const at = (key: string) => ({ Bucket: h.secrets.bucket, Region: h.secrets.region, Key: key });

async function rgba(img: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(img).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('GoodsMatting (sandbox) through CosImageProcessor', () => {
  it('cuts the garment out of the plain background: transparent corners, opaque subject, centred PNG', async () => {
    // garment moved left and down, so centring is visible
    const jpeg = await garmentJpeg({ shift: { x: -100, y: 120 } });
    await storage.put('input/u1/shirt.jpg', jpeg, 'image/jpeg');
    await new CosImageProcessor(h.clientOptions).goodsMatting('input/u1/shirt.jpg', 'work/u1/t1/cutout.png');

    expect(await storage.head('work/u1/t1/cutout.png')).toMatchObject({ contentType: 'image/png' });
    const png = await storage.get('work/u1/t1/cutout.png');
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.hasAlpha).toBe(true);
    expect([meta.width, meta.height]).toEqual([900, 1200]);
    for (const [x, y] of [
      [0, 0],
      [899, 0],
      [0, 1199],
      [899, 1199],
      [20, 600],
    ] as const) {
      expect((await pixelAt(png, x, y))[3]).toBe(0);
    }
    const { data, width, height } = await rgba(png);
    const box = alphaBoundingBox(data, width, height, 8)!;
    // the subject was trimmed and centred
    expect(Math.abs(box.left - (width - box.left - box.width))).toBeLessThanOrEqual(2);
    expect(Math.abs(box.top - (height - box.top - box.height))).toBeLessThanOrEqual(2);
    // the subject is about the size of the drawn garment (580 × 730) and opaque in its middle, in its own colour
    expect(box.width).toBeGreaterThan(560);
    expect(box.width).toBeLessThan(600);
    expect(box.height).toBeGreaterThan(710);
    expect(box.height).toBeLessThan(750);
    const centre = await pixelAt(png, Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2 - 150));
    expect(centre[3]).toBe(255);
    expect(centre[2]).toBeGreaterThan(centre[0]! + 60); // blue, not background grey
  });

  it('auto-orients from EXIF, resolves relative fileids, applies padding-layout and reports UploadResult', async () => {
    // stored sideways with EXIF orientation 6 (rotate 90° clockwise to view)
    const sideways = await sharp(await garmentJpeg({ width: 600, height: 800 }))
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    expect((await sharp(sideways).metadata()).width).toBe(800);
    await storage.put('input/u1/side.jpg', sideways, 'image/jpeg');
    const res = await h.cos.request({
      ...at('input/u1/side.jpg'),
      Method: 'POST',
      Action: 'image_process',
      Headers: {
        'Pic-Operations': JSON.stringify({
          is_pic_info: 1,
          rules: [
            { fileid: 'cut.png', rule: 'ci-process=GoodsMatting&center-layout=1&padding-layout=20x30' },
            { fileid: '/work/u1/side-full.png', rule: 'ci-process=GoodsMatting' },
          ],
        }),
      },
    });
    const result = res['UploadResult'] as {
      OriginalInfo: { Key: string; ImageInfo: { Format: string; Width: string; Height: string; Orientation: string } };
      ProcessResults: { Object: { Key: string; Format: string; Width: string; Height: string; Size: string; ETag: string }[] };
    };
    expect(result.OriginalInfo.Key).toBe('input/u1/side.jpg');
    expect(result.OriginalInfo.ImageInfo).toMatchObject({ Format: 'JPEG', Width: '800', Height: '600', Orientation: '6' });
    const [padded, full] = result.ProcessResults.Object;
    expect(padded?.Key).toBe('input/u1/cut.png');
    // an absolute fileid comes back as given, with its leading '/'
    expect(full).toMatchObject({ Key: '/work/u1/side-full.png', Format: 'PNG', Width: '600', Height: '800' });

    const cut = await storage.get('input/u1/cut.png');
    expect(Number(padded?.Size)).toBe(cut.length);
    const { data, width, height } = await rgba(cut);
    expect(height).toBeGreaterThan(width); // upright after auto-orient
    expect([String(width), String(height)]).toEqual([padded?.Width, padded?.Height]);
    const box = alphaBoundingBox(data, width, height)!;
    expect(box.left).toBe(20);
    expect(box.top).toBe(30);
    expect(width - box.left - box.width).toBe(20);
    expect(height - box.top - box.height).toBe(30);
  });

  it('accepts the result Key of an absolute fileid with or without its leading slash, and nothing else', async () => {
    expect(sameObjectKey('/work/u1/t1/cutout.png', 'work/u1/t1/cutout.png')).toBe(true);
    expect(sameObjectKey('work/u1/t1/cutout.png', 'work/u1/t1/cutout.png')).toBe(true);
    expect(sameObjectKey('//work/u1/t1/cutout.png', 'work/u1/t1/cutout.png')).toBe(false);
    expect(sameObjectKey('work/u1/t1/other.png', 'work/u1/t1/cutout.png')).toBe(false);
    expect(sameObjectKey(undefined, 'work/u1/t1/cutout.png')).toBe(false);
    // the emulator answers with the slash (as the first test's GoodsMatting call already relied on)
    const raw = await h.cos.request({
      ...at('input/u1/shirt.jpg'),
      Method: 'POST',
      Action: 'image_process',
      Headers: { 'Pic-Operations': JSON.stringify({ rules: [{ fileid: '/work/u1/t2/cutout.png', rule: 'ci-process=GoodsMatting' }] }) },
    });
    expect((raw['UploadResult'] as { ProcessResults: { Object: { Key: string } } }).ProcessResults.Object.Key).toBe(
      '/work/u1/t2/cutout.png',
    );
    await new CosImageProcessor(h.clientOptions).goodsMatting('input/u1/shirt.jpg', 'work/u1/t2/cutout.png');
  });

  it('answers COS XML errors for a missing source and for rules it does not emulate', async () => {
    const ci = new CosImageProcessor(h.clientOptions);
    await expect(ci.goodsMatting('input/u1/missing.jpg', 'work/u1/x.png')).rejects.toMatchObject({
      vendor: 'ci',
      details: { status: 404, code: 'NoSuchKey', retryable: false },
    });
    const res = await fetch(`${h.baseUrl}/sandbox/cos/input/u1/shirt.jpg?image_process`, { method: 'POST' });
    expect(res.status).toBe(403); // unsigned
    const err = await h.cos
      .request({
        ...at('input/u1/shirt.jpg'),
        Method: 'POST',
        Action: 'image_process',
        Headers: { 'Pic-Operations': JSON.stringify({ rules: [{ fileid: 'x.png', rule: 'imageView2/1/w/100' }] }) },
      })
      .catch((e: { statusCode: number; code: string }) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
  });
});

describe('composeOnWhite', () => {
  it('gives an 800×800 JPEG on pure white, subject ≈88 % and centred, 38–300 KB', async () => {
    const cutout = await storage.get('work/u1/t1/cutout.png');
    const jpeg = await composeOnWhite(cutout);
    const meta = await sharp(jpeg).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', CANVAS_SIZE, CANVAS_SIZE]);
    expect(jpeg.length).toBeGreaterThanOrEqual(MIN_JPEG_BYTES);
    expect(jpeg.length).toBeLessThanOrEqual(MAX_JPEG_BYTES);
    for (const [x, y] of [
      [0, 0],
      [799, 0],
      [0, 799],
      [799, 799],
      [400, 5],
      [5, 400],
    ] as const) {
      expect((await pixelAt(jpeg, x, y)).slice(0, 3)).toEqual([255, 255, 255]);
    }
    // the non-white region: longer side ≈ 704 px (88 %), centred
    const { data } = await rgba(jpeg);
    const mask = Buffer.alloc(CANVAS_SIZE * CANVAS_SIZE * 4);
    for (let i = 0; i < CANVAS_SIZE * CANVAS_SIZE; i++) {
      mask[i * 4 + 3] = Math.min(data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!) < 235 ? 255 : 0;
    }
    const box = alphaBoundingBox(mask, CANVAS_SIZE, CANVAS_SIZE)!;
    expect(Math.max(box.width, box.height)).toBeGreaterThanOrEqual(0.85 * CANVAS_SIZE);
    expect(Math.max(box.width, box.height)).toBeLessThanOrEqual(0.9 * CANVAS_SIZE);
    expect(Math.abs(box.left + box.width / 2 - CANVAS_SIZE / 2)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.top + box.height / 2 - CANVAS_SIZE / 2)).toBeLessThanOrEqual(3);
  });

  it('steps the quality down for a busy image so it stays under 300 KB', async () => {
    const busy = await sharp({
      create: { width: 1000, height: 1000, channels: 4, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 90 } },
    })
      .png()
      .toBuffer();
    const atDefault = await sharp(await sharp(busy).resize(704).flatten({ background: '#ffffff' }).toBuffer())
      .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
      .toBuffer();
    expect(atDefault.length).toBeGreaterThan(MAX_JPEG_BYTES); // so the loop really had to step down
    const jpeg = await composeOnWhite(busy);
    expect(jpeg.length).toBeLessThanOrEqual(MAX_JPEG_BYTES);
    expect(jpeg.length).toBeGreaterThanOrEqual(MIN_JPEG_BYTES);
  });

  it('an empty cut-out gives a plain white 800×800 JPEG (allowed to be under 38 KB)', async () => {
    const empty = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const jpeg = await composeOnWhite(empty);
    const stats = await sharp(jpeg).stats();
    expect(stats.channels.map((c) => [c.min, c.max])).toEqual([
      [255, 255],
      [255, 255],
      [255, 255],
    ]);
    expect((await sharp(jpeg).metadata()).width).toBe(CANVAS_SIZE);
  });
});

describe('content audit through CosContentAuditor', () => {
  const shirtSize = async (): Promise<number> => (await storage.head('input/u1/shirt.jpg'))!.size;

  it('pass, suspect, reject and unavailable, as the sandbox audit mode says, with scores in the documented bands', async () => {
    const auditor = new CosContentAuditor(h.clientOptions);
    const size = await shirtSize();
    expect(h.emulator.auditMode).toBe('pass');
    expect(await auditor.audit('input/u1/shirt.jpg', size)).toEqual({ result: 0, score: 0, label: 'Normal' });

    h.emulator.setAuditMode('reject');
    expect(await auditor.audit('input/u1/shirt.jpg', size)).toEqual({ result: 1, score: 95, label: 'Porn' });
    await h.restart();
    expect(h.emulator.auditMode).toBe('reject');

    h.emulator.setAuditBehaviour({ mode: 'suspect', score: 83 });
    expect(await auditor.audit('input/u1/shirt.jpg', size)).toEqual({ result: 2, score: 83, label: 'Porn' });
    // scores outside the band of the result are refused (0–60 normal, 61–90 suspected, 91–100 sensitive)
    expect(() => h.emulator.setAuditBehaviour({ mode: 'suspect', score: 91 })).toThrow(/band/);
    expect(() => h.emulator.setAuditBehaviour({ mode: 'pass', score: 61 })).toThrow(/band/);
    expect(() => h.emulator.setAuditBehaviour({ mode: 'reject', score: 90 })).toThrow(/band/);

    h.emulator.setAuditMode('unavailable');
    await expect(auditor.audit('input/u1/shirt.jpg', size)).rejects.toMatchObject({
      name: 'VendorError',
      vendor: 'ci',
      details: { status: 503, retryable: true },
    });
    h.emulator.setAuditMode('pass');
    expect((await auditor.audit('input/u1/shirt.jpg', size)).result).toBe(0);
  });

  it('an image over 5 MB is audited with large-image-detect=1; without it CI refuses it', async () => {
    const big = await noisyJpeg();
    expect(big.length).toBeGreaterThan(AUDIT_PLAIN_MAX_BYTES);
    await storage.put('input/u1/big.jpg', big, 'image/jpeg');
    const refused = await h.cos
      .request({ ...at('input/u1/big.jpg'), Method: 'GET', Query: { 'ci-process': 'sensitive-content-recognition' } })
      .catch((e: { statusCode: number; code: string; message: string }) => e);
    expect(refused).toMatchObject({ statusCode: 400, code: 'InvalidArgument' });
    expect(String((refused as { message: string }).message)).toMatch(/large-image-detect/);
    expect(await new CosContentAuditor(h.clientOptions).audit('input/u1/big.jpg', big.length)).toEqual({
      result: 0,
      score: 0,
      label: 'Normal',
    });
  });

  it('the raw answer is a RecognitionResult; a missing object is a 404 error', async () => {
    const raw = await h.cos.request({
      ...at('input/u1/shirt.jpg'),
      Method: 'GET',
      Query: { 'ci-process': 'sensitive-content-recognition' },
      RawBody: true,
    });
    const doc = new XMLParser().parse(String(raw.Body)) as { RecognitionResult: Record<string, unknown> };
    expect(doc.RecognitionResult).toMatchObject({ Result: 0, Label: 'Normal', Object: 'input/u1/shirt.jpg', PornInfo: { HitFlag: 0 } });
    await expect(new CosContentAuditor(h.clientOptions).audit('input/u1/nope.jpg', 1000)).rejects.toMatchObject({
      details: { status: 404, retryable: false },
    });
  });
});
