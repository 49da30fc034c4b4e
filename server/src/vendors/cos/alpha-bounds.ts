/** Bounding box of the visible (alpha above a threshold) pixels of a raw RGBA image. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Index (0 … n-1) of the first of n alpha bytes (at `i`, `i + step`, …) above `threshold`; -1 when there is none. */
function firstAbove(data: Uint8Array, i: number, n: number, step: number, threshold: number): number {
  for (let k = 0; k < n; k++, i += step) if (data[i]! > threshold) return k;
  return -1;
}

/**
 * null when no pixel has alpha above `threshold`. `data` is tightly packed RGBA (4 channels). Only the margins are
 * read, not every pixel: whole rows from the top and from the bottom down (up) to the first row with a visible pixel,
 * then in each row between those the pixels left of the box found so far and right of it. For a cut-out that is its
 * transparent margin and the subject's outline; at most about 1.5 reads per pixel (a thin diagonal), one per pixel
 * when nothing is visible.
 */
export function alphaBoundingBox(data: Uint8Array, width: number, height: number, threshold = 0): Box | null {
  const stride = width * 4;
  const rowVisible = (y: number): boolean => firstAbove(data, y * stride + 3, width, 4, threshold) >= 0;
  let top = 0;
  while (top < height && !rowVisible(top)) top++;
  if (top === height) return null;
  let bottom = height - 1;
  while (!rowVisible(bottom)) bottom--;
  let left = width;
  let right = -1;
  for (let y = top; y <= bottom; y++) {
    const l = firstAbove(data, y * stride + 3, left, 4, threshold);
    if (l >= 0) left = l;
    const r = firstAbove(data, y * stride + stride - 1, width - 1 - right, -4, threshold);
    if (r >= 0) right = width - 1 - r;
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}
