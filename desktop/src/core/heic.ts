/**
 * HEIC/HEIF photos (what iPhones save by default). They are recognised by their ISO-BMFF `ftyp` box, not by their
 * name, and turned into a JPEG before upload: the server and the vendors take JPEG/PNG/WebP only, and sharp's
 * prebuilt libvips cannot decode HEVC-coded HEIF (it has libheif with the AV1 codec only, for AVIF). The decoding is
 * done by heic-decode (libheif compiled to WebAssembly, with libde265) in a worker thread (heic-decoder.ts); sharp
 * then writes the JPEG.
 * Brands: ISO/IEC 23008-12 Annex B (heic, heix, heim, heis; hevc, hevx, hevm, hevs for sequences) and the
 * structural brands mif1/msf1, which AVIF files carry too — those count only with a HEVC brand among the
 * compatible ones (https://github.com/strukturag/libheif/issues/83).
 */
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { decodeHeicFile } from './heic-decoder.js';

/** how many first bytes `sniffHeif` needs to see the compatible brands of an ordinary `ftyp` box */
export const HEIF_SNIFF_BYTES = 64;

const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const STRUCTURAL_BRANDS = new Set(['mif1', 'msf1']);

/** Whether the first bytes of a file are those of a HEVC-coded HEIF image (not AVIF, not a video). */
export function sniffHeif(head: Buffer): boolean {
  if (head.length < 12 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  const major = head.toString('latin1', 8, 12);
  if (HEVC_BRANDS.has(major)) return true;
  if (!STRUCTURAL_BRANDS.has(major)) return false;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  for (let at = 16; at + 4 <= boxEnd; at += 4) if (HEVC_BRANDS.has(head.toString('latin1', at, at + 4))) return true;
  return false;
}

/** Whether a file on disk is a HEIC/HEIF photo (by its first bytes); false when it cannot be read. */
export async function isHeicFile(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(HEIF_SNIFF_BYTES);
      const { bytesRead } = await fh.read(head, 0, HEIF_SNIFF_BYTES, 0);
      return sniffHeif(head.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch {
    return false;
  }
}

/** JPEG quality of a converted photo: high, since the server works on it again */
const JPEG_QUALITY = 92;

/** sharp over a HEIC/HEIF file's decoded primary image (which sharp's own libvips cannot read). */
export async function heicSharp(input: string): Promise<Sharp> {
  let image;
  try {
    image = await decodeHeicFile(input);
  } catch (e) {
    throw new Error(`cannot decode HEIC ${input}: ${(e as Error).message}`, { cause: e });
  }
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } });
}

/** Decodes a HEIC/HEIF file's primary image (its rotation and mirroring applied by libheif) and writes it as a JPEG. */
export async function heicToJpeg(input: string, output: string): Promise<{ path: string; size: number }> {
  await (await heicSharp(input)).flatten({ background: '#ffffff' }).jpeg({ quality: JPEG_QUALITY, mozjpeg: false }).toFile(output);
  return { path: output, size: (await stat(output)).size };
}

/**
 * The JPEG to upload for a HEIC input, made once per item in `cacheDir` (a resumed upload finds it there and sends
 * the same bytes again).
 */
export async function convertedForUpload(input: string, itemId: string, cacheDir: string): Promise<{ path: string; size: number }> {
  await mkdir(cacheDir, { recursive: true });
  const output = join(cacheDir, `${itemId}.jpg`);
  const existing = await stat(output).catch(() => null);
  if (existing && existing.size > 0) return { path: output, size: existing.size };
  // written beside and renamed: a crash mid-write never leaves a half JPEG that a resumed upload would send
  await heicToJpeg(input, `${output}.part`);
  await rename(`${output}.part`, output);
  return { path: output, size: (await stat(output)).size };
}
