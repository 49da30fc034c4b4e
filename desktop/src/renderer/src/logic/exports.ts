/** Pure helpers of the export choices and reports (presets as keys, toggling, counts). */
import type { ExportPreset, ExportReport, ExportedFile } from '../../../shared/contract';

/** A preset's identity: the same choice gives the same key. */
export function presetKey(p: ExportPreset): string {
  if (p.id === 'custom') return `custom:${p.width}x${p.height}:${p.fill}:${p.background}:${p.format}`;
  if (p.id === 'pose') return `pose:${p.aspect}:${p.width}`;
  return p.id;
}

export const hasPreset = (list: readonly ExportPreset[], p: ExportPreset): boolean => list.some((q) => presetKey(q) === presetKey(p));

/** The list with `p` added, or taken out when it was in. */
export function togglePreset(list: readonly ExportPreset[], p: ExportPreset): ExportPreset[] {
  return hasPreset(list, p) ? list.filter((q) => presetKey(q) !== presetKey(p)) : [...list, p];
}

export const DEFAULT_CUSTOM: Extract<ExportPreset, { id: 'custom' }> = {
  id: 'custom',
  width: 1000,
  height: 1000,
  fill: 0.85,
  background: '#ffffff',
  format: 'jpeg',
};

/** A custom preset within what main accepts (sides 100…4000 px, fill 30…98 %). */
export function clampCustom(p: Extract<ExportPreset, { id: 'custom' }>): Extract<ExportPreset, { id: 'custom' }> {
  const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, Number.isFinite(n) ? n : min));
  return {
    ...p,
    width: Math.round(clamp(p.width, 100, 4000)),
    height: Math.round(clamp(p.height, 100, 4000)),
    fill: clamp(p.fill, 0.3, 0.98),
  };
}

export const DEFAULT_POSE: Extract<ExportPreset, { id: 'pose' }> = { id: 'pose', aspect: '3:4', width: 750 };

/** 1:1 and 3:4 at the widths marketplaces use most */
export const POSE_WIDTHS = [750, 800, 1000, 1500] as const;

/** What a compliance badge says: 合格, or the first failed rule (all of them in the title). */
export function badgeText(f: ExportedFile): { ok: boolean; text: string; title: string } {
  if (f.ok) return { ok: true, text: '合格', title: `${f.presetLabel}：全部检查通过` };
  return { ok: false, text: f.failures[0] ?? '不合格', title: f.failures.join('\n') };
}

export function reportSummary(r: ExportReport): string {
  const failed = r.files.filter((f) => !f.ok).length;
  const parts = [`已导出 ${r.files.length} 个文件`];
  parts.push(failed ? `${failed} 个未通过检查` : '全部通过检查');
  if (r.sheets.length) parts.push(`${r.sheets.length} 张总览图`);
  if (r.skipped.length) parts.push(`${r.skipped.length} 张未导出`);
  return parts.join('，');
}

/** The file name of a path (either separator: the app runs on Windows too). */
export const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;
