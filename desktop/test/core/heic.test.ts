/**
 * HEIC/HEIF (iPhone) photos: recognised by their bytes, decoded with libheif (WebAssembly) and uploaded as JPEG —
 * on real HEVC-coded files made by libheif's reference encoder, and end to end against the sandbox server, which
 * takes JPEG/PNG/WebP only.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg } from '../../../server/test/support/client.js';
import { heicToJpeg, sniffHeif } from '../../src/core/heic.js';
import { makeThumbnail } from '../../src/core/thumbnail.js';
import { scanPaths } from '../../src/core/input-files.js';
import { writeHeic } from '../support/heic.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

const dir = mkdtempSync(join(tmpdir(), 'aizhao-heic-'));
let garment: Buffer;
let heicPath: string;

beforeAll(async () => {
  garment = await garmentJpeg(900, 1100, '#b4322b');
  heicPath = await writeHeic(garment, join(dir, 'IMG_0001.HEIC'));
});

/** the mean RGB of a region */
async function meanColour(image: Buffer | string, region: { left: number; top: number; width: number; height: number }) {
  const { channels } = await sharp(image).extract(region).removeAlpha().stats();
  return channels.slice(0, 3).map((c) => c.mean);
}

describe('sniffHeif', () => {
  it('knows a HEVC HEIF photo by its ftyp box, and not AVIF, MP4, JPEG or text', async () => {
    expect(sniffHeif(readFileSync(heicPath).subarray(0, 64))).toBe(true);
    const avif = await sharp(garment).avif().toBuffer();
    expect(avif.toString('latin1', 4, 8)).toBe('ftyp'); // the same container…
    expect(sniffHeif(avif.subarray(0, 64))).toBe(false); // …but AV1, which the HEIC path does not take
    const box = (major: string, ...compatible: string[]) => {
      const b = Buffer.alloc(16 + compatible.length * 4);
      b.writeUInt32BE(b.length, 0);
      b.write('ftyp', 4, 'latin1');
      b.write(major, 8, 'latin1');
      compatible.forEach((c, i) => b.write(c, 16 + i * 4, 'latin1'));
      return b;
    };
    expect(sniffHeif(box('mif1', 'mif1', 'heic'))).toBe(true);
    expect(sniffHeif(box('mif1', 'mif1', 'avif'))).toBe(false);
    expect(sniffHeif(box('isom', 'isom', 'mp41'))).toBe(false);
    expect(sniffHeif(garment.subarray(0, 64))).toBe(false);
    expect(sniffHeif(Buffer.from('ftypheic'))).toBe(false); // too short, no box
  });
});

describe('scanPaths with HEIC', () => {
  it('accepts HEIC by its bytes (whatever its name) and refuses a fake one', async () => {
    const d = mkdtempSync(join(tmpdir(), 'aizhao-heic-scan-'));
    copyFileSync(heicPath, join(d, 'a.heic'));
    copyFileSync(heicPath, join(d, 'b-renamed.jpg'));
    writeFileSync(join(d, 'c.heic'), 'not a photo at all');
    const r = await scanPaths([d], 50 * 1024 * 1024);
    expect(r.accepted.map((f) => [f.name, f.mime, f.ext])).toEqual([
      ['a.heic', 'image/heic', 'heic'],
      ['b-renamed.jpg', 'image/heic', 'heic'],
    ]);
    expect(r.rejected).toEqual([{ path: join(d, 'c.heic'), name: 'c.heic', reason: '不是支持的图片格式（仅支持 JPG、PNG、WebP、HEIC）' }]);
  });
});

describe('heicToJpeg', () => {
  it('decodes the HEVC photo and writes a JPEG of the same size and colours', async () => {
    const out = join(dir, 'converted.jpg');
    const { size } = await heicToJpeg(heicPath, out);
    expect(size).toBeGreaterThan(1000);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 900, 1100]);
    // the garment's red body and the grey background survive the round trip (HEVC + JPEG: a few levels off)
    const body = { left: 400, top: 500, width: 100, height: 100 };
    const corner = { left: 10, top: 10, width: 60, height: 60 };
    for (const region of [body, corner]) {
      const [want, got] = await Promise.all([meanColour(garment, region), meanColour(out, region)]);
      got.forEach((c, i) => expect(Math.abs(c - want[i]!)).toBeLessThan(8));
    }
  });

  it('decodes in a worker thread: the main event loop keeps running during a 7-megapixel decode', async () => {
    const big = await writeHeic(
      await sharp({ create: { width: 3000, height: 2250, channels: 3, background: '#7a3bb0' } })
        .png()
        .toBuffer(),
      join(dir, 'IMG_3000.HEIC'),
    );
    // the longest time the event loop was held, against the whole conversion: a decode on this thread (libheif's
    // wasm decode is synchronous) would hold it for most of the conversion in one piece
    let last = Date.now();
    let longest = 0;
    const timer = setInterval(() => {
      longest = Math.max(longest, Date.now() - last);
      last = Date.now();
    }, 5);
    const started = Date.now();
    try {
      await heicToJpeg(big, join(dir, 'big.jpg'));
    } finally {
      clearInterval(timer);
    }
    longest = Math.max(longest, Date.now() - last);
    expect(longest).toBeLessThan((Date.now() - started) / 2);
    const meta = await sharp(join(dir, 'big.jpg')).metadata();
    expect([meta.width, meta.height]).toEqual([3000, 2250]);
  });

  it('makes the draft thumbnail of a HEIC photo', async () => {
    const url = await makeThumbnail(heicPath);
    expect(url).toMatch(/^data:image\/jpeg;base64,/);
    const meta = await sharp(Buffer.from(url!.split(',')[1]!, 'base64')).metadata();
    expect([meta.width, meta.height]).toEqual([131, 160]);
  });

  it('fails clearly on a file that is not HEIC', async () => {
    const bad = join(dir, 'bad.heic');
    writeFileSync(bad, garment);
    await expect(heicToJpeg(bad, join(dir, 'bad.jpg'))).rejects.toThrow(/cannot decode HEIC/);
  });
});

describe('a HEIC photo through the app (sandbox server)', () => {
  const ctx = sandboxDesktop('member');

  it('is uploaded as a JPEG, processed, charged once, and its result lands like any other', async () => {
    const { d, server } = ctx;
    await d.service.addFiles([heicPath]);
    expect(d.service.getState().draft.files.map((f) => f.name)).toEqual(['IMG_0001.HEIC']);
    const before = d.service.getState().membership!.quotaRemaining;
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const item = d.service.getState().batches.find((b) => b.id === batchId)!.items[0]!;
    expect(item.stage).toBe('done');
    expect(item.files).toHaveLength(1);
    expect((await sharp(item.files[0]!).metadata()).format).toBe('jpeg');

    // the server saw a JPEG: its key says .jpg and its bytes are a JPEG of the photo's size
    const tasks = await server.db.models.Task.findAll();
    expect(tasks).toHaveLength(1);
    const inputKey = tasks[0]!.get('inputKey') as string;
    expect(inputKey).toMatch(/\.jpg$/);
    const uploaded = await server.ctx.vendors.storage.get(inputKey);
    expect(uploaded.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const meta = await sharp(uploaded).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 900, 1100]);
    // one 次, by the server's own count
    const m = await d.service.refreshMembership();
    expect(m.quotaRemaining).toBe(before - 1);
    // the converted JPEG is not left behind in the temp folder
    const tmp = join(tmpdir(), 'aizhao-heic');
    expect(existsSync(tmp) ? readdirSync(tmp).filter((n) => n.startsWith(item.id)) : []).toEqual([]);
  });
});
