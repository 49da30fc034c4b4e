/** The emulated AI app: loads the input image and renders 12 "poses" of it with sharp. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const OUTPUT_WIDTH = 768;
export const OUTPUT_HEIGHT = 1024;
/** Output node ids; they cross a digit boundary so that only a numeric-aware sort orders them right. */
export const OUTPUT_NODE_IDS = Array.from({ length: 12 }, (_, i) => String(8 + i));

const MAX_INPUT_BYTES = 30 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 15_000;

/** Raised when the input cannot be used; the message becomes the task's exception_message. */
export class InputImageError extends Error {
  constructor(
    message: string,
    readonly exceptionType: string,
  ) {
    super(message);
  }
}

/** Fetches an http(s) input (e.g. a presigned COS URL) or reads an uploaded file; checks it is an image. */
export async function loadInputImage(value: string, uploadedFile: (fileName: string) => string | null): Promise<Buffer> {
  let buf: Buffer;
  if (/^https?:\/\//i.test(value)) {
    let res: Response;
    try {
      res = await fetch(value, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new InputImageError(`Cannot fetch image ${redact(value)}: ${(err as Error).message}`, 'ConnectionError');
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new InputImageError(`Cannot fetch image ${redact(value)}: HTTP ${res.status}`, 'HTTPError');
    }
    buf = Buffer.from(await res.arrayBuffer());
  } else {
    const path = uploadedFile(value);
    if (!path) throw new InputImageError(`Invalid image file: ${value}`, 'FileNotFoundError');
    buf = await readFile(path);
  }
  if (buf.length > MAX_INPUT_BYTES) throw new InputImageError('Image file is too large', 'ValueError');
  try {
    const meta = await sharp(buf).metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
  } catch {
    throw new InputImageError('Cannot identify image file', 'UnidentifiedImageError');
  }
  return buf;
}

/** Renders the 12 outputs into `dir` as `<nodeId>.png`: the input on 12 differently tinted backgrounds. */
export async function renderOutputs(input: Buffer, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const subject = await sharp(input)
    .rotate()
    .resize(Math.round(OUTPUT_WIDTH * 0.85), Math.round(OUTPUT_HEIGHT * 0.85), { fit: 'inside' })
    .png()
    .toBuffer();
  const mirrored = await sharp(subject).flop().toBuffer();
  await Promise.all(
    OUTPUT_NODE_IDS.map(async (nodeId, i) => {
      const png = await sharp({
        create: { width: OUTPUT_WIDTH, height: OUTPUT_HEIGHT, channels: 3, background: hslToRgb(i * 30, 0.45, 0.78) },
      })
        .composite([{ input: i % 2 ? mirrored : subject, gravity: i % 3 === 0 ? 'centre' : i % 3 === 1 ? 'south' : 'north' }])
        .png()
        .toBuffer();
      await writeFile(join(dir, `${nodeId}.png`), png);
    }),
  );
}

/** The output node ids in a per-task shuffled order that is never the sorted order. */
export function shuffledNodeIds(taskId: string): string[] {
  const ids = [...OUTPUT_NODE_IDS];
  const seed = createHash('sha256').update(taskId).digest();
  for (let i = ids.length - 1; i > 0; i--) {
    const j = seed[i]! % (i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  return ids.every((id, i) => id === OUTPUT_NODE_IDS[i]) ? ids.reverse() : ids;
}

function hslToRgb(h: number, s: number, l: number): { r: number; g: number; b: number } {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return { r: f(0), g: f(8), b: f(4) };
}

/** Drops the query string (presigned URLs carry signatures) from a URL shown in an error. */
function redact(url: string): string {
  return url.replace(/\?.*$/, '');
}
