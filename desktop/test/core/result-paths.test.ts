/**
 * Where results land: the local date folder, a folder name that is safe on Windows, macOS and Linux, `-2`/`-3`
 * for names met twice (in one batch, on disk, among queued items), and the result file names of both task types.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_POSE_COUNT } from '@aizhao/shared';
import { afterEach, describe, expect, it } from 'vitest';
import {
  allocateBatchDir,
  allocateItemPlaces,
  allocateOutputDirs,
  defaultBatchName,
  exportPath,
  localDate,
  relDirSegments,
  resultFileNames,
  savedResults,
  stemOf,
} from '../../src/core/result-paths.js';

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
    expect(resultFileNames('basic_clean', '款式01')).toEqual(['款式01_白底.jpg']);
    expect(resultFileNames('basic_clean', 'a-2')).toEqual(['a-2_白底.jpg']);
  });

  it('names the twelve poses _pose01 … _pose12', () => {
    const names = resultFileNames('model_pose12', '款式01');
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

describe('the mirrored batch folder', () => {
  const day = new Date(2026, 2, 8, 10, 0, 0);

  it('names the batch folder by date and the merchant’s name, unique on disk and among queued batches', () => {
    const root = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    const taken = new Set<string>();
    expect(allocateBatchDir(root, day, '春装', taken)).toBe(join(root, '2026-03-08 春装'));
    // a second batch of the same name that day, before the first one is written
    expect(allocateBatchDir(root, day, '春装', taken)).toBe(join(root, '2026-03-08 春装-2'));
    mkdirSync(join(root, '2026-03-08 夏装'));
    expect(allocateBatchDir(root, day, '夏装', new Set())).toBe(join(root, '2026-03-08 夏装-2'));
    // case-insensitive, and a name Windows refuses is made safe
    expect(allocateBatchDir(root, day, 'Spring', new Set([join(root, '2026-03-08 SPRING')]))).toBe(join(root, '2026-03-08 Spring-2'));
    expect(allocateBatchDir(root, day, 'a:b?. ', new Set())).toBe(join(root, '2026-03-08 a_b_'));
  });

  it('names a batch after the dropped folder when all its files came from one', () => {
    expect(defaultBatchName([{ source: '春装' }, { source: '春装' }])).toBe('春装');
    expect(defaultBatchName([{ source: '春装' }, { source: '夏装' }])).toBe('批次');
    expect(defaultBatchName([{ source: '' }])).toBe('批次');
  });

  it('mirrors the dropped tree: 30 SKU folders each holding 1.jpg stay 30 folders with 1_白底.jpg', () => {
    const batch = join(mkdtempSync(join(tmpdir(), 'aizhao-results-')), '2026-03-08 春装');
    const rel = Array.from({ length: 30 }, (_, i) => `SKU${String(i + 1).padStart(2, '0')}/1.jpg`);
    const places = allocateItemPlaces(batch, 'basic_clean', rel);
    expect(places.map((p) => p.stem)).toEqual(Array(30).fill('1'));
    expect(places.map((p) => p.outputDir)).toEqual(rel.map((r) => join(batch, r.split('/')[0]!)));
    expect(join(places[0]!.outputDir, resultFileNames('basic_clean', places[0]!.stem)[0]!)).toBe(join(batch, 'SKU01', '1_白底.jpg'));
  });

  it('keeps nested folders, and numbers names met twice in one folder, ignoring case', () => {
    const batch = join(mkdtempSync(join(tmpdir(), 'aizhao-results-')), 'b');
    const places = allocateItemPlaces(batch, 'basic_clean', [
      'SKU123/正面.jpg',
      'SKU123/正面.png',
      'sku123/正面.webp',
      'SKU123/细节/正面.jpg',
      '正面.jpg',
      'a<b/c?.jpg',
    ]);
    expect(places).toEqual([
      { outputDir: join(batch, 'SKU123'), stem: '正面' },
      { outputDir: join(batch, 'SKU123'), stem: '正面-2' },
      // another spelling of the same folder on Windows and macOS
      { outputDir: join(batch, 'sku123'), stem: '正面-3' },
      { outputDir: join(batch, 'SKU123', '细节'), stem: '正面' },
      { outputDir: batch, stem: '正面' },
      { outputDir: join(batch, 'a_b'), stem: 'c_' },
    ]);
  });

  it('does not overwrite a result already on disk', () => {
    const batch = mkdtempSync(join(tmpdir(), 'aizhao-results-'));
    mkdirSync(join(batch, 'SKU1'));
    writeFileSync(join(batch, 'SKU1', '1_pose01.jpg'), 'x');
    expect(allocateItemPlaces(batch, 'model_pose12', ['SKU1/1.jpg'])).toEqual([{ outputDir: join(batch, 'SKU1'), stem: '1-2' }]);
  });

  it('takes only the folder part of a relative path, never leaving the batch folder', () => {
    expect(relDirSegments('a/b/c.jpg')).toEqual(['a', 'b']);
    expect(relDirSegments('../../etc/x.jpg')).toEqual(['etc']);
    expect(relDirSegments('c.jpg')).toEqual([]);
    expect(relDirSegments('a\\b\\CON\\c.jpg')).toEqual(['a', 'b', '_CON']);
  });
});

describe('exportPath', () => {
  const batchDir = join('/r', '2026-03-08 春装');
  const at = (outputDir: string, name: string, o: { presetFolder?: string | null; flat?: boolean } = {}) => ({
    batchDir,
    outputDir,
    name,
    ext: 'jpg' as const,
    presetFolder: o.presetFolder ?? null,
    flat: o.flat ?? false,
  });

  it('puts an export next to the results, or in the preset’s folder with the SKU tree under it', () => {
    expect(exportPath(at(join(batchDir, 'SKU123'), '正面_亚马逊'), new Set())).toBe(join(batchDir, 'SKU123', '正面_亚马逊.jpg'));
    expect(exportPath(at(join(batchDir, 'SKU123'), '正面_亚马逊', { presetFolder: '亚马逊主图' }), new Set())).toBe(
      join(batchDir, '亚马逊主图', 'SKU123', '正面_亚马逊.jpg'),
    );
  });

  it('flat: every file of a preset in one folder, named after its SKU path, never colliding', () => {
    const taken = new Set<string>();
    const flat = (dir: string, name: string) => exportPath(at(dir, name, { presetFolder: '淘宝天猫白底图', flat: true }), taken);
    const base = join(batchDir, '淘宝天猫白底图');
    expect(flat(join(batchDir, 'SKU01'), '1_白底')).toBe(join(base, 'SKU01_1_白底.jpg'));
    expect(flat(join(batchDir, 'SKU02'), '1_白底')).toBe(join(base, 'SKU02_1_白底.jpg'));
    expect(flat(join(batchDir, 'A', 'B'), '1_白底')).toBe(join(base, 'A_B_1_白底.jpg'));
    // another path giving the same flat name, and one differing only in case
    expect(flat(join(batchDir, 'A_B'), '1_白底')).toBe(join(base, 'A_B_1_白底-2.jpg'));
    expect(flat(join(batchDir, 'sku01'), '1_白底')).toBe(join(base, 'sku01_1_白底-2.jpg'));
  });
});
