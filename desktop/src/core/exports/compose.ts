/**
 * Composes a preset's image from a cut-out (transparent PNG) with sharp, in the main process but off its event
 * loop (libvips works on libuv's thread pool): the subject trimmed of its transparent margins, scaled so that its
 * fill is the preset's target, centred on the preset's canvas and background; a JPEG's quality is searched so that
 * the file lands in the preset's size window.
 */
import sharp from 'sharp';
import { DesktopError } from '../errors.js';
import type { ImageSpec } from './presets.js';
import { alphaBox, readRaw } from './subject-box.js';

/** JPEG qualities the search stays within */
export const MIN_QUALITY = 40;
export const MAX_QUALITY = 100;
/** the quality used when the preset sets no size window (or the window is met at it) */
export const DEFAULT_QUALITY = 90;

function encodeJpeg(flat: Buffer, spec: ImageSpec, quality: number): Promise<Buffer> {
  return sharp(flat, { raw: { width: spec.width, height: spec.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:4:4', mozjpeg: false })
    .toBuffer();
}

/**
 * The JPEG of `flat` (raw RGB) in `spec.bytes`: quality 90 when it fits; else the highest quality under the maximum
 * (binary search), or the lowest quality over the minimum. When the window cannot be met (an almost empty image is
 * under the minimum even at 100) the nearest file is returned; the compliance check says so.
 */
export async function encodeInWindow(flat: Buffer, spec: ImageSpec): Promise<Buffer> {
  const first = await encodeJpeg(flat, spec, DEFAULT_QUALITY);
  const w = spec.bytes;
  if (!w || (first.length >= w.min && first.length <= w.max)) return first;
  const tooBig = first.length > w.max;
  // tooBig: find the highest quality in [MIN, 90) that fits under max; else the lowest in (90, MAX] over min
  let lo = tooBig ? MIN_QUALITY : DEFAULT_QUALITY + 1;
  let hi = tooBig ? DEFAULT_QUALITY - 1 : MAX_QUALITY;
  let best: Buffer | null = null;
  let nearest = first;
  while (lo <= hi) {
    const q = (lo + hi) >> 1;
    const jpeg = await encodeJpeg(flat, spec, q);
    if (tooBig) {
      if (jpeg.length <= w.max) {
        best = jpeg;
        lo = q + 1;
      } else hi = q - 1;
    } else if (jpeg.length >= w.min) {
      best = jpeg;
      hi = q - 1;
    } else {
      lo = q + 1;
    }
    if (Math.abs(jpeg.length - (tooBig ? w.max : w.min)) < Math.abs(nearest.length - (tooBig ? w.max : w.min))) nearest = jpeg;
  }
  return best ?? nearest;
}

/** The preset's image made from `cutout` (a PNG with alpha): JPEG or PNG bytes. */
export async function composeFromCutout(cutout: string | Buffer, spec: ImageSpec): Promise<Buffer> {
  const raw = await readRaw(cutout, true);
  const box = await alphaBox(raw);
  if (!box) throw new DesktopError('EMPTY_CUTOUT', '抠图结果是空的，无法导出');
  const maxW = Math.max(1, Math.round(spec.width * spec.fill.target));
  const maxH = Math.max(1, Math.round(spec.height * spec.fill.target));
  const { data: subject, info } = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 4 } })
    .extract(box)
    .resize({ width: maxW, height: maxH, fit: 'inside', kernel: 'lanczos3' })
    .png()
    .toBuffer({ resolveWithObject: true });
  const layer = { input: subject, left: Math.round((spec.width - info.width) / 2), top: Math.round((spec.height - info.height) / 2) };
  const background = spec.background ? { ...spec.background, alpha: 1 } : { r: 0, g: 0, b: 0, alpha: 0 };
  const canvas = sharp({ create: { width: spec.width, height: spec.height, channels: 4, background } }).composite([layer]);
  if (spec.format === 'png') {
    const png = spec.background ? canvas.flatten({ background: spec.background }) : canvas;
    return png.png({ compressionLevel: 9 }).toBuffer();
  }
  const flat = await sharp(await canvas.png().toBuffer())
    .flatten({ background: spec.background ?? { r: 255, g: 255, b: 255 } })
    .removeAlpha()
    .raw()
    .toBuffer();
  return encodeInWindow(flat, spec);
}
