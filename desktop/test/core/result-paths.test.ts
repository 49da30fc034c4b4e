/**
 * Where results land: the local date folder, a folder name that is safe on Windows, macOS and Linux, `-2`/`-3`
 * for names met twice (in one batch, on disk, among queued items), and the result file names of both task types.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_POSE_COUNT } from '@aizhao/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateOutputDirs, localDate, resultFileNames, savedResults, stemOf } from '../../src/core/result-paths.js';

/** characters Windows refuses in names: the printable ones and the control characters */
const windowsIllegal = (s: string) => /[<>:"/\\|?*]/.test(s) || Array.from(s).some((c) => c.charCodeAt(0) < 0x20);
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

describe('localDate', () => {
  const tz = process.env.TZ;
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('is the local calendar day, zero-padded', () => {
    expect(localDate(new Date(2024, 0, 5, 23, 59, 59))).toBe('2024-01-05');
    expect(localDate(new Date(2025, 11, 31, 0, 0, 0))).toBe('2025-12-31');
  });

  it('follows the computer’s time zone, not UTC (a batch at 01:30 in Beijing is that day)', () => {
    process.env.TZ = 'Asia/Shanghai';
    expect(localDate(new Date('2024-03-01T17:30:00Z'))).toBe('2024-03-02');
    process.env.TZ = 'America/Los_Angeles';
    expect(localDate(new Date('2024-03-01T05:30:00Z'))).toBe('2024-02-29');
  });
});

describe('stemOf', () => {
  it('keeps an ordinary name without its extension', () => {
    expect(stemOf('春季新款-连衣裙 01.jpg')).toBe('春季新款-连衣裙 01');
    expect(stemOf('IMG_0001.JPG')).toBe('IMG_0001');
    expect(stemOf('photo.final.webp')).toBe('photo.final');
  });

  it('replaces characters Windows forbids in file names', () => {
    expect(stemOf('a<b>c:d"e|f?g*h.jpg')).toBe('a_b_c_d_e_f_g_h');
    expect(stemOf('tab\there\u0001.png')).toBe('tab_here_');
    expect(stemOf('back\\slash.jpg')).toBe('back_slash');
    expect(windowsIllegal(stemOf('a<b>c:d"e|f?g*h\u0007.jpg'))).toBe(false);
  });

  it('drops trailing dots and spaces (Windows silently strips them)', () => {
    expect(stemOf('name...jpg')).toBe('name');
    expect(stemOf('name. . .jpg')).toBe('name');
    expect(stemOf('trailing .jpg')).toBe('trailing');
  });

  it('falls back to a name when nothing is left', () => {
    expect(stemOf('')).toBe('image');
    expect(stemOf('....jpg')).toBe('image');
    expect(stemOf(' .png')).toBe('image');
  });

  it('shortens long names without leaving a trailing dot or half a character', () => {
    expect(stemOf(`${'长'.repeat(200)}.jpg`)).toBe('长'.repeat(80));
    // the cut falls right after a dot: the dot must not end the folder name
    const dotted = stemOf(`${'a'.repeat(79)}.${'b'.repeat(30)}.jpg`);
    expect(dotted).toMatch(/^a+$/);
    // the cut falls inside an emoji (two UTF-16 units)
    const emoji = stemOf(`${'a'.repeat(79)}😀tail.jpg`);
    expect(Buffer.from(emoji, 'utf8').toString('utf8')).toBe(emoji); // no lone surrogate
    expect(emoji).toBe(`${'a'.repeat(79)}😀`);
  });

  it('never gives a name Windows reserves for devices', () => {
    for (const name of ['CON.jpg', 'con.png', 'Aux.jpg', 'NUL.webp', 'COM1.jpg', 'lpt9.jpg', 'nul.backup.jpg', 'PRN .jpg']) {
      const stem = stemOf(name);
      expect(stem, name).not.toMatch(WINDOWS_RESERVED);
      expect(windowsIllegal(stem), name).toBe(false);
      expect(stem.length, name).toBeGreaterThan(0);
    }
    // names that merely start like a device are fine as they are
    expect(stemOf('console.jpg')).toBe('console');
    expect(stemOf('COM10.jpg')).toBe('COM10');
  });
});

describe('allocateOutputDirs', () => {
  const day = new Date(2024, 5, 18, 10, 0, 0);

  it('puts each input under <root>/<local date>/<stem>', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const taken = new Set<string>();
    expect(allocateOutputDirs(root, day, ['款式01.jpg', '款式02.png'], taken)).toEqual([
      join(root, '2024-06-18', '款式01'),
      join(root, '2024-06-18', '款式02'),
    ]);
    expect([...taken]).toEqual([join(root, '2024-06-18', '款式01'), join(root, '2024-06-18', '款式02')]);
  });

  it('numbers the same stem -2, -3 within one batch', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const dirs = allocateOutputDirs(root, day, ['a.jpg', 'a.png', 'a-2.jpg', 'a.webp', 'b.jpg'], new Set());
    const base = join(root, '2024-06-18');
    expect(dirs).toEqual([join(base, 'a'), join(base, 'a-2'), join(base, 'a-2-2'), join(base, 'a-3'), join(base, 'b')]);
  });

  it('does not reuse a folder that exists on disk (an earlier batch of the day)', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const base = join(root, '2024-06-18');
    mkdirSync(join(base, 'a'), { recursive: true });
    mkdirSync(join(base, 'a-2'));
    expect(allocateOutputDirs(root, day, ['a.jpg', 'b.jpg'], new Set())).toEqual([join(base, 'a-3'), join(base, 'b')]);
    // another day is another folder
    expect(allocateOutputDirs(root, new Date(2024, 5, 19), ['a.jpg'], new Set())).toEqual([join(root, '2024-06-19', 'a')]);
  });

  it('does not reuse a folder reserved by a queued item that has not written it yet', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const base = join(root, '2024-06-18');
    const taken = new Set([join(base, 'a')]);
    expect(allocateOutputDirs(root, day, ['a.jpg'], taken)).toEqual([join(base, 'a-2')]);
    // the first call reserved a-2 in `taken`: a second batch gets a-3
    expect(allocateOutputDirs(root, day, ['a.jpg'], taken)).toEqual([join(base, 'a-3')]);
  });

  it('treats names that differ only in case as the same folder (Windows and macOS ignore case)', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const base = join(root, '2024-06-18');
    expect(allocateOutputDirs(root, day, ['IMG_01.JPG', 'img_01.jpg'], new Set())).toEqual([join(base, 'IMG_01'), join(base, 'img_01-2')]);
    expect(allocateOutputDirs(root, day, ['Photo.jpg'], new Set([join(base, 'photo')]))).toEqual([join(base, 'Photo-2')]);
  });
});

describe('resultFileNames', () => {
  it('names the one white-background result after the folder', () => {
    expect(resultFileNames('basic_clean', '/r/2024-06-18/款式01')).toEqual(['款式01_白底.jpg']);
    expect(resultFileNames('basic_clean', '/r/2024-06-18/a-2')).toEqual(['a-2_白底.jpg']);
  });

  it('names the twelve poses _pose01 … _pose12', () => {
    const names = resultFileNames('model_pose12', '/r/2024-06-18/款式01');
    expect(names).toHaveLength(MODEL_POSE_COUNT);
    expect(names[0]).toBe('款式01_pose01.jpg');
    expect(names[8]).toBe('款式01_pose09.jpg');
    expect(names[11]).toBe('款式01_pose12.jpg');
    expect(new Set(names).size).toBe(12);
  });
});

describe('savedResults', () => {
  const r = (kind: 'white' | 'cutout' | 'pose', key: string) => ({ kind, key, url: `https://cos.example/${key}` });
  it("saves basic_clean's white JPEG, never its cut-out, whatever the order the server lists them in", () => {
    expect(savedResults({ results: [r('white', 'a/result.jpg'), r('cutout', 'a/cutout.png')] }).map((x) => x.key)).toEqual([
      'a/result.jpg',
    ]);
    expect(savedResults({ results: [r('cutout', 'a/cutout.png'), r('white', 'a/result.jpg')] }).map((x) => x.key)).toEqual([
      'a/result.jpg',
    ]);
    // a task done before the cut-out existed
    expect(savedResults({ results: [r('white', 'a/result.jpg')] })).toHaveLength(1);
  });

  it('saves every pose of model_pose12, in order', () => {
    const poses = Array.from({ length: MODEL_POSE_COUNT }, (_, i) => r('pose', `b/pose${i + 1}.jpg`));
    expect(savedResults({ results: poses })).toEqual(poses);
  });
});
