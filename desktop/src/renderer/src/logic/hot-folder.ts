/** The hot-folder settings' choices and wording. Pure. */
import type { TaskType } from '@aizhao/shared';
import type { ClientOptions, ExportPreset, ExportPresetView, HotFolderView, WatchedFolderInput } from '../../../shared/contract';
import { DEFAULT_POSE, presetKey } from './exports';
import { labelOf } from './format';
import { MODEL_TASK_TYPE, missingParams } from './cost';

/**
 * The export presets a watched folder of a task type can choose: the fixed marketplace presets that apply to it (from
 * the exports module, `listExportPresets`), and for model images the default model crop.
 */
export function hotFolderPresetChoices(
  type: TaskType,
  views: readonly ExportPresetView[] | null,
): { preset: ExportPreset; label: string }[] {
  const fixed = (views ?? []).filter((v) => v.appliesTo === type).map((v) => ({ preset: v.preset, label: v.label }));
  return type === MODEL_TASK_TYPE ? [...fixed, { preset: DEFAULT_POSE, label: presetName(DEFAULT_POSE, null) }] : fixed;
}

/** A preset's name for the merchant: the exports module's label, else one made from its numbers. */
export function presetName(p: ExportPreset, views: readonly ExportPresetView[] | null): string {
  const view = views?.find((v) => presetKey(v.preset) === presetKey(p));
  if (view) return view.label;
  if (p.id === 'custom') return `自定义 ${p.width}×${p.height}`;
  if (p.id === 'pose') return `模特图 ${p.aspect} · 宽 ${p.width}`;
  return p.id;
}

export const DEFAULT_DAILY_LIMIT = 50;

/** 基础修图 · 每天最多 50 次 …: a watched folder's settings in one line. */
export function folderSummary(f: WatchedFolderInput, options: ClientOptions | null, views: readonly ExportPresetView[] | null): string {
  const type = options?.taskTypes.find((t) => t.type === f.type)?.label ?? f.type;
  const params =
    f.type === 'model_pose12' ? ` · ${labelOf(options?.scenes, f.params.scene)} · ${labelOf(options?.categories, f.params.category)}` : '';
  const presets = f.presets.length ? ` · 导出：${f.presets.map((p) => presetName(p, views)).join('、')}` : '';
  return `${type}${params}${presets}`;
}

/** 今日已用 3 / 50 次 · 等待中 2 张 */
export function folderUsage(f: HotFolderView): string {
  const waiting = f.waiting ? ` · 等待中 ${f.waiting} 张${f.usedToday >= f.dailyLimit ? '（已达今日上限，明天继续）' : ''}` : '';
  return `今日已用 ${f.usedToday} / ${f.dailyLimit} 次${waiting}`;
}

/** Why the form cannot add a folder yet (Chinese), or null. */
export function folderFormProblem(f: WatchedFolderInput): string | null {
  if (!Number.isInteger(f.dailyLimit) || f.dailyLimit < 1) return '每日上限至少 1 次';
  return missingParams(f.type, f.params);
}
