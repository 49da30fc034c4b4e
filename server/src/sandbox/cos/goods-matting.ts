/**
 * The sandbox stand-in for CI GoodsMatting (商品抠图): it cannot recognise products, so it cuts the subject out of
 * a plain background. The background colour is estimated from the image border; pixels connected to the border
 * whose colour is within a tolerance of it become transparent; specks too small to be the subject are dropped.
 * With center-layout the subject is trimmed and centred (on the original canvas, or with padding-layout on a
 * canvas of the subject plus the padding). The output is a PNG with alpha. The pixel loops run in a worker thread
 * (matting-pool.ts), decoding and encoding in sharp: neither on the event loop of the server that embeds the sandbox.
 */
import sharp from 'sharp';
import { cutOutInWorker } from './matting-pool.js';

export interface MattingOptions {
  centerLayout: boolean;
  /** padding-layout=<x>x<y>: transparent pixels left/right (x) and top/bottom (y) */
  padding?: { x: number; y: number };
}
export interface MattingResult {
  png: Buffer;
  width: number;
  height: number;
}

export async function goodsMatting(input: Buffer, o: MattingOptions): Promise<MattingResult> {
  const { data: decoded, info } = await sharp(input).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const { data, box } = await cutOutInWorker(decoded, width, height, o.centerLayout);

  const raw = { raw: { width, height, channels: 4 as const } };
  const clear = { r: 0, g: 0, b: 0, alpha: 0 };
  let img = sharp(data, raw);
  const px = o.padding?.x ?? 0;
  const py = o.padding?.y ?? 0;
  if (box) {
    const outW = o.padding ? box.width + 2 * px : width;
    const outH = o.padding ? box.height + 2 * py : height;
    const left = Math.floor((outW - box.width) / 2);
    const top = Math.floor((outH - box.height) / 2);
    img = sharp(await img.extract(box).raw().toBuffer(), { raw: { width: box.width, height: box.height, channels: 4 } }).extend({
      left,
      right: outW - box.width - left,
      top,
      bottom: outH - box.height - top,
      background: clear,
    });
  } else if (px || py) {
    img = img.extend({ left: px, right: px, top: py, bottom: py, background: clear });
  }
  const { data: png, info: out } = await img.png().toBuffer({ resolveWithObject: true });
  return { png, width: out.width, height: out.height };
}
