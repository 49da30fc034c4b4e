/**
 * Turns dropped or picked paths into the files a batch can take: folders are walked, and every file is checked the
 * way the server will check it (an image by its bytes, not by its name; not empty; not too large), so that nothing
 * is paid for a file that cannot work. Rejected files come back with the reason in Chinese.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { HEIF_SNIFF_BYTES, sniffHeif } from './heic.js';
import type { ReusedResult } from './queue-store.js';

export type ImageKind =
  | { mime: 'image/jpeg'; ext: 'jpg' }
  | { mime: 'image/png'; ext: 'png' }
  | { mime: 'image/webp'; ext: 'webp' }
  /** iPhone photos: converted to JPEG before upload (`heic.ts`) */
  | { mime: 'image/heic'; ext: 'heic' };

export interface InputFile {
  path: string;
  name: string;
  size: number;
  mime: ImageKind['mime'];
  ext: ImageKind['ext'];
  /** the path relative to the dropped folder, `/`-separated (`SKU123/正面.jpg`); the name for a dropped file */
  relPath: string;
  /** the dropped folder's name ('' for a dropped file): a batch of one folder is named after it */
  source: string;
  /** SHA-256 of the bytes and perceptual hash (fingerprint.ts), once computed */
  sha256?: string;
  phash?: string;
  /** reuse an earlier task's results instead of processing again (an exact duplicate, duplicates.ts) */
  reuse?: ReusedResult;
}

export interface RejectedInput {
  path: string;
  name: string;
  reason: string;
}

export interface ScanResult {
  accepted: InputFile[];
  rejected: RejectedInput[];
}

/** The most files one drop may add (a folder of a whole season is fine; a whole disk is not). */
export const MAX_FILES_PER_SCAN = 1000;
const MAX_DEPTH = 8;

/** Recognises JPEG, PNG, WebP and HEIC/HEIF by their first bytes. */
export function sniffImage(head: Buffer): ImageKind | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { mime: 'image/jpeg', ext: 'jpg' };
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return { mime: 'image/png', ext: 'png' };
  if (head.length >= 12 && head.toString('latin1', 0, 4) === 'RIFF' && head.toString('latin1', 8, 12) === 'WEBP')
    return { mime: 'image/webp', ext: 'webp' };
  if (sniffHeif(head)) return { mime: 'image/heic', ext: 'heic' };
  return null;
}

const megabytes = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

type CheckedFile = Omit<InputFile, 'relPath' | 'source'>;

async function checkFile(path: string, size: number, maxBytes: number): Promise<CheckedFile | RejectedInput> {
  const name = basename(path);
  if (size === 0) return { path, name, reason: '文件是空的' };
  if (size > maxBytes) return { path, name, reason: `文件太大（${megabytes(size)}），单张最大 ${megabytes(maxBytes)}` };
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(HEIF_SNIFF_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEIF_SNIFF_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return { path, name, reason: '无法读取文件（没有权限或文件已被移动）' };
  }
  const kind = sniffImage(head);
  if (!kind) return { path, name, reason: '不是支持的图片格式（仅支持 JPG、PNG、WebP、HEIC）' };
  return { path, name, size, ...kind };
}

export async function scanPaths(paths: readonly string[], maxBytes: number): Promise<ScanResult> {
  const result: ScanResult = { accepted: [], rejected: [] };
  const seen = new Set<string>();
  let truncated = false;

  /** `root`: the dropped folder the walk started from, or null for a dropped file */
  async function visit(path: string, depth: number, root: string | null): Promise<void> {
    if (seen.has(path)) return;
    if (result.accepted.length + result.rejected.length >= MAX_FILES_PER_SCAN) {
      truncated = true;
      return;
    }
    seen.add(path);
    let info, real;
    try {
      real = await realpath(path);
      info = await stat(real);
    } catch {
      result.rejected.push({ path, name: basename(path), reason: '无法读取文件（没有权限或文件已被移动）' });
      return;
    }
    // the same file or folder again through a symlink (or a folder linking to itself) is not taken twice
    if (real !== path) {
      if (seen.has(real)) return;
      seen.add(real);
    }
    if (info.isDirectory()) {
      if (depth >= MAX_DEPTH) return;
      let entries: string[];
      try {
        entries = (await readdir(path)).filter((e) => !e.startsWith('.')).sort((a, b) => a.localeCompare(b, 'zh-CN'));
      } catch {
        result.rejected.push({ path, name: basename(path), reason: '无法读取文件夹（没有权限）' });
        return;
      }
      for (const e of entries) await visit(join(path, e), depth + 1, root ?? path);
      return;
    }
    if (!info.isFile()) return;
    const checked = await checkFile(path, info.size, maxBytes);
    if ('reason' in checked) result.rejected.push(checked);
    else
      result.accepted.push({
        ...checked,
        ...(root ? placeUnder(root, path) : { relPath: basename(path), source: '' }),
      });
  }

  for (const p of paths) await visit(p, 0, null);
  if (truncated) result.rejected.push({ path: '', name: '…', reason: `一次最多添加 ${MAX_FILES_PER_SCAN} 个文件，其余的已忽略` });
  return result;
}

/** Where a file lies in the folder it came from: its `/`-separated path relative to `root`, and the folder's name. */
export function placeUnder(root: string, path: string): Pick<InputFile, 'relPath' | 'source'> {
  return { relPath: relative(root, path).split(sep).join('/'), source: basename(root) };
}
