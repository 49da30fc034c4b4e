/**
 * Real images for the export tests, made with sharp: a garment cut-out (a textured shirt on full transparency, as
 * basic_clean's `cutout` result), and a model photo (a figure on a slightly noisy scene) for the model crops.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** A shirt silhouette filling `width`×`height`, as an SVG path. */
function shirtPath(width: number, height: number): string {
  const x = (f: number) => Math.round(width * f);
  const y = (f: number) => Math.round(height * f);
  return `M ${x(0.3)} ${y(0)} L ${x(0.42)} ${y(0)} Q ${x(0.5)} ${y(0.08)} ${x(0.58)} ${y(0)} L ${x(0.7)} ${y(0)} L ${x(1)} ${y(0.25)}
    L ${x(0.85)} ${y(0.38)} L ${x(0.76)} ${y(0.3)} L ${x(0.76)} ${y(1)} L ${x(0.24)} ${y(1)} L ${x(0.24)} ${y(0.3)} L ${x(0.15)} ${y(0.38)}
    L ${x(0)} ${y(0.25)} Z`;
}

/**
 * A transparent PNG `canvasW`×`canvasH` with a textured shirt of `subjectW`×`subjectH` at (`left`, `top`): the
 * texture is noise over a colour, so that JPEGs of it have a realistic size.
 */
export async function cutoutPng(
  o: { canvasW?: number; canvasH?: number; subjectW?: number; subjectH?: number; left?: number; top?: number; colour?: string } = {},
): Promise<Buffer> {
  const { canvasW = 1200, canvasH = 1400, subjectW = 900, subjectH = 1100, left = 150, top = 150, colour = '#2b5fb4' } = o;
  const noise = await sharp(randomBytes(subjectW * subjectH * 3), { raw: { width: subjectW, height: subjectH, channels: 3 } })
    .blur(1.2)
    .png()
    .toBuffer();
  const mask = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${subjectW}" height="${subjectH}"><path d="${shirtPath(subjectW, subjectH)}" fill="#fff"/></svg>`,
  );
  const garment = await sharp({ create: { width: subjectW, height: subjectH, channels: 4, background: colour } })
    .composite([
      { input: noise, blend: 'soft-light' },
      { input: mask, blend: 'dest-in' },
    ])
    .png()
    .toBuffer();
  return sharp({ create: { width: canvasW, height: canvasH, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: garment, left, top }])
    .png()
    .toBuffer();
}

export const SCENE = { r: 143, g: 163, b: 184 };
export const MODEL = { r: 200, g: 40, b: 40 };

/** A model photo: a red figure (`model` box) on a scene of one colour with a little noise, as a JPEG. */
export async function modelPhoto(
  width: number,
  height: number,
  model: { left: number; top: number; width: number; height: number },
): Promise<Buffer> {
  const noise = await sharp(randomBytes(width * height), { raw: { width, height, channels: 1 } })
    .linear(0.04, 0) // ±5 levels
    .toColourspace('srgb')
    .png()
    .toBuffer();
  const figure = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${model.width}" height="${model.height}">` +
      `<ellipse cx="${model.width / 2}" cy="${model.height * 0.08}" rx="${model.width * 0.16}" ry="${model.height * 0.08}" fill="rgb(${MODEL.r},${MODEL.g},${MODEL.b})"/>` +
      `<rect x="0" y="${model.height * 0.16}" width="${model.width}" height="${model.height * 0.84}" fill="rgb(${MODEL.r},${MODEL.g},${MODEL.b})"/></svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: SCENE } })
    .composite([
      { input: noise, blend: 'add' },
      { input: figure, left: model.left, top: model.top },
    ])
    .jpeg({ quality: 92 })
    .toBuffer();
}
