/**
 * The basic_clean compose step, the same in sandbox and cloud mode. From the GoodsMatting cut-out (PNG with alpha,
 * at most 2000 px: CI capped the photo before matting) it makes both results: the transparent PNG trimmed to the
 * subject (its longer side at most MAX_CUTOUT_SIDE), and from that same subject an 800×800 JPEG on pure white,
 * scaled so its longer side is 88 % of the canvas, and centred. The pixel work is libvips' (threshold, trim, stats,
 * extract, resize), on libuv's threads, never a JS loop on the event loop. The JPEG quality is chosen so the file lands in
 * Taobao's 38–300 KB main-image range: from 90 downwards until it fits under the maximum; when even quality 90 is
 * under the minimum, higher qualities are tried, and a near-empty image that stays under 38 KB at quality 100 is
 * returned as it is (there is nothing more to encode; padding a JPEG with junk to reach a size would be silly).
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { Box } from './alpha-bounds.js';

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
/**
 * zlib level of the cut-out PNG: 4 encodes a 1300×1700 photographic cut-out in about half the time of libvips'
 * default 6 for a file about 10 % larger (docs/benchmarks.md); the file is downloaded once and kept by the desktop.
 */
export const CUTOUT_PNG_COMPRESSION = 4;

/** The cut-out's longer side is at most this (CI caps the input before matting; the trim here keeps it so). */
export const MAX_CUTOUT_SIDE = 2000;

/** A cut-out trimmed to its subject: tightly packed RGBA pixels. */
export interface Subject {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * Bounding box of the pixels with alpha above TRIM_ALPHA_THRESHOLD, found by libvips, not by a JS loop: the alpha
 * channel is trimmed of its margins within TRIM_ALPHA_THRESHOLD of 0 (`lineArt`, so that a lone visible pixel
 * counts). The pixel work runs on libuv's threads and never on the event loop. null when no pixel is visible (only
 * then, when the trim kept the whole image, is the channel's maximum read as well).
 */
export async function subjectBox(rgba: Buffer, width: number, height: number): Promise<Box | null> {
  const alpha = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .extractChannel(3)
    .raw()
    .toBuffer();
  const alphaRaw = { raw: { width, height, channels: 1 as const } };
  const { info } = await sharp(alpha, alphaRaw)
    .trim({ background: '#000000', threshold: TRIM_ALPHA_THRESHOLD, lineArt: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const box = { left: 0 - (info.trimOffsetLeft ?? 0), top: 0 - (info.trimOffsetTop ?? 0), width: info.width, height: info.height };
  if (box.width === width && box.height === height) {
    // nothing trimmed: a subject that touches every edge, or nothing visible at all
    const { channels } = await sharp(alpha, alphaRaw).stats();
    if ((channels[0]?.max ?? 0) <= TRIM_ALPHA_THRESHOLD) return null;
  }
  return box;
}

/** The cut-out trimmed to its subject, its longer side at most MAX_CUTOUT_SIDE; null when it shows nothing. */
export async function trimSubject(cutoutPng: Buffer): Promise<Subject | null> {
  const { data, info } = await sharp(cutoutPng).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const box = await subjectBox(data, info.width, info.height);
  if (!box) return null;
  const { data: trimmed, info: out } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .extract(box)
    .resize({ width: MAX_CUTOUT_SIDE, height: MAX_CUTOUT_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: trimmed, width: out.width, height: out.height };
}

/** The subject scaled to fit SUBJECT_RATIO of the canvas, centred on transparent 800×800 (raw pixels: no encode). */
async function placeSubject(s: Subject): Promise<OverlayOptions> {
  const target = Math.round(CANVAS_SIZE * SUBJECT_RATIO);
  const { data: input, info: sized } = await sharp(s.data, { raw: { width: s.width, height: s.height, channels: 4 } })
    .resize({ width: target, height: target, fit: 'inside', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    input,
    raw: { width: sized.width, height: sized.height, channels: 4 },
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

/** The 800×800 JPEG on pure white of a trimmed subject (plain white when there is none). */
export async function whiteFromSubject(subject: Subject | null): Promise<Buffer> {
  const flat = await sharp({ create: { width: CANVAS_SIZE, height: CANVAS_SIZE, channels: 3, background: WHITE } })
    .composite(subject ? [await placeSubject(subject)] : [])
    .flatten({ background: WHITE })
    .removeAlpha()
    .raw()
    .toBuffer();
  return (await encodeWithinSize(flat)).jpeg;
}

export async function composeOnWhite(cutoutPng: Buffer): Promise<Buffer> {
  return whiteFromSubject(await trimSubject(cutoutPng));
}

/** A 1×1 transparent PNG: the cut-out of a photo in which matting found nothing. */
const EMPTY_CUTOUT = (): Promise<Buffer> =>
  sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();

/**
 * basic_clean's two results from one decode of CI's cut-out: the transparent PNG trimmed to the subject (longer
 * side ≤ MAX_CUTOUT_SIDE) and the 800×800 JPEG on white composed from that same trimmed subject.
 */
export async function basicCleanOutputs(cutoutPng: Buffer): Promise<{ cutout: Buffer; white: Buffer }> {
  const subject = await trimSubject(cutoutPng);
  const [cutout, white] = await Promise.all([
    subject
      ? sharp(subject.data, { raw: { width: subject.width, height: subject.height, channels: 4 } })
          .png({ compressionLevel: CUTOUT_PNG_COMPRESSION })
          .toBuffer()
      : EMPTY_CUTOUT(),
    whiteFromSubject(subject),
  ]);
  return { cutout, white };
}
