/** What the app is doing in the background, from its state: for the tray, the taskbar/Dock and quitting. */
import type { AppState } from '../shared/contract.js';

export interface WorkSummary {
  /** items of running (not paused) batches that have not ended */
  active: number;
  /** items of paused batches that have not ended */
  paused: number;
  /** ended items of the batches that still have work */
  finished: number;
  /** items of the batches that still have work */
  total: number;
  /** finished / total of the running batches, 0…1; -1 when nothing runs (taskbar progress off) */
  fraction: number;
}

const ended = (stage: string) => stage === 'done' || stage === 'failed' || stage === 'cancelled';

export function workSummary(state: Pick<AppState, 'batches'>): WorkSummary {
  let active = 0;
  let paused = 0;
  let finished = 0;
  let total = 0;
  for (const b of state.batches) {
    const open = b.items.filter((i) => !ended(i.stage)).length;
    if (open === 0) continue;
    if (b.paused) {
      paused += open;
      continue;
    }
    active += open;
    total += b.items.length;
    finished += b.items.length - open;
  }
  return { active, paused, finished, total, fraction: active > 0 ? finished / total : -1 };
}

/** The tray tooltip. */
export function trayTooltip(w: WorkSummary): string {
  if (w.active > 0) return `AI照 · 正在处理 ${w.finished}/${w.total}`;
  if (w.paused > 0) return `AI照 · 已暂停（${w.paused} 张未完成）`;
  return 'AI照';
}
