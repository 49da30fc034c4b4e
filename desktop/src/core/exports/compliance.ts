/**
 * The compliance check of an exported file, on the real file as written: its format, exact size and file size, its
 * outer pixels (exactly the background: pure white 255,255,255, or fully transparent), and the subject's fill
 * ratio, measured from the pixels. Each failed rule comes back as a sentence in Chinese for the merchant.
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { ImageSpec, Rgb } from './presets.js';
import { alphaBox, colourBox, fillOf, readRaw, type RawImage } from './subject-box.js';

/** how many outer rows and columns must be exactly the background */
export const BORDER_PX = 2;

export interface ComplianceResult {
  ok: boolean;
  failures: string[];
  /** what was measured (for tests and logs) */
  measured: { format: string | undefined; width: number; height: number; bytes: number; fill: number | null };
}

const FORMAT_NAMES: Record<string, string> = { jpeg: 'JPG', png: 'PNG', webp: 'WebP', gif: 'GIF', tiff: 'TIFF' };
const formatName = (f: string | undefined) => (f ? (FORMAT_NAMES[f] ?? f.toUpperCase()) : '未知');
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** The first outer pixel that is not exactly the background, or null. */
function borderFault(img: RawImage, bg: Rgb | null): string | null {
  const { width, height, channels, data } = img;
  const check = (x: number, y: number): string | null => {
    const o = (y * width + x) * channels;
    if (!bg) return data[o + 3] === 0 ? null : `边缘不透明（第 ${x + 1} 列第 ${y + 1} 行）`;
    const [r, g, b] = [data[o]!, data[o + 1]!, data[o + 2]!];
    if (r === bg.r && g === bg.g && b === bg.b) return null;
    const want = bg.r === 255 && bg.g === 255 && bg.b === 255 ? '纯白 (255,255,255)' : `(${bg.r},${bg.g},${bg.b})`;
    return `边缘不是${want}：发现 (${r},${g},${b})`;
  };
  for (let y = 0; y < height; y++) {
    const edgeRow = y < BORDER_PX || y >= height - BORDER_PX;
    for (let x = 0; x < width; x++) {
      if (!edgeRow && x >= BORDER_PX && x < width - BORDER_PX) {
        x = width - BORDER_PX - 1; // skip the inside of the row
        continue;
      }
      const fault = check(x, y);
      if (fault) return fault;
    }
  }
  return null;
}

/** Checks the file at `path` against `spec`. */
export async function checkCompliance(path: string, spec: ImageSpec): Promise<ComplianceResult> {
  const [{ size: bytes }, meta] = await Promise.all([stat(path), sharp(path).metadata()]);
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const failures: string[] = [];
  const want = spec.format;
  if (meta.format !== want) failures.push(`格式为 ${formatName(meta.format)}，${spec.ruleName}要求 ${formatName(want)}`);
  if (width !== spec.width || height !== spec.height)
    failures.push(`尺寸 ${width}×${height}，${spec.ruleName}要求 ${spec.width}×${spec.height}`);
  if (spec.bytes && (bytes < spec.bytes.min || bytes > spec.bytes.max)) {
    const range =
      spec.bytes.min > 0 ? `${Math.round(spec.bytes.min / 1024)}–${Math.round(spec.bytes.max / 1000)} KB` : `≤ ${kb(spec.bytes.max)}`;
    failures.push(`文件大小 ${kb(bytes)}，${spec.ruleName}要求 ${range}`);
  }
  const transparent = spec.background === null;
  const img = await readRaw(path, transparent);
  if (transparent && !meta.hasAlpha) failures.push(`没有透明通道，${spec.ruleName}要求透明背景`);
  if (spec.cleanBorder) {
    const fault = borderFault(img, spec.background);
    if (fault) failures.push(fault);
  }
  const box = await (transparent ? alphaBox(img) : colourBox(img, spec.background!));
  const fill = box ? fillOf(box, img.width, img.height) : null;
  if (fill === null) failures.push('图中没有找到商品主体');
  else if (fill < spec.fill.min)
    failures.push(`主体占比 ${Math.floor(fill * 100)}%，${spec.ruleName}要求 ≥ ${Math.round(spec.fill.min * 100)}%`);
  else if (fill > spec.fill.max)
    failures.push(`主体占比 ${Math.ceil(fill * 100)}%，${spec.ruleName}要求 ≤ ${Math.round(spec.fill.max * 100)}%`);
  return { ok: failures.length === 0, failures, measured: { format: meta.format, width, height, bytes, fill } };
}
