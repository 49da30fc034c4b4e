/**
 * Real HEIC photos for the tests, encoded like an iPhone's (HEVC in HEIF, brand `heic`) by libheif's `heif-enc`
 * with x265 (Debian's libheif-examples, installed by scripts/ensure-test-deps.sh). Nothing can be downloaded here,
 * and sharp's prebuilt libvips only encodes AV1 (AVIF), so the encoder is the reference one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

/** Encodes an image (any format sharp reads) as HEIC at `out`; returns `out`. */
export async function writeHeic(image: Buffer, out: string, quality = 80): Promise<string> {
  const png = join(mkdtempSync(join(tmpdir(), 'aizhao-heic-src-')), 'in.png');
  writeFileSync(png, await sharp(image).png().toBuffer());
  execFileSync('heif-enc', ['-q', String(quality), '-o', out, png], { stdio: 'pipe' });
  return out;
}
