/**
 * Dropped paths → draft files: folders are walked (hidden entries skipped, sorted), images are recognised by their
 * bytes and not their names, and every file that could not work comes back rejected with a Chinese reason — on real
 * files in a temp folder. Then the same through the service: the draft, its rejections, removal and an empty batch.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg } from '../../../server/test/support/client.js';
import type { TestServer } from '../../../server/test/support/server.js';
import { DesktopError } from '../../src/core/errors.js';
import { MAX_FILES_PER_SCAN, scanPaths, sniffImage } from '../../src/core/input-files.js';
import { startDesktop, type Desktop } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

const MB = 1024 * 1024;
const tempDir = () => mkdtempSync(join(tmpdir(), 'aizhao-input-'));
const byPath = <T extends { path: string }>(rows: T[]) => [...rows].sort((a, b) => a.path.localeCompare(b.path));

let jpeg: Buffer;
let png: Buffer;
let webp: Buffer;

beforeAll(async () => {
  jpeg = await garmentJpeg(300, 360);
  png = await sharp(jpeg).png().toBuffer();
  webp = await sharp(jpeg).webp().toBuffer();
});

describe('sniffImage', () => {
  it('recognises JPEG, PNG and WebP by their first bytes', () => {
    expect(sniffImage(jpeg.subarray(0, 12))).toEqual({ mime: 'image/jpeg', ext: 'jpg' });
    expect(sniffImage(png.subarray(0, 12))).toEqual({ mime: 'image/png', ext: 'png' });
    expect(sniffImage(webp.subarray(0, 12))).toEqual({ mime: 'image/webp', ext: 'webp' });
  });

  it('refuses other bytes, short heads and near misses', () => {
    expect(sniffImage(Buffer.from('hello, this is text'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
    expect(sniffImage(jpeg.subarray(0, 2))).toBeNull();
    expect(sniffImage(png.subarray(0, 7))).toBeNull();
    // a RIFF container that is not WebP (a WAV file)
    expect(sniffImage(Buffer.from('RIFF\x24\x08\x00\x00WAVEfmt ', 'latin1'))).toBeNull();
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00', 'latin1');
    expect(sniffImage(gif)).toBeNull();
  });
});

describe('scanPaths', () => {
  it('records each file’s path relative to the dropped folder, and the folder’s name', async () => {
    const root = tempDir();
    const dir = join(root, '春装');
    mkdirSync(join(dir, 'SKU123', '细节'), { recursive: true });
    writeFileSync(join(dir, 'SKU123', '正面.jpg'), jpeg);
    writeFileSync(join(dir, 'SKU123', '细节', '领口.png'), png);
    writeFileSync(join(root, '单张.jpg'), jpeg);
    const r = await scanPaths([dir, join(root, '单张.jpg')], 10 * MB);
    expect(r.accepted.map((f) => [f.relPath, f.source])).toEqual([
      ['SKU123/细节/领口.png', '春装'], // sorted as in Chinese: xì before zhèng
      ['SKU123/正面.jpg', '春装'],
      ['单张.jpg', ''],
    ]);
  });

  it('walks nested folders in sorted order and skips hidden files and folders', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'b-外套', 'inner'), { recursive: true });
    mkdirSync(join(dir, '.cache'));
    writeFileSync(join(dir, 'c.jpg'), jpeg);
    writeFileSync(join(dir, 'a.jpg'), jpeg);
    writeFileSync(join(dir, '.hidden.jpg'), jpeg);
    writeFileSync(join(dir, '.cache', 'thumb.jpg'), jpeg);
    writeFileSync(join(dir, 'b-外套', 'x.png'), png);
    writeFileSync(join(dir, 'b-外套', 'inner', 'y.webp'), webp);

    const r = await scanPaths([dir], 20 * MB);
    expect(r.rejected).toEqual([]);
    expect(r.accepted.map((f) => f.path)).toEqual([
      join(dir, 'a.jpg'),
      join(dir, 'b-外套', 'inner', 'y.webp'),
      join(dir, 'b-外套', 'x.png'),
      join(dir, 'c.jpg'),
    ]);
    expect(r.accepted.map((f) => [f.name, f.mime, f.ext])).toEqual([
      ['a.jpg', 'image/jpeg', 'jpg'],
      ['y.webp', 'image/webp', 'webp'],
      ['x.png', 'image/png', 'png'],
      ['c.jpg', 'image/jpeg', 'jpg'],
    ]);
    expect(r.accepted.map((f) => f.size)).toEqual([jpeg.length, webp.length, png.length, jpeg.length]);
  });

  it('goes by the bytes, not the extension', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'really-png.jpg'), png);
    writeFileSync(join(dir, 'really-webp.JPG'), webp);
    writeFileSync(join(dir, 'really-jpeg.png'), jpeg);
    writeFileSync(join(dir, 'no-extension'), jpeg);
    writeFileSync(join(dir, 'notes.jpg'), '这不是图片，只是一段文字');

    const r = await scanPaths([dir], 20 * MB);
    expect(Object.fromEntries(r.accepted.map((f) => [f.name, f.mime]))).toEqual({
      'really-png.jpg': 'image/png',
      'really-webp.JPG': 'image/webp',
      'really-jpeg.png': 'image/jpeg',
      'no-extension': 'image/jpeg',
    });
    expect(r.rejected).toEqual([
      { path: join(dir, 'notes.jpg'), name: 'notes.jpg', reason: expect.stringContaining('不是支持的图片格式') },
    ]);
  });

  it('refuses an empty file and a file above the size limit, naming the limit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.jpg'), Buffer.alloc(0));
    const big = Buffer.concat([jpeg, Buffer.alloc(Math.round(1.5 * MB) - jpeg.length)]);
    writeFileSync(join(dir, 'big.jpg'), big);
    writeFileSync(join(dir, 'fits.jpg'), jpeg);

    const r = await scanPaths([dir], 1 * MB);
    expect(r.accepted.map((f) => f.name)).toEqual(['fits.jpg']);
    const reasons = Object.fromEntries(r.rejected.map((x) => [x.name, x.reason]));
    expect(reasons['empty.jpg']).toContain('文件是空的');
    expect(reasons['big.jpg']).toContain('1.5 MB');
    expect(reasons['big.jpg']).toContain('单张最大 1 MB');
    // exactly at the limit is fine
    expect((await scanPaths([join(dir, 'big.jpg')], big.length)).accepted).toHaveLength(1);
  });

  it('reports a missing path and a dangling symlink as unreadable', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'link.jpg'));
    const r = await scanPaths([join(dir, 'missing.jpg'), join(dir, 'link.jpg')], 20 * MB);
    expect(r.accepted).toEqual([]);
    expect(r.rejected.map((x) => x.name)).toEqual(['missing.jpg', 'link.jpg']);
    for (const x of r.rejected) expect(x.reason).toContain('无法读取');
  });

  it('counts a file once, however often and by whatever way it was given', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.jpg'), jpeg);
    writeFileSync(join(dir, 'b.jpg'), jpeg);
    writeFileSync(join(dir, 'notes.jpg'), 'text');
    const r = await scanPaths([join(dir, 'a.jpg'), dir, join(dir, 'a.jpg'), join(dir, 'notes.jpg'), dir], 20 * MB);
    expect(r.accepted.map((f) => f.name)).toEqual(['a.jpg', 'b.jpg']);
    expect(r.rejected.map((x) => x.name)).toEqual(['notes.jpg']);
  });

  it('does not take the same photo again through a symlink (a folder linking to itself)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.jpg'), jpeg);
    symlinkSync('.', join(dir, 'loop'));
    symlinkSync(join(dir, 'a.jpg'), join(dir, 'alias.jpg'));
    const r = await scanPaths([dir], 20 * MB);
    expect(r.accepted.map((f) => f.path)).toEqual([join(dir, 'a.jpg')]);
    expect(r.rejected).toEqual([]);
  });

  it(`stops at ${MAX_FILES_PER_SCAN} files and says the rest were ignored`, async () => {
    const dir = tempDir();
    const head = jpeg.subarray(0, 64);
    for (let i = 0; i < MAX_FILES_PER_SCAN + 5; i++) writeFileSync(join(dir, `p${String(i).padStart(4, '0')}.jpg`), head);
    const r = await scanPaths([dir], 20 * MB);
    expect(r.accepted).toHaveLength(MAX_FILES_PER_SCAN);
    expect(r.accepted.at(-1)!.name).toBe(`p${String(MAX_FILES_PER_SCAN - 1).padStart(4, '0')}.jpg`);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]!.reason).toContain(`一次最多添加 ${MAX_FILES_PER_SCAN} 个文件`);

    // exactly the limit: no notice
    const exact = await scanPaths(
      r.accepted.map((f) => f.path),
      20 * MB,
    );
    expect([exact.accepted.length, exact.rejected.length]).toEqual([MAX_FILES_PER_SCAN, 0]);
  });
});

describe('the draft in the service', () => {
  let server: TestServer;
  let d: Desktop;
  const sandbox = sandboxDesktop('user');
  beforeAll(() => ({ server, d } = sandbox));

  it('adds a mix of files to the draft and lists the refused ones with their reasons', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, '01.jpg'), jpeg);
    writeFileSync(join(dir, 'sub', '02.png'), png);
    writeFileSync(join(dir, 'notes.jpg'), 'text');
    writeFileSync(join(dir, 'empty.webp'), Buffer.alloc(0));
    const loose = join(tempDir(), '03.webp');
    writeFileSync(loose, webp);

    await d.service.addFiles([dir, loose, join(dir, 'missing.jpg')]);
    const { draft } = d.service.getState();
    // never processed before by this merchant: no earlier run, no look-alike
    const fresh = { previous: [], similar: null, reprocess: false };
    expect(draft.files).toEqual([
      { path: join(dir, '01.jpg'), name: '01.jpg', size: jpeg.length, source: basename(dir), ...fresh },
      { path: join(dir, 'sub', '02.png'), name: '02.png', size: png.length, source: basename(dir), ...fresh },
      { path: loose, name: '03.webp', size: webp.length, source: '', ...fresh },
    ]);
    expect(draft.rejected).toEqual([
      { path: join(dir, 'empty.webp'), name: 'empty.webp', reason: expect.stringContaining('文件是空的') },
      { path: join(dir, 'notes.jpg'), name: 'notes.jpg', reason: expect.stringContaining('不是支持的图片格式') },
      { path: join(dir, 'missing.jpg'), name: 'missing.jpg', reason: expect.stringContaining('无法读取') },
    ]);

    // adding the same paths again changes nothing: one row per file, one per refusal
    await d.service.addFiles([join(dir, '01.jpg'), dir, join(dir, 'notes.jpg')]);
    const again = d.service.getState().draft;
    expect(again.files).toEqual(draft.files);
    expect(byPath(again.rejected)).toEqual(byPath(draft.rejected));

    // a refused file that was fixed is accepted on the next drop and leaves the refused list
    writeFileSync(join(dir, 'notes.jpg'), jpeg);
    await d.service.addFiles([join(dir, 'notes.jpg')]);
    const after = d.service.getState().draft;
    expect(after.files.map((f) => f.name)).toEqual(['01.jpg', '02.png', '03.webp', 'notes.jpg']);
    expect(byPath(after.rejected).map((r) => r.name)).toEqual(['empty.webp', 'missing.jpg']);

    d.service.removeDraftFile(join(dir, 'sub', '02.png'));
    d.service.removeDraftFile(join(dir, 'missing.jpg'));
    expect(d.service.getState().draft.files.map((f) => f.name)).toEqual(['01.jpg', '03.webp', 'notes.jpg']);
    expect(d.service.getState().draft.rejected.map((r) => r.name)).toEqual(['empty.webp']);

    d.service.clearDraft();
    expect(d.service.getState().draft).toEqual({ files: [], rejected: [] });
  });

  it('refuses to start an empty batch', async () => {
    d.service.clearDraft();
    const err = await d.service.startBatch({ type: 'basic_clean', params: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopError);
    expect(err).toMatchObject({ code: 'EMPTY_BATCH', message: '请先添加图片' });
  });

  it('takes no files before login', async () => {
    const other = await startDesktop(server.url);
    try {
      const file = join(tempDir(), 'a.jpg');
      writeFileSync(file, jpeg);
      await expect(other.service.addFiles([file])).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(other.service.getState().draft.files).toEqual([]);
    } finally {
      await other.service.close();
    }
  });
});
