/**
 * The new-batch form's export choice (batch name, presets, flat layout), kept apart from the task choice; null
 * fields follow 设置's defaults.
 */
import { create } from 'zustand';
import type { AppState, ExportPreset, StartBatchInput } from '../../../shared/contract';

export interface ExportChoice {
  name: string;
  presets: ExportPreset[] | null;
  flat: boolean | null;
}

export const emptyExportChoice: ExportChoice = { name: '', presets: null, flat: null };

export const useExportChoice = create<ExportChoice>()(() => emptyExportChoice);

export const setExportChoice = (patch: Partial<ExportChoice>): void => useExportChoice.setState(patch);
export const resetExportChoice = (): void => useExportChoice.setState(emptyExportChoice, true);

/** The presets and layout in effect: the form's, or 设置's. */
export function effectiveExport(c: ExportChoice, app: AppState | null): { presets: ExportPreset[]; flat: boolean } {
  const d = app?.settings.exportDefaults ?? { presets: [], flat: false };
  return { presets: c.presets ?? d.presets, flat: c.flat ?? d.flat };
}

/** What `startBatch` sends besides the task choice. */
export function batchExportInput(c: ExportChoice, app: AppState | null): Pick<StartBatchInput, 'name' | 'presets' | 'flat'> {
  const e = effectiveExport(c, app);
  return { ...(c.name.trim() ? { name: c.name.trim() } : {}), presets: e.presets, flat: e.flat };
}
