/**
 * What makes two photos "the same": the SHA-256 of the bytes (an exact copy), and a perceptual hash that survives
 * resizing and re-encoding (a near copy). The perceptual hash is a difference hash (dHash: 9×8 greyscale, one bit
 * per pair of neighbours, https://www.hackerfactor.com/blog/index.php?/archives/529-Kind-of-Like-That.html) plus a
 * 4×4 grid of mean colours: dHash alone is colour-blind, and a clothing merchant shoots the same cut in several
 * colours — different products, never duplicates. Images are scaled with sharp (libvips, off the event loop).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import decodeHeic from 'heic-decode';
import sharp, { type Sharp } from 'sharp';

/** SHA-256 of a file's bytes, hex, read as a stream (a 50 MB photo is never held whole). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const GRID = 4;

/** sharp for a file; HEIC (which sharp's libvips cannot decode) through heic-decode first. */
async function open(path: string, heic: boolean): Promise<Sharp> {
  if (!heic) return sharp(path, { failOn: 'none' }).rotate();
  const image = await decodeHeic({ buffer: await readFile(path) });
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 4 },
  });
}

/** The perceptual hash: 16 hex digits of dHash, a dot, then the colour grid (16 cells × RGB, 2 hex digits each). */
export async function perceptualHash(path: string, o: { heic?: boolean } = {}): Promise<string> {
  const base = await open(path, o.heic === true);
  const flat = base.flatten({ background: '#ffffff' });
  const [grey, colour] = await Promise.all([
    flat.clone().greyscale().resize(9, 8, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer(),
    flat.clone().removeAlpha().resize(GRID, GRID, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer(),
  ]);
  let bits = 0n;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits = (bits << 1n) | (grey[y * 9 + x]! < grey[y * 9 + x + 1]! ? 1n : 0n);
  return `${bits.toString(16).padStart(16, '0')}.${colour.toString('hex')}`;
}

/** How far apart two perceptual hashes are: differing dHash bits (0–64) and the mean colour difference (0–255). */
export function perceptualDistance(a: string, b: string): { bits: number; colour: number } {
  const [ha, ca] = a.split('.') as [string, string];
  const [hb, cb] = b.split('.') as [string, string];
  let x = BigInt(`0x${ha}`) ^ BigInt(`0x${hb}`);
  let bits = 0;
  for (; x; x &= x - 1n) bits++;
  const pa = Buffer.from(ca, 'hex');
  const pb = Buffer.from(cb, 'hex');
  let sum = 0;
  for (let i = 0; i < pa.length; i++) sum += Math.abs(pa[i]! - (pb[i] ?? 0));
  return { bits, colour: pa.length ? sum / pa.length : 255 };
}

/** dHash bits that may differ for a near copy (a resize or re-encode changes a few; another photo ~half of 64) */
export const NEAR_MAX_BITS = 10;
/** the mean colour difference a near copy may have (JPEG re-encoding moves means by a few levels) */
export const NEAR_MAX_COLOUR = 12;

export function isNearCopy(a: string, b: string): boolean {
  const d = perceptualDistance(a, b);
  return d.bits <= NEAR_MAX_BITS && d.colour <= NEAR_MAX_COLOUR;
}
