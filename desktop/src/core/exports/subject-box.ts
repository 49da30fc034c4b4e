/**
 * Finding the subject in an image's pixels: by its alpha (a cut-out or a transparent export), or by how far each
 * pixel is from the background colour (an export on a solid background, a model photo on a scene). Pure functions
 * on raw sharp buffers.
 */
import sharp from 'sharp';
import type { Rgb } from './presets.js';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Pixels at or below this alpha are transparent margin (as the server's trim). */
export const ALPHA_THRESHOLD = 8;
/** A pixel whose channels all lie within this of the background is background (JPEG noise stays below it). */
export const BACKGROUND_TOLERANCE = 24;

/** Decodes a file or buffer to raw pixels (EXIF rotation applied), with an alpha channel when `alpha`. */
export async function readRaw(input: string | Buffer, alpha: boolean): Promise<RawImage> {
  let img = sharp(input, { failOn: 'none', limitInputPixels: 268_402_689 }).rotate();
  img = alpha ? img.ensureAlpha() : img.removeAlpha();
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** rows scanned between two yields to the event loop (a 2000-px row takes well under a millisecond) */
const ROWS_PER_SLICE = 128;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * The bounding box of the pixels `isSubject` accepts, ignoring rows and columns with fewer than `minCount` of them
 * (stray noise); null when there are none. The scan gives the event loop back every few rows, so that the main
 * process keeps answering the window while a 2000×2000 export is checked.
 */
async function boxOf(img: RawImage, isSubject: (offset: number) => boolean, minCount = 1): Promise<Box | null> {
  const { width, height, channels } = img;
  const rows = new Uint32Array(height);
  const cols = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    if (y > 0 && y % ROWS_PER_SLICE === 0) await yieldToLoop();
    for (let x = 0; x < width; x++) {
      if (isSubject((y * width + x) * channels)) {
        rows[y]!++;
        cols[x]!++;
      }
    }
  }
  const first = (a: Uint32Array) => a.findIndex((n) => n >= minCount);
  const last = (a: Uint32Array) => a.length - 1 - [...a].reverse().findIndex((n) => n >= minCount);
  const top = first(rows);
  const left = first(cols);
  if (top < 0 || left < 0) return null;
  return { left, top, width: last(cols) - left + 1, height: last(rows) - top + 1 };
}

/** The box of the pixels above the alpha threshold (RGBA input). */
export function alphaBox(img: RawImage, threshold = ALPHA_THRESHOLD): Promise<Box | null> {
  return boxOf(img, (o) => img.data[o + 3]! > threshold);
}

/** The box of the pixels that differ from `bg` by more than the tolerance in any channel (RGB or RGBA input). */
export function colourBox(img: RawImage, bg: Rgb, tolerance = BACKGROUND_TOLERANCE, minCount = 1): Promise<Box | null> {
  const d = img.data;
  return boxOf(
    img,
    (o) => Math.abs(d[o]! - bg.r) > tolerance || Math.abs(d[o + 1]! - bg.g) > tolerance || Math.abs(d[o + 2]! - bg.b) > tolerance,
    minCount,
  );
}

/** The median colour of the image's outer ring: the background of a photo whose subject does not touch its edges. */
export function borderColour(img: RawImage): Rgb {
  const { width, height, channels, data } = img;
  const r: number[] = [];
  const g: number[] = [];
  const b: number[] = [];
  const take = (x: number, y: number) => {
    const o = (y * width + x) * channels;
    r.push(data[o]!);
    g.push(data[o + 1]!);
    b.push(data[o + 2]!);
  };
  for (let x = 0; x < width; x++) {
    take(x, 0);
    take(x, height - 1);
  }
  for (let y = 1; y < height - 1; y++) {
    take(0, y);
    take(width - 1, y);
  }
  const median = (a: number[]) => a.sort((p, q) => p - q)[a.length >> 1]!;
  return { r: median(r), g: median(g), b: median(b) };
}

/** The subject's fill: its longer side relative to the canvas side along it (see presets.ts). */
export const fillOf = (box: Box, width: number, height: number): number => Math.max(box.width / width, box.height / height);
