/** The fixed export presets, asked of the main process once per window. */
import { useEffect, useState } from 'react';
import type { ExportPresetView } from '../../../shared/contract';
import { api } from '../services/api';

let cached: Promise<ExportPresetView[]> | null = null;

export function useExportPresets(): ExportPresetView[] | null {
  const [presets, setPresets] = useState<ExportPresetView[] | null>(null);
  useEffect(() => {
    let live = true;
    cached ??= api.listExportPresets().catch((e: unknown) => {
      cached = null;
      throw e;
    });
    cached.then(
      (p) => live && setPresets(p ?? []),
      () => live && setPresets([]),
    );
    return () => {
      live = false;
    };
  }, []);
  return presets;
}
