/** The hot-folder settings' choices and wording. Pure. */
import type { ClientOptions, HotFolderView, WatchedFolderInput } from '../../../shared/contract';
import { labelOf } from './format';
import { missingParams } from './cost';

/**
 * The export presets a watched folder can use. The ids are the export module's preset ids (kept by the main process
 * as given); this list only names them for the merchant.
 */
export const HOT_FOLDER_PRESETS: readonly { id: string; label: string }[] = [
  { id: 'taobao', label: '淘宝/天猫 白底图' },
  { id: 'jd', label: '京东' },
  { id: 'pdd', label: '拼多多' },
  { id: 'douyin', label: '抖音' },
  { id: 'amazon', label: 'Amazon 主图' },
  { id: 'transparent', label: '透明底 PNG' },
];

export const DEFAULT_DAILY_LIMIT = 50;

/** 基础修图 · 每天最多 50 次 …: a watched folder's settings in one line. */
export function folderSummary(f: WatchedFolderInput, options: ClientOptions | null): string {
  const type = options?.taskTypes.find((t) => t.type === f.type)?.label ?? f.type;
  const params =
    f.type === 'model_pose12' ? ` · ${labelOf(options?.scenes, f.params.scene)} · ${labelOf(options?.categories, f.params.category)}` : '';
  const presets = f.presets.length ? ` · 导出：${f.presets.map((id) => labelOf(HOT_FOLDER_PRESETS, id)).join('、')}` : '';
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
