/**
 * Previews of local images for the renderer, made with sharp (libvips): decoding and scaling run on libuv's thread
 * pool, never on the main process's event loop, and every format a batch accepts (JPEG, PNG, WebP — see
 * `input-files.ts`) is read, at any size (a 50-megapixel photo is shrunk while it is decoded, and EXIF rotation is
 * applied so that a portrait photo is not shown on its side). HEIC photos, which libvips cannot decode, are decoded
 * by the HEIC decoder's worker thread first.
 */
import sharp from 'sharp';
import type { PreviewSize } from '../shared/contract.js';
import { heicSharp, isHeicFile } from './heic.js';

/** the longest side of a preview, in pixels (the renderer shows them at 80 CSS px, so 2× for HiDPI screens) */
export const THUMBNAIL_SIZE = 160;

/**
 * The longest side of each preview size: list thumbnails (80 CSS px), review grid tiles (up to 240 CSS px) and the
 * detail view (fits a large window and zooms 2× before it blurs), all 2× for HiDPI screens. The renderer never gets
 * the full file: a 50-megapixel photo would be tens of MB as a data URL.
 */
export const PREVIEW_PIXELS: Record<PreviewSize, number> = { thumb: THUMBNAIL_SIZE, grid: 480, detail: 1600 };

/** A JPEG preview of `path` as a data URL, or null when the file is not an image sharp can read. */
export async function makeThumbnail(path: string, size = THUMBNAIL_SIZE): Promise<string | null> {
  try {
    const source = (await isHeicFile(path))
      ? await heicSharp(path)
      : sharp(path, { failOn: 'none', limitInputPixels: 268_402_689 }).rotate();
    const jpeg = await source
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: size > THUMBNAIL_SIZE ? 85 : 80 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return null;
  }
}
