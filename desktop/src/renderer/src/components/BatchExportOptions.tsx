/** The new-batch form's export part: the batch folder's name, the presets made as each photo is done, the layout. */
import type { AppState } from '../../../shared/contract';
import { useExportPresets } from '../hooks/useExportPresets';
import { effectiveExport, setExportChoice, useExportChoice } from '../store/export-choice';
import { PresetPicker } from './PresetPicker';

/** the default name main gives a batch (core/result-paths.ts defaultBatchName): the dropped folder's, else 批次 */
function defaultName(app: AppState): string {
  const sources = new Set(app.draft.files.map((f) => f.source ?? ''));
  const [only] = sources;
  return sources.size === 1 && only ? only : '批次';
}

export function BatchExportOptions({ app }: { app: AppState }) {
  const choice = useExportChoice();
  const presets = useExportPresets();
  const e = effectiveExport(choice, app);
  return (
    <div className="batch-export" data-testid="batch-export">
      <label className="field">
        <span className="field__label">批次文件夹名称</span>
        <input
          className="input"
          data-testid="batch-name"
          maxLength={60}
          placeholder={defaultName(app)}
          value={choice.name}
          onChange={(ev) => setExportChoice({ name: ev.target.value })}
        />
      </label>
      <div className="field">
        <span className="field__label">同时导出的平台规格</span>
        <PresetPicker
          presets={presets}
          value={e.presets}
          onChange={(p) => setExportChoice({ presets: p })}
          testId="batch-presets"
          compact
        />
      </div>
      <label className="check">
        <input type="checkbox" data-testid="batch-flat" checked={e.flat} onChange={(ev) => setExportChoice({ flat: ev.target.checked })} />
        每种规格放进一个文件夹（不分款号）
      </label>
    </div>
  );
}
