/**
 * The marketplace presets: every number in one place, each with where it comes from. `secondary: true` marks a
 * number taken from a secondary source (a third-party article or mirror, not the marketplace's own rule page):
 * correct it here when the official page is checked, and the exports, the compliance check and the dialog follow.
 *
 * Fill ratio, here and in the compliance check: the subject's bounding box (its longer side relative to the canvas
 * side along it), i.e. max(subject width / canvas width, subject height / canvas height) — how Amazon's "the product
 * must fill 85 % or more of the image" is commonly read (the product's longest side scaled to the frame).
 */
import type { ExportPreset, ExportPresetView, MarketPresetId } from '../../shared/contract.js';

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export interface Source {
  ref: string;
  secondary: boolean;
}

/** Everything an export and its check need, whatever the preset. */
export interface ImageSpec {
  /** the marketplace name in compliance messages: 主体占比 72%，亚马逊要求 ≥ 85% */
  ruleName: string;
  label: string;
  /** file name suffix (`正面_白底.jpg`) and sub-folder when several presets are exported */
  suffix: string;
  folder: string;
  width: number;
  height: number;
  format: 'jpeg' | 'png';
  /** null: transparent (PNG) */
  background: Rgb | null;
  /** the fill the export aims at, and the range the check accepts */
  fill: { target: number; min: number; max: number };
  /** the file size window (bytes), when the marketplace sets one */
  bytes: { min: number; max: number } | null;
  /** the outer pixels must be exactly the background (pure white 255,255,255; fully transparent for PNG) */
  cleanBorder: boolean;
}

const WHITE: Rgb = { r: 255, g: 255, b: 255 };

const S = {
  /** secondary mirror of a 开淘 article 淘宝白底图有什么要求 (djres.cn/article/20171109191734.htm) */
  taobao: { ref: '开淘「淘宝白底图有什么要求」(转载)', secondary: true },
  /** third-party AI skill file github.com/wzj177/ecommerce-image-suite references/platforms.md */
  skill: { ref: 'github wzj177/ecommerce-image-suite platforms.md', secondary: true },
  /** copies of Amazon's "Adding Images" guide and reseller help pages quoting it (Seller Central G1881 not reviewed) */
  amazon: { ref: 'Amazon「Adding Images」指南的转载；Seller Central G1881 未核对', secondary: true },
  /** the product decision of issue 11 (no marketplace rule behind it) */
  ours: { ref: 'AI照 的默认值', secondary: false },
  /** a marketplace number for which no source was found at all (the figure): unconfirmed as well */
  unsourced: { ref: '未找到来源（issue 11 给出的数值）', secondary: true },
} satisfies Record<string, Source>;

interface PresetData extends ImageSpec {
  sources: Partial<Record<'size' | 'format' | 'background' | 'fill' | 'bytes', Source>>;
}

/** 38 KB (as 38 × 1024) … 300 KB (as 300 × 1000): inside the window whichever "KB" Taobao means (as the server). */
const TAOBAO_BYTES = { min: 38 * 1024, max: 300 * 1000 };
/** the share of the canvas the subject takes in the server's white image (server/src/vendors/cos/compose.ts) */
const USUAL_FILL = 0.88;

/** A square JPEG main image on pure white with a clean border: what the marketplaces' presets have in common. */
function whiteMain(
  o: Pick<PresetData, 'ruleName' | 'label' | 'suffix' | 'folder' | 'sources'> &
    Partial<Pick<PresetData, 'fill' | 'bytes'>> & { size: number },
): PresetData {
  const { size, ...rest } = o;
  return {
    width: size,
    height: size,
    format: 'jpeg',
    background: WHITE,
    fill: { target: USUAL_FILL, min: 0.5, max: 0.98 },
    bytes: null,
    cleanBorder: true,
    ...rest,
  };
}

export const MARKET_PRESETS: Record<MarketPresetId, PresetData> = {
  taobao: whiteMain({
    ruleName: '淘宝',
    label: '淘宝/天猫 白底图',
    suffix: '白底',
    folder: '淘宝天猫白底图',
    size: 800,
    // "subject complete and > 300×300 within the frame": 300 / 800 of the canvas
    fill: { target: USUAL_FILL, min: 300 / 800, max: 0.98 },
    bytes: TAOBAO_BYTES,
    sources: { size: S.taobao, format: S.taobao, background: S.taobao, fill: S.taobao, bytes: S.taobao },
  }),
  jd: whiteMain({
    ruleName: '京东',
    label: '京东 主图',
    suffix: '京东',
    folder: '京东主图',
    size: 800,
    // "JPG ≤ 2 MB"
    bytes: { min: 0, max: 2 * 1024 * 1024 },
    sources: { size: S.skill, format: S.skill, background: S.skill, bytes: S.skill, fill: S.ours },
  }),
  pdd: whiteMain({
    ruleName: '拼多多',
    label: '拼多多 主图',
    suffix: '拼多多',
    folder: '拼多多主图',
    size: 750,
    sources: { size: S.skill, background: S.ours, fill: S.ours },
  }),
  douyin: whiteMain({
    ruleName: '抖音',
    label: '抖音 主图',
    suffix: '抖音',
    folder: '抖音主图',
    size: 800,
    // no source found for 抖店's main image: the size is the issue's
    sources: { size: S.unsourced, background: S.ours, fill: S.ours },
  }),
  amazon: whiteMain({
    ruleName: '亚马逊',
    label: '亚马逊 主图',
    suffix: '亚马逊',
    folder: '亚马逊主图',
    size: 2000,
    // "The product must fill 85% or more of the image"
    fill: { target: 0.9, min: 0.85, max: 0.98 },
    // 2000 px: "1000 px or larger enables zoom"; 2000 is the choice within that
    sources: { size: S.ours, format: S.amazon, background: S.amazon, fill: S.amazon },
  }),
  transparent: {
    ruleName: '透明底',
    label: '透明底 PNG',
    suffix: '透明底',
    folder: '透明底PNG',
    width: 800,
    height: 800,
    format: 'png',
    background: null,
    fill: { target: USUAL_FILL, min: 0.3, max: 0.98 },
    bytes: null,
    cleanBorder: true,
    sources: { size: S.ours, format: S.ours, fill: S.ours },
  },
};

/** Whether any number of a preset comes from a secondary source. */
export const isUnconfirmed = (id: MarketPresetId): boolean => Object.values(MARKET_PRESETS[id].sources).some((s) => s?.secondary);

export function parseHex(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a colour: ${hex}`);
  return { r: parseInt(m[1]!, 16), g: parseInt(m[2]!, 16), b: parseInt(m[3]!, 16) };
}

/** A custom preset: the merchant's size, fill and background; checked against exactly what was asked. */
function customSpec(p: Extract<ExportPreset, { id: 'custom' }>): ImageSpec {
  const transparent = p.background === 'transparent';
  const format = transparent ? 'png' : p.format;
  return {
    ruleName: '自定义',
    label: `自定义 ${p.width}×${p.height}`,
    suffix: `${p.width}x${p.height}`,
    folder: `自定义${p.width}x${p.height}`,
    width: p.width,
    height: p.height,
    format,
    background: transparent ? null : parseHex(p.background),
    fill: { target: p.fill, min: Math.max(0, p.fill - 0.03), max: Math.min(1, p.fill + 0.03) },
    bytes: null,
    cleanBorder: true,
  };
}

/** The spec of an image preset (marketplace or custom); model crops have their own (pose-crop.ts). */
export function imageSpec(p: Exclude<ExportPreset, { id: 'pose' }>): ImageSpec {
  return p.id === 'custom' ? customSpec(p) : MARKET_PRESETS[p.id];
}

/** The fixed presets as the dialog lists them. */
export function presetViews(): ExportPresetView[] {
  return (Object.keys(MARKET_PRESETS) as MarketPresetId[]).map((id) => {
    const p = MARKET_PRESETS[id];
    const parts = [`${p.width}×${p.height} ${p.format === 'png' ? 'PNG' : 'JPG'}`];
    if (p.bytes && p.bytes.min > 0) parts.push(`${Math.round(p.bytes.min / 1024)}–${Math.round(p.bytes.max / 1000)} KB`);
    parts.push(p.background ? '纯白底' : '透明底');
    if (id === 'amazon') parts.push(`主体 ≥ ${Math.round(p.fill.min * 100)}%`);
    return { preset: { id }, label: p.label, summary: parts.join(' · '), appliesTo: 'basic_clean', unconfirmed: isUnconfirmed(id) };
  });
}

/** The presets a new batch starts with until the merchant changes them in 设置. */
export const DEFAULT_PRESETS: ExportPreset[] = [{ id: 'taobao' }];
