/** 设置: the presets every new batch starts with, and the flat layout. */
import type { AppState } from '../../../shared/contract';
import { useExportPresets } from '../hooks/useExportPresets';
import { setExportDefaults } from '../store/actions';
import { PresetPicker } from './PresetPicker';

export function ExportDefaultsCard({ app }: { app: AppState }) {
  const presets = useExportPresets();
  const d = app.settings.exportDefaults;
  return (
    <section className="card settings__card" data-testid="export-defaults">
      <h3>默认导出规格</h3>
      <p className="muted">新建批次时默认勾选这些规格，每张图处理完成后自动在本机生成并检查，不额外扣次数。</p>
      <PresetPicker
        presets={presets}
        value={d.presets}
        onChange={(p) => void setExportDefaults({ ...d, presets: p })}
        testId="default-presets"
      />
      <label className="check">
        <input
          type="checkbox"
          data-testid="default-flat"
          checked={d.flat}
          onChange={(e) => void setExportDefaults({ ...d, flat: e.target.checked })}
        />
        每种规格放进一个文件夹（不分款号子文件夹，方便批量上传）
      </label>
    </section>
  );
}
