/** Checks of an uploaded input object before anything is spent: key shape and owner, existence, size, image format. */
import { imageSize } from 'image-size';
import { INPUT_EXTENSIONS } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import { AppError } from '../../lib/errors.js';

const KEY_SHAPE = new RegExp(`^input/([0-9A-Za-z_-]{1,32})/[0-9A-Za-z_-]{1,64}\\.(${INPUT_EXTENSIONS.join('|')})$`);
/**
 * The first read: enough for the image header of nearly every photo (a camera's EXIF segment with its thumbnail is at
 * most 64 KB, ICC and XMP segments are usually a few KB). Every byte of it crosses the COS client and, in sandbox
 * mode, the emulator too, so it is not larger than that.
 */
export const INPUT_HEAD_BYTES = 64 * 1024;
/** The second read, when the first holds no complete header (large XMP or Photoshop segments); then the whole object. */
export const INPUT_HEAD_MAX_BYTES = 512 * 1024;

const formatBytes = (n: number): string =>
  n >= 1024 * 1024 ? `${Number((n / 1024 / 1024).toFixed(1))} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;

export const inputPrefix = (userId: string): string => `input/${userId}/`;

export function checkInputKeyShape(userId: string, key: string): void {
  const m = KEY_SHAPE.exec(key);
  if (!m || m[1] !== userId) {
    throw new AppError('INVALID_INPUT', `图片路径无效：只能使用 ${inputPrefix(userId)} 下上传的图片`, [
      { path: 'inputKey', message: 'key outside the caller prefix or of the wrong shape' },
    ]);
  }
}

/** image-size's type names of the formats the pipeline takes, as the check reports them (sharp's names). */
const FORMATS: Record<string, 'jpeg' | 'png' | 'webp'> = { jpg: 'jpeg', png: 'png', webp: 'webp' };

/**
 * The image header's type and size, or null when `buf` holds none that image-size can read. image-size parses the
 * header in JS (about 14 µs for a photo's); sharp's metadata() costs about 230 µs of CPU for the same (its options
 * object, a libvips header load on the thread pool), and the pipeline decodes the photo with sharp later anyway.
 */
function readHeader(buf: Buffer): ReturnType<typeof imageSize> | null {
  try {
    return imageSize(buf);
  } catch {
    return null;
  }
}

/**
 * One ranged GET gives the object's size (Content-Range) and its first bytes, enough for the image header of nearly
 * every photo; when they are not, the first 512 KB, and only then the whole object (and only if it is within the
 * size limit).
 */
export async function checkInputObject(
  ctx: AppContext,
  key: string,
): Promise<{ width: number; height: number; format: string; size: number }> {
  const invalid = (message: string, detail: string) => new AppError('INVALID_INPUT', message, [{ path: 'inputKey', message: detail }]);
  const start = await ctx.vendors.storage.readStart(key, INPUT_HEAD_BYTES);
  if (!start) throw invalid('图片不存在，请重新上传', 'object missing');
  const { maxBytes, minSide } = ctx.config.upload;
  if (start.size > maxBytes) throw invalid(`图片太大，最大 ${formatBytes(maxBytes)}`, 'too large');
  if (start.size === 0) throw invalid('图片是空文件', 'empty');
  let header = readHeader(start.head);
  let read = start.head.length;
  for (const more of [() => ctx.vendors.storage.getRange(key, INPUT_HEAD_MAX_BYTES), () => ctx.vendors.storage.get(key)]) {
    if ((header?.width && header.height) || read >= start.size) break;
    const bytes = await more();
    read = bytes.length;
    header = readHeader(bytes);
  }
  const format = header ? FORMATS[header.type ?? ''] : undefined;
  if (!format || !header?.width || !header.height) throw invalid('文件不是支持的图片格式（JPG、PNG、WebP）', 'not an image');
  // EXIF orientations 5–8 swap width and height, which does not change the shorter side.
  if (Math.min(header.width, header.height) < minSide) {
    throw invalid(`图片太小，短边至少 ${minSide} 像素`, 'too small');
  }
  return { width: header.width, height: header.height, format, size: start.size };
}
