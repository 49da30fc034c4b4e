/**
 * A contact sheet: one JPEG with all the results of one SKU, each labelled with its file name, under the SKU's
 * name — to check a season's work at a glance or send it to a colleague. Labels are drawn as SVG text (librsvg,
 * with the system's CJK fonts).
 */
import sharp, { type OverlayOptions } from 'sharp';

export const SHEET = {
  /** the square each result is fitted into */
  cell: 320,
  gap: 16,
  label: 40,
  title: 64,
  maxColumns: 4,
} as const;

export interface SheetEntry {
  path: string;
  label: string;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function textSvg(width: number, height: number, text: string, size: number, weight: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="${width / 2}" y="${height / 2}" ` +
      `font-family="Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif" font-size="${size}" ` +
      `font-weight="${weight}" fill="#222" text-anchor="middle" dominant-baseline="central">${escapeXml(text)}</text></svg>`,
  );
}

/** The sheet's pixel size for `count` results. */
export function sheetSize(count: number): { width: number; height: number; columns: number; rows: number } {
  const columns = Math.max(1, Math.min(SHEET.maxColumns, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  return {
    columns,
    rows,
    width: columns * SHEET.cell + (columns + 1) * SHEET.gap,
    height: SHEET.title + rows * (SHEET.cell + SHEET.label) + (rows + 1) * SHEET.gap,
  };
}

/** Shortens a label to about what fits under a cell. */
const fit = (s: string, max = 22) =>
  Array.from(s).length > max
    ? `${Array.from(s)
        .slice(0, max - 1)
        .join('')}…`
    : s;

export async function contactSheet(title: string, entries: readonly SheetEntry[]): Promise<Buffer> {
  const size = sheetSize(entries.length);
  const layers: OverlayOptions[] = [{ input: textSvg(size.width, SHEET.title, fit(title, 40), 28, 700), left: 0, top: 0 }];
  for (const [i, e] of entries.entries()) {
    const col = i % size.columns;
    const row = Math.floor(i / size.columns);
    const left = SHEET.gap + col * (SHEET.cell + SHEET.gap);
    const top = SHEET.title + SHEET.gap + row * (SHEET.cell + SHEET.label + SHEET.gap);
    const thumb = await sharp(e.path, { failOn: 'none' })
      .rotate()
      .resize(SHEET.cell, SHEET.cell, { fit: 'contain', background: '#f4f4f2' })
      .flatten({ background: '#f4f4f2' })
      .png()
      .toBuffer();
    layers.push({ input: thumb, left, top });
    layers.push({ input: textSvg(SHEET.cell, SHEET.label, fit(e.label), 16, 400), left, top: top + SHEET.cell });
  }
  return sharp({ create: { width: size.width, height: size.height, channels: 3, background: '#ffffff' } })
    .composite(layers)
    .jpeg({ quality: 85 })
    .toBuffer();
}
