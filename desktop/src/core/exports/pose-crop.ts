/**
 * AI模特12图 results exported to an aspect (1:1, 3:4) and width, cropped around the model: the model's box is found
 * in the image (the pixels that stand out from the scene's edge colour), and the largest crop of that aspect
 * that holds the box with a margin is centred on it, inside the image — never a blind centre crop. A model taller
 * than the largest crop of that aspect keeps the head: the crop starts just above it.
 */
import sharp from 'sharp';
import type { ExportPreset } from '../../shared/contract.js';
import { borderColour, colourBox, readRaw, type Box } from './subject-box.js';
import type { ImageSpec } from './presets.js';

type PosePreset = Extract<ExportPreset, { id: 'pose' }>;

/** room around the model, as a share of its box */
export const MODEL_MARGIN = 0.06;
/** rows/columns with fewer model pixels than this share of the side are noise (a speck on the scene) */
const NOISE_SHARE = 0.01;

const RATIOS: Record<PosePreset['aspect'], number> = { '1:1': 1, '3:4': 3 / 4 };

export function poseSpec(p: PosePreset): ImageSpec {
  const height = Math.round(p.width / RATIOS[p.aspect]);
  const tag = p.aspect.replace(':', 'x');
  return {
    ruleName: '模特图',
    label: `模特图 ${p.aspect} ${p.width}×${height}`,
    suffix: `${tag}_${p.width}`,
    folder: `模特图${tag}`,
    width: p.width,
    height,
    format: 'jpeg',
    background: { r: 255, g: 255, b: 255 },
    fill: { target: 1, min: 0, max: 1 },
    bytes: null,
    cleanBorder: false,
  };
}

/** The model's box in a photo; the whole image when nothing stands out. */
export async function modelBox(input: string | Buffer): Promise<{ box: Box; width: number; height: number }> {
  const img = await readRaw(input, false);
  const minCount = Math.max(2, Math.round(Math.min(img.width, img.height) * NOISE_SHARE));
  const box = (await colourBox(img, borderColour(img), undefined, minCount)) ?? { left: 0, top: 0, width: img.width, height: img.height };
  return { box, width: img.width, height: img.height };
}

/** The crop (in image pixels) of aspect `ratio` (width / height) around `box`, inside `width`×`height`. */
export function cropAround(box: Box, width: number, height: number, ratio: number): Box {
  const needW = box.width * (1 + 2 * MODEL_MARGIN);
  const needH = box.height * (1 + 2 * MODEL_MARGIN);
  let ch = Math.max(needH, needW / ratio);
  let cw = ch * ratio;
  if (ch > height) {
    ch = height;
    cw = ch * ratio;
  }
  if (cw > width) {
    cw = width;
    ch = cw / ratio;
  }
  cw = Math.round(cw);
  ch = Math.round(ch);
  const cx = box.left + box.width / 2;
  // a model taller than the crop keeps the head (and the garment on the body); the feet go
  const wantTop = ch < needH ? box.top - box.height * MODEL_MARGIN : box.top + box.height / 2 - ch / 2;
  const left = Math.min(Math.max(0, Math.round(cx - cw / 2)), width - cw);
  const top = Math.min(Math.max(0, Math.round(wantTop)), height - ch);
  return { left, top, width: cw, height: ch };
}

/** The pose photo cropped around the model and scaled to the preset's exact size, as a JPEG. */
export async function cropPose(input: string | Buffer, p: PosePreset): Promise<Buffer> {
  const spec = poseSpec(p);
  const { box, width, height } = await modelBox(input);
  const crop = cropAround(box, width, height, RATIOS[p.aspect]);
  return sharp(input, { failOn: 'none' })
    .rotate()
    .extract(crop)
    .resize(spec.width, spec.height, { fit: 'cover', kernel: 'lanczos3' })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
