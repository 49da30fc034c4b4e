/**
 * The basic_clean compose step, the same in sandbox and cloud mode. From the GoodsMatting cut-out (PNG with alpha,
 * at most 2000 px: CI capped the photo before matting) it makes both results: the transparent PNG trimmed to the
 * subject (its longer side at most MAX_CUTOUT_SIDE), and from that same subject an 800×800 JPEG on pure white,
 * scaled so its longer side is 88 % of the canvas, and centred. The JPEG quality is chosen so the file lands in
 * Taobao's 38–300 KB main-image range: from 90 downwards until it fits under the maximum; when even quality 90 is
 * under the minimum, higher qualities are tried, and a near-empty image that stays under 38 KB at quality 100 is
 * returned as it is (there is nothing more to encode; padding a JPEG with junk to reach a size would be silly).
 *
 * The cut-out is decoded once, and each result is cropped straight from those pixels in one libvips pipeline:
 * extract → PNG, and extract → flatten on white → resize → extend to the canvas → JPEG. All pixel work is libvips'
 * (the box by trimming the alpha channel too), on libuv's threads, never a JS loop on the event loop. CPU of one
 * compose (all threads) of the benchmark's cut-out (1500×2000, its subject 1300×1700) on the 2-core machine of
 * docs/benchmarks.md: about 120 ms — decode 9 ms, box 26 ms, PNG 27 ms, flatten and scale 23 ms, then 11 ms per
 * JPEG quality encoded (that cut-out is under the minimum at 90, so 95 is encoded as well).
 */
import sharp, { type Sharp } from 'sharp';
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
 * zlib level of the cut-out PNG: 4 encodes the benchmark's 1300×1700 photographic cut-out in 27 ms against 43 ms at
 * libvips' default 6, for a file about a third larger (372 KB against 277 KB); 3 would save 5 ms more for a file 20 %
 * larger still. The file is downloaded once and kept by the desktop.
 */
export const CUTOUT_PNG_COMPRESSION = 4;

/** The cut-out's longer side is at most this (CI caps the input before matting; the trim here keeps it so). */
export const MAX_CUTOUT_SIDE = 2000;

/** A decoded cut-out: tightly packed RGBA pixels. */
export interface Rgba {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * The subject of a decoded cut-out: its box in those pixels. Nothing is copied: each result crops the decoded
 * pixels itself, in its own libvips pipeline.
 */
export interface Subject extends Box {
  source: Rgba;
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

/** The cut-out decoded once, and its subject's box in it; null when it shows nothing. */
export async function trimSubject(cutoutPng: Buffer): Promise<Subject | null> {
  const { data, info } = await sharp(cutoutPng).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const source = { data, width: info.width, height: info.height };
  const box = await subjectBox(data, source.width, source.height);
  return box && { ...box, source };
}

/** A pipeline that starts from the subject's pixels, cropped out of the decoded cut-out. */
function subjectPixels(s: Subject): Sharp {
  const { source, left, top, width, height } = s;
  return sharp(source.data, { raw: { width: source.width, height: source.height, channels: 4 } }).extract({ left, top, width, height });
}

/** The transparent PNG of the subject, its longer side at most MAX_CUTOUT_SIDE. */
function encodeCutout(s: Subject): Promise<Buffer> {
  return subjectPixels(s)
    .resize({ width: MAX_CUTOUT_SIDE, height: MAX_CUTOUT_SIDE, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' })
    .png({ compressionLevel: CUTOUT_PNG_COMPRESSION })
    .toBuffer();
}

/**
 * The 800×800 white canvas with the subject scaled to fit SUBJECT_RATIO of it, centred, as a pipeline ready to encode.
 * The subject is flattened on white before it is scaled: the same pixels as scaling its premultiplied RGBA and
 * flattening afterwards (both are linear, and white stays white) but for rounding (that path rounded the premultiplied
 * colours to 8 bits), without premultiplying, on 3 channels instead of 4. Plain white when there is no subject.
 */
async function whiteCanvas(s: Subject | null): Promise<Sharp> {
  if (!s) return sharp({ create: { width: CANVAS_SIZE, height: CANVAS_SIZE, channels: 3, background: WHITE } });
  const target = Math.round(CANVAS_SIZE * SUBJECT_RATIO);
  const { data, info } = await subjectPixels(s)
    .flatten({ background: WHITE })
    .resize({ width: target, height: target, fit: 'inside', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const left = Math.round((CANVAS_SIZE - info.width) / 2);
  const top = Math.round((CANVAS_SIZE - info.height) / 2);
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).extend({
    left,
    top,
    right: CANVAS_SIZE - info.width - left,
    bottom: CANVAS_SIZE - info.height - top,
    background: WHITE,
  });
}

function encode(canvas: Sharp, quality: number): Promise<Buffer> {
  return canvas.clone().jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
}

/** Picks the JPEG quality as described above; returns the encoded file. `canvas` is encoded once per quality tried. */
export async function encodeWithinSize(canvas: Sharp): Promise<{ jpeg: Buffer; quality: number }> {
  let quality = START_QUALITY;
  let jpeg = await encode(canvas, quality);
  if (jpeg.length < MIN_JPEG_BYTES) {
    for (const q of RAISE_QUALITIES) {
      const bigger = await encode(canvas, q);
      jpeg = bigger;
      quality = q;
      if (bigger.length >= MIN_JPEG_BYTES) break;
    }
    return { jpeg, quality };
  }
  while (jpeg.length > MAX_JPEG_BYTES && quality - QUALITY_STEP >= MIN_QUALITY) {
    quality -= QUALITY_STEP;
    jpeg = await encode(canvas, quality);
  }
  return { jpeg, quality };
}

/** The 800×800 JPEG on pure white of a subject (plain white when there is none). */
export async function whiteFromSubject(subject: Subject | null): Promise<Buffer> {
  return (await encodeWithinSize(await whiteCanvas(subject))).jpeg;
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
 * side ≤ MAX_CUTOUT_SIDE) and the 800×800 JPEG on white composed from that same subject.
 */
export async function basicCleanOutputs(cutoutPng: Buffer): Promise<{ cutout: Buffer; white: Buffer }> {
  const subject = await trimSubject(cutoutPng);
  const [cutout, white] = await Promise.all([subject ? encodeCutout(subject) : EMPTY_CUTOUT(), whiteFromSubject(subject)]);
  return { cutout, white };
}
