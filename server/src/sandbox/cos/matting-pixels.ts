/**
 * The pixel work of the sandbox GoodsMatting (goods-matting.ts), plain JS over an RGBA buffer: it runs in a worker
 * thread (matting-worker.ts), never on the server's event loop. The background colour is estimated from the image
 * border; pixels connected to the border whose colour is within a tolerance of it become transparent; specks too
 * small to be the subject are dropped.
 */
/** Tolerance bounds (RGB Euclidean distance) around the estimated background colour. */
export const MIN_TOLERANCE = 24;
export const MAX_TOLERANCE = 72;
/** Opaque islands smaller than this share of the image (or 16 px) are noise, not subject. */
export const MIN_ISLAND_SHARE = 0.0005;
const TRANSPARENT_ALPHA = 16;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? (s[Math.floor(s.length / 2)] ?? 0) : 0;
}

function borderIndexes(width: number, height: number): number[] {
  const out: number[] = [];
  for (let x = 0; x < width; x++) out.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) out.push(y * width, y * width + width - 1);
  return out;
}

/** Background colour and tolerance from the opaque border pixels; null colour when the border is transparent. */
function estimateBackground(px: Buffer, border: number[]): { rgb: [number, number, number] | null; tolerance: number } {
  const opaque = border.filter((i) => (px[i * 4 + 3] ?? 0) >= 128);
  if (opaque.length === 0) return { rgb: null, tolerance: MIN_TOLERANCE };
  const ch = (c: number): number => median(opaque.map((i) => px[i * 4 + c] ?? 0));
  const rgb: [number, number, number] = [ch(0), ch(1), ch(2)];
  const d = opaque.map((i) => distance(px, i, rgb)).sort((a, b) => a - b);
  const p75 = d[Math.floor(d.length * 0.75)] ?? 0;
  return { rgb, tolerance: Math.min(MAX_TOLERANCE, Math.max(MIN_TOLERANCE, p75 * 2 + 18)) };
}

function distance(px: Buffer, i: number, rgb: readonly [number, number, number]): number {
  const dr = (px[i * 4] ?? 0) - rgb[0];
  const dg = (px[i * 4 + 1] ?? 0) - rgb[1];
  const db = (px[i * 4 + 2] ?? 0) - rgb[2];
  return Math.sqrt(dr * dr + dg * dg + db * db);
}

/** Visits (with a preallocated stack of n entries) the 4-connected region of pixels accepted by `inRegion` from the seeds, marking them in `mark` with `label`. */
function fill(
  mark: Int32Array,
  stack: Int32Array,
  label: number,
  seeds: Iterable<number>,
  width: number,
  height: number,
  inRegion: (i: number) => boolean,
): number {
  let top = 0;
  let count = 0;
  const push = (i: number): void => {
    if (mark[i] === 0 && inRegion(i)) {
      mark[i] = label;
      stack[top++] = i;
    }
  };
  for (const s of seeds) push(s);
  while (top > 0) {
    const i = stack[--top] ?? 0;
    count++;
    const x = i % width;
    if (x > 0) push(i - 1);
    if (x < width - 1) push(i + 1);
    if (i >= width) push(i - width);
    if (i < width * (height - 1)) push(i + width);
  }
  return count;
}

/** Makes the border-connected background transparent in place (RGBA buffer). */
export function cutOutPlainBackground(px: Buffer, width: number, height: number): void {
  const n = width * height;
  const border = borderIndexes(width, height);
  const bg = estimateBackground(px, border);
  const dist = (i: number): number => (bg.rgb ? distance(px, i, bg.rgb) : Infinity);
  const isBackground = (i: number): boolean => (px[i * 4 + 3] ?? 0) < TRANSPARENT_ALPHA || dist(i) <= bg.tolerance;

  const BG = -1;
  const mark = new Int32Array(n);
  const stack = new Int32Array(n);
  fill(mark, stack, BG, border, width, height, isBackground);

  // Label the remaining (subject) islands; drop the small ones as noise.
  const minIsland = Math.max(16, Math.round(n * MIN_ISLAND_SHARE));
  let label = 0;
  const small = new Set<number>();
  for (let i = 0; i < n; i++) {
    if (mark[i] !== 0) continue;
    label++;
    if (fill(mark, stack, label, [i], width, height, () => true) < minIsland) small.add(label);
  }

  for (let i = 0; i < n; i++) {
    const m = mark[i] ?? 0;
    if (m === BG || small.has(m)) {
      px[i * 4 + 3] = 0;
      continue;
    }
    // Soften the one-pixel rim next to the background a little, by how far its colour is from the background.
    const x = i % width;
    const touchesBg =
      (x > 0 && mark[i - 1] === BG) ||
      (x < width - 1 && mark[i + 1] === BG) ||
      (i >= width && mark[i - width] === BG) ||
      (i < n - width && mark[i + width] === BG);
    if (touchesBg && bg.rgb) {
      const a = Math.round(255 * Math.min(1, dist(i) / bg.tolerance - 0.5));
      px[i * 4 + 3] = Math.min(px[i * 4 + 3] ?? 255, a);
    }
  }
}
