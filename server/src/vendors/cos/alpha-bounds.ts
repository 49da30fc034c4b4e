/** Bounding box of the visible (alpha above a threshold) pixels of a raw RGBA image. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** null when no pixel has alpha above `threshold`. `data` is tightly packed RGBA (4 channels). */
export function alphaBoundingBox(data: Uint8Array, width: number, height: number, threshold = 0): Box | null {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width * 4;
    for (let x = 0; x < width; x++) {
      if ((data[row + x * 4 + 3] ?? 0) > threshold) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < 0 ? null : { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}
