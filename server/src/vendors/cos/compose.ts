/**
 * The basic_clean compose step, the same in sandbox and cloud mode: the GoodsMatting cut-out
 * (PNG with alpha) becomes an 800×800 JPEG on pure white, the subject trimmed of its transparent margins,
 * scaled so its longer side is 88 % of the canvas, and centred. The JPEG quality is chosen so the file lands in
 * Taobao's 38–300 KB main-image range: from 90 downwards until it fits under the maximum; when even quality 90 is
 * under the minimum, higher qualities are tried, and a near-empty image that stays under 38 KB at quality 100 is
 * returned as it is (there is nothing more to encode; padding a JPEG with junk to reach a size would be silly).
 */
import sharp from 'sharp';
import { alphaBoundingBox } from './alpha-bounds.js';

export const CANVAS_SIZE = 800;
/** Share of the canvas the subject's longer side takes. */
export const SUBJECT_RATIO = 0.88;
/** 38 KB (as 38 × 1024) … 300 KB (as 300 × 1000): inside the range whichever "KB" Taobao means. */
export const MIN_JPEG_BYTES = 38 * 1024;
export const MAX_JPEG_BYTES = 300 * 1000;
export const START_QUALITY = 90;
export const QUALITY_STEP = 5;
export const MIN_QUALITY = 40;
/** Qualities tried (in order) when START_QUALITY gives a file under MIN_JPEG_BYTES. */
export const RAISE_QUALITIES = [95, 100] as const;
/** Pixels at or below this alpha count as transparent margin when trimming. */
export const TRIM_ALPHA_THRESHOLD = 8;
const WHITE = { r: 255, g: 255, b: 255 };

/** The subject scaled to fit SUBJECT_RATIO of the canvas, centred on transparent 800×800; null when there is none. */
async function placeSubject(cutoutPng: Buffer): Promise<{ input: Buffer; left: number; top: number } | null> {
  const { data, info } = await sharp(cutoutPng).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const box = alphaBoundingBox(data, info.width, info.height, TRIM_ALPHA_THRESHOLD);
  if (!box) return null;
  const target = Math.round(CANVAS_SIZE * SUBJECT_RATIO);
  const { data: input, info: sized } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .extract(box)
    .resize({ width: target, height: target, fit: 'inside', kernel: 'lanczos3' })
    .png()
    .toBuffer({ resolveWithObject: true });
  return {
    input,
    left: Math.round((CANVAS_SIZE - sized.width) / 2),
    top: Math.round((CANVAS_SIZE - sized.height) / 2),
  };
}

function encode(flat: Buffer, quality: number): Promise<Buffer> {
  return sharp(flat, { raw: { width: CANVAS_SIZE, height: CANVAS_SIZE, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

/** Picks the JPEG quality as described above; returns the encoded file. */
export async function encodeWithinSize(flatRgb: Buffer): Promise<{ jpeg: Buffer; quality: number }> {
  let quality = START_QUALITY;
  let jpeg = await encode(flatRgb, quality);
  if (jpeg.length < MIN_JPEG_BYTES) {
    for (const q of RAISE_QUALITIES) {
      const bigger = await encode(flatRgb, q);
      jpeg = bigger;
      quality = q;
      if (bigger.length >= MIN_JPEG_BYTES) break;
    }
    return { jpeg, quality };
  }
  while (jpeg.length > MAX_JPEG_BYTES && quality - QUALITY_STEP >= MIN_QUALITY) {
    quality -= QUALITY_STEP;
    jpeg = await encode(flatRgb, quality);
  }
  return { jpeg, quality };
}

export async function composeOnWhite(cutoutPng: Buffer): Promise<Buffer> {
  const subject = await placeSubject(cutoutPng);
  const flat = await sharp({ create: { width: CANVAS_SIZE, height: CANVAS_SIZE, channels: 3, background: WHITE } })
    .composite(subject ? [subject] : [])
    .flatten({ background: WHITE })
    .removeAlpha()
    .raw()
    .toBuffer();
  return (await encodeWithinSize(flat)).jpeg;
}
