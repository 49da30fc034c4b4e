/** Checkboxes of the marketplace presets (with 「规格待核实」 where numbers come from secondary sources). */
import type { ExportPreset, ExportPresetView } from '../../../shared/contract';
import { hasPreset, togglePreset } from '../logic/exports';
import { Spinner } from './common';

export function PresetPicker(props: {
  presets: ExportPresetView[] | null;
  value: readonly ExportPreset[];
  onChange: (value: ExportPreset[]) => void;
  testId?: string;
  /** chips with the label only (the summary as a tooltip), for the narrow new-batch form */
  compact?: boolean;
}) {
  if (!props.presets) return <Spinner label="正在读取导出规格…" />;
  if (props.compact) {
    return (
      <ul className="preset-chips" data-testid={props.testId ?? 'preset-list'}>
        {props.presets.map((p) => (
          <li key={p.preset.id}>
            <label
              className="preset-chip"
              data-testid={`preset-${p.preset.id}`}
              title={`${p.summary}${p.unconfirmed ? '（规格待核实）' : ''}`}
            >
              <input
                type="checkbox"
                checked={hasPreset(props.value, p.preset)}
                onChange={() => props.onChange(togglePreset(props.value, p.preset))}
              />
              {p.label}
            </label>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <ul className="preset-list" data-testid={props.testId ?? 'preset-list'}>
      {props.presets.map((p) => (
        <li key={p.preset.id}>
          <label className="preset" data-testid={`preset-${p.preset.id}`}>
            <input
              type="checkbox"
              checked={hasPreset(props.value, p.preset)}
              onChange={() => props.onChange(togglePreset(props.value, p.preset))}
            />
            <span className="preset__body">
              <span className="preset__label">
                {p.label}
                {p.unconfirmed ? (
                  <span className="preset__unconfirmed" title="部分数值来自第三方资料，尚未与平台官方规则核对">
                    规格待核实
                  </span>
                ) : null}
              </span>
              <span className="preset__summary muted">{p.summary}</span>
            </span>
          </label>
        </li>
      ))}
    </ul>
  );
}
