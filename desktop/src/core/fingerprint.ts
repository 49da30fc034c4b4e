/**
 * What makes two photos "the same": the SHA-256 of the bytes (an exact copy), and a perceptual hash that survives
 * resizing and re-encoding (a near copy). The perceptual hash is a difference hash (dHash: 9×8 greyscale, one bit
 * per pair of neighbours, https://www.hackerfactor.com/blog/index.php?/archives/529-Kind-of-Like-That.html) plus a
 * 4×4 grid of mean colours: dHash alone is colour-blind, and a clothing merchant shoots the same cut in several
 * colours — different products, never duplicates. Images are scaled with sharp (libvips, off the event loop).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { heicSharp } from './heic.js';

/** SHA-256 of a file's bytes, hex, read as a stream (a 50 MB photo is never held whole). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const GRID = 4;

/** sharp for a file; HEIC (which sharp's libvips cannot decode) through the HEIC decoder first. */
async function open(path: string, heic: boolean): Promise<Sharp> {
  return heic ? heicSharp(path) : sharp(path, { failOn: 'none' }).rotate();
}

/**
 * The perceptual hash: the 9×8 greyscale (72 levels, hex), a dot, then the colour grid (16 cells × RGB, hex). The
 * levels are kept, not only dHash's 64 bits, so that neighbours of (nearly) the same level — a studio photo's plain
 * background — do not flip bits with every re-encode: see `perceptualDistance`.
 */
export async function perceptualHash(path: string, o: { heic?: boolean } = {}): Promise<string> {
  const base = await open(path, o.heic === true);
  const flat = base.flatten({ background: '#ffffff' });
  const [grey, colour] = await Promise.all([
    flat.clone().greyscale().resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer(),
    flat.clone().removeAlpha().resize(GRID, GRID, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer(),
  ]);
  return `${grey.toString('hex')}.${colour.toString('hex')}`;
}

/** neighbours closer than this many levels count as level (no gradient either way) */
const LEVEL_TOLERANCE = 3;
/** a level pair in one image and a gradient steeper than this in the other count as differing */
const STEEP = 12;

/** dHash's 64 gradient directions of a 9×8 greyscale: -1, 0 (level) or 1 per pair of horizontal neighbours. */
function gradients(grey: Buffer): number[] {
  const out: number[] = [];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      const d = grey[y * 9 + x + 1]! - grey[y * 9 + x]!;
      out.push(Math.abs(d) < LEVEL_TOLERANCE ? 0 : Math.sign(d) * (Math.abs(d) > STEEP ? 2 : 1));
    }
  return out;
}

/**
 * How far apart two perceptual hashes are: dHash bits that differ (0–64; gradients of opposite direction, or a
 * level pair against a steep gradient) and the mean colour difference (0–255).
 */
export function perceptualDistance(a: string, b: string): { bits: number; colour: number } {
  const [ga, ca] = a.split('.') as [string, string];
  const [gb, cb] = b.split('.') as [string, string];
  const da = gradients(Buffer.from(ga, 'hex'));
  const db = gradients(Buffer.from(gb, 'hex'));
  let bits = 0;
  for (let i = 0; i < 64; i++) {
    const x = da[i] ?? 0;
    const y = db[i] ?? 0;
    if (x * y < 0 || (x === 0 && Math.abs(y) === 2) || (y === 0 && Math.abs(x) === 2)) bits++;
  }
  const pa = Buffer.from(ca, 'hex');
  const pb = Buffer.from(cb, 'hex');
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i]! - (pb[i] ?? 0));
  return { bits, colour: pa.length ? sum / pa.length : 255 };
}

/** dHash bits that may differ for a near copy (a resize or re-encode changes a few; another photo many more) */
export const NEAR_MAX_BITS = 10;
/** the mean colour difference a near copy may have (JPEG re-encoding moves means by a few levels) */
export const NEAR_MAX_COLOUR = 12;

export function isNearCopy(a: string, b: string): boolean {
  const d = perceptualDistance(a, b);
  return d.bits <= NEAR_MAX_BITS && d.colour <= NEAR_MAX_COLOUR;
}
