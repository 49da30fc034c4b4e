/**
 * The emulator's imageMogr2 rules (云上数据处理 `POST /<key>?image_process`), the part the server uses and its near
 * neighbours: `auto-orient`, `thumbnail/<geometry>`, `format/<jpg|png|webp>`, `quality/<1-100>`, `strip`.
 * Geometries (cloud.tencent.com/document/api/436/44880 "缩放", tencentcloud.com/zh/document/api/436/36366):
 *   !<S>p  both sides S %      !<S>px  width S %       !x<S>p  height S %
 *   <W>x   width W             x<H>    height H         (the other side in proportion)
 *   <W>x<H>   fit inside W × H (up or down)     <W>x<H>>  only down (a smaller image stays as it is)
 *   <W>x<H><  only up          !<W>x<H>r  cover W × H (the smaller side fits)    <W>x<H>!  exactly W × H
 *   <Area>@   at most Area pixels
 * Limits (管道操作符 / image processing, cloud.tencent.com/document/product/1159/44894): the input at most 32 MB,
 * 50 000 px wide or high and 250 million pixels; the result at most 50 000 px wide or high. Anything else — other
 * operations, pipelines, a malformed geometry, an image past a limit — is refused with 400 InvalidArgument (CI's
 * pages name the limits, not the error code; the emulator answers COS's generic code, as for other bad arguments).
 */
import sharp, { type Metadata } from 'sharp';
import { invalidArgument } from './errors.js';

export const MAX_INPUT_BYTES = 32 * 1024 * 1024;
export const MAX_INPUT_SIDE = 50_000;
export const MAX_INPUT_PIXELS = 250_000_000;
export const MAX_OUTPUT_SIDE = 50_000;
const MAX_PERCENT = 999;
/** what a JPEG or WebP result is encoded at without quality/: CI's pages do not say; the emulator keeps it high */
const DEFAULT_QUALITY = 90;

type Geometry =
  | { kind: 'percent'; w: number; h: number }
  | { kind: 'width'; w: number }
  | { kind: 'height'; h: number }
  | { kind: 'fit'; w: number; h: number; only?: 'down' | 'up' }
  | { kind: 'cover'; w: number; h: number }
  | { kind: 'exact'; w: number; h: number }
  | { kind: 'area'; pixels: number };

const OUTPUT_FORMATS = { jpg: 'jpeg', jpeg: 'jpeg', png: 'png', webp: 'webp' } as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[keyof typeof OUTPUT_FORMATS];

export interface MogrOptions {
  autoOrient: boolean;
  thumbnail?: Geometry;
  format?: OutputFormat;
  quality?: number;
  strip: boolean;
}

const int = (s: string | undefined): number | null => (s !== undefined && /^[1-9]\d{0,8}$/.test(s) ? Number(s) : null);

export function parseGeometry(g: string): Geometry {
  const bad = (): never => {
    throw invalidArgument(`Invalid thumbnail geometry: ${g}`);
  };
  const pct = (s: string | undefined): number => {
    const n = int(s);
    return n !== null && n <= MAX_PERCENT ? n : bad();
  };
  let m: RegExpExecArray | null;
  if ((m = /^!(\d+)p$/.exec(g))) return { kind: 'percent', w: pct(m[1]), h: pct(m[1]) };
  if ((m = /^!(\d+)px$/.exec(g))) return { kind: 'percent', w: pct(m[1]), h: 100 };
  if ((m = /^!x(\d+)p$/.exec(g))) return { kind: 'percent', w: 100, h: pct(m[1]) };
  if ((m = /^!(\d+)x(\d+)r$/.exec(g))) return { kind: 'cover', w: int(m[1]) ?? bad(), h: int(m[2]) ?? bad() };
  if ((m = /^(\d+)x(\d+)([!<>]?)$/.exec(g))) {
    const w = int(m[1]) ?? bad();
    const h = int(m[2]) ?? bad();
    if (m[3] === '!') return { kind: 'exact', w, h };
    return { kind: 'fit', w, h, ...(m[3] === '>' ? { only: 'down' as const } : m[3] === '<' ? { only: 'up' as const } : {}) };
  }
  if ((m = /^(\d+)x$/.exec(g))) return { kind: 'width', w: int(m[1]) ?? bad() };
  if ((m = /^x(\d+)$/.exec(g))) return { kind: 'height', h: int(m[1]) ?? bad() };
  if ((m = /^(\d+)@$/.exec(g))) return { kind: 'area', pixels: int(m[1]) ?? bad() };
  return bad();
}

/** Reads an `imageMogr2/…` rule; throws InvalidArgument for what the emulator does not do or CI would refuse. */
export function parseMogrRule(rule: string): MogrOptions {
  if (rule.includes('|')) throw invalidArgument(`The sandbox does not emulate pipelines: ${rule}`);
  const parts = rule.split('/');
  if (parts[0] !== 'imageMogr2' || parts.length < 2) throw invalidArgument(`Not an imageMogr2 rule: ${rule}`);
  const o: MogrOptions = { autoOrient: false, strip: false };
  for (let i = 1; i < parts.length; i++) {
    const op = parts[i];
    const arg = (): string => {
      const v = parts[++i];
      if (!v) throw invalidArgument(`imageMogr2/${op} needs a value.`);
      return v;
    };
    if (op === 'auto-orient') o.autoOrient = true;
    else if (op === 'strip') o.strip = true;
    else if (op === 'thumbnail') o.thumbnail = parseGeometry(arg());
    else if (op === 'format') {
      const f = arg().toLowerCase();
      if (!(f in OUTPUT_FORMATS)) throw invalidArgument(`The sandbox does not emulate imageMogr2/format/${f}.`);
      o.format = OUTPUT_FORMATS[f as keyof typeof OUTPUT_FORMATS];
    } else if (op === 'quality') {
      const q = int(arg());
      if (q === null || q > 100) throw invalidArgument('imageMogr2/quality must be 1..100.');
      o.quality = q;
    } else throw invalidArgument(`The sandbox does not emulate imageMogr2/${op ?? ''}.`);
  }
  return o;
}

/** The size a geometry gives an image of width × height. */
export function thumbnailSize(g: Geometry, width: number, height: number): { width: number; height: number } {
  const scaled = (s: number) => ({ width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) });
  switch (g.kind) {
    case 'percent':
      return { width: Math.max(1, Math.round((width * g.w) / 100)), height: Math.max(1, Math.round((height * g.h) / 100)) };
    case 'width':
      return { width: g.w, height: Math.max(1, Math.round((height * g.w) / width)) };
    case 'height':
      return { width: Math.max(1, Math.round((width * g.h) / height)), height: g.h };
    case 'exact':
      return { width: g.w, height: g.h };
    case 'cover':
      return scaled(Math.max(g.w / width, g.h / height));
    case 'area':
      return width * height <= g.pixels ? { width, height } : scaled(Math.sqrt(g.pixels / (width * height)));
    case 'fit': {
      const s = Math.min(g.w / width, g.h / height);
      if ((g.only === 'down' && s >= 1) || (g.only === 'up' && s <= 1)) return { width, height };
      return scaled(s);
    }
  }
}

export interface MogrResult {
  data: Buffer;
  format: OutputFormat;
  width: number;
  height: number;
}

export async function applyMogr(input: Buffer, o: MogrOptions): Promise<MogrResult> {
  if (input.length > MAX_INPUT_BYTES)
    throw invalidArgument(`The image is larger than ${MAX_INPUT_BYTES} bytes, the limit of image processing.`);
  let meta: Metadata;
  try {
    meta = await sharp(input).metadata();
  } catch {
    throw invalidArgument('The source object is not a supported image.');
  }
  const format = o.format ?? (meta.format === 'png' || meta.format === 'webp' ? meta.format : 'jpeg');
  const sideways = o.autoOrient && (meta.orientation ?? 1) >= 5;
  const width = sideways ? meta.height : meta.width;
  const height = sideways ? meta.width : meta.height;
  if (width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE || width * height > MAX_INPUT_PIXELS) {
    throw invalidArgument(
      `The image is ${width} × ${height}: image processing takes at most ${MAX_INPUT_SIDE} px a side and ${MAX_INPUT_PIXELS} pixels.`,
    );
  }
  const size = o.thumbnail ? thumbnailSize(o.thumbnail, width, height) : { width, height };
  if (size.width > MAX_OUTPUT_SIDE || size.height > MAX_OUTPUT_SIDE) {
    throw invalidArgument(`The result would be ${size.width} × ${size.height}: at most ${MAX_OUTPUT_SIDE} px a side.`);
  }
  let img = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS });
  img = o.autoOrient ? img.rotate() : o.strip ? img : img.keepMetadata();
  if (size.width !== width || size.height !== height) img = img.resize({ width: size.width, height: size.height, fit: 'fill' });
  const quality = o.quality ?? DEFAULT_QUALITY;
  img = format === 'png' ? img.png() : format === 'webp' ? img.webp({ quality }) : img.jpeg({ quality });
  const { data, info } = await img.toBuffer({ resolveWithObject: true });
  return { data, format, width: info.width, height: info.height };
}
