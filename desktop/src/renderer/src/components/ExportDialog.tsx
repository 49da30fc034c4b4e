/**
 * 导出: the chosen items (a whole batch, a selection, one result) to marketplace presets, made on this computer from
 * the saved cut-outs (free, works offline). Every file is checked after it is written; each gets a badge: 合格, or
 * the failing rule in Chinese. Usable from any screen: `<ExportDialog itemIds={…} onClose={…} />`.
 */
import { useMemo, useState } from 'react';
import { POSE_ASPECTS, type ExportPreset, type ExportReport, type ItemView } from '../../../shared/contract';
import { useExportPresets } from '../hooks/useExportPresets';
import { badgeText, clampCustom, DEFAULT_CUSTOM, DEFAULT_POSE, fileName, POSE_WIDTHS, reportSummary } from '../logic/exports';
import { exportItems, openFolder } from '../store/actions';
import { useBusy, useStore } from '../store/app-store';
import { Badge, Spinner } from './common';
import { CloseIcon, FolderIcon } from './icons';
import { PresetPicker } from './PresetPicker';

/** The compliance badges of exported files (also shown in the progress list). */
export function ExportBadges({
  files,
}: {
  files: readonly { ok: boolean; failures: string[]; presetLabel: string; path: string; itemId: string; source: string }[];
}) {
  if (files.length === 0) return null;
  return (
    <span className="export-badges">
      {files.map((f) => {
        const b = badgeText(f);
        return (
          <span key={f.path} className="export-badge" title={b.title} data-testid="export-badge" data-ok={b.ok}>
            <span className="export-badge__preset">{f.presetLabel}</span>
            <Badge tone={b.ok ? 'success' : 'danger'}>{b.text}</Badge>
          </span>
        );
      })}
    </span>
  );
}

function CustomFields({ value, onChange }: { value: Extract<ExportPreset, { id: 'custom' }>; onChange: (v: typeof value) => void }) {
  // what is typed is kept as typed (clamped when exporting: clampCustom), so that 2000 can be typed over 1000
  const num = (s: string) => Math.round(Number(s) || 0);
  return (
    <div className="custom-preset" data-testid="custom-fields">
      <label className="field">
        <span className="field__label">宽</span>
        <input
          className="input"
          type="number"
          min={100}
          max={4000}
          value={value.width}
          onChange={(e) => onChange({ ...value, width: num(e.target.value) })}
        />
      </label>
      <label className="field">
        <span className="field__label">高</span>
        <input
          className="input"
          type="number"
          min={100}
          max={4000}
          value={value.height}
          onChange={(e) => onChange({ ...value, height: num(e.target.value) })}
        />
      </label>
      <label className="field">
        <span className="field__label">主体占比 %</span>
        <input
          className="input"
          type="number"
          min={30}
          max={98}
          value={Math.round(value.fill * 100)}
          onChange={(e) => onChange({ ...value, fill: num(e.target.value) / 100 })}
        />
      </label>
      <label className="field">
        <span className="field__label">背景</span>
        <select
          className="input select"
          value={value.background === 'transparent' ? 'transparent' : value.background}
          onChange={(e) =>
            onChange({ ...value, background: e.target.value, format: e.target.value === 'transparent' ? 'png' : value.format })
          }
        >
          <option value="#ffffff">纯白</option>
          <option value="#f5f5f5">浅灰</option>
          <option value="#000000">黑色</option>
          <option value="transparent">透明（PNG）</option>
        </select>
      </label>
      <label className="field">
        <span className="field__label">格式</span>
        <select
          className="input select"
          value={value.format}
          disabled={value.background === 'transparent'}
          onChange={(e) => onChange({ ...value, format: e.target.value as 'jpeg' | 'png' })}
        >
          <option value="jpeg">JPG</option>
          <option value="png">PNG</option>
        </select>
      </label>
    </div>
  );
}

function PoseFields({ value, onChange }: { value: Extract<ExportPreset, { id: 'pose' }>; onChange: (v: typeof value) => void }) {
  return (
    <div className="custom-preset" data-testid="pose-fields">
      <div className="segmented" role="radiogroup" aria-label="比例">
        {POSE_ASPECTS.map((a) => (
          <button
            key={a}
            type="button"
            role="radio"
            aria-checked={value.aspect === a}
            className={`segmented__item ${value.aspect === a ? 'segmented__item--active' : ''}`}
            onClick={() => onChange({ ...value, aspect: a })}
          >
            {a}
          </button>
        ))}
      </div>
      <label className="field field--wide">
        <span className="field__label">尺寸</span>
        <select className="input select" value={value.width} onChange={(e) => onChange({ ...value, width: Number(e.target.value) })}>
          {POSE_WIDTHS.map((w) => (
            <option key={w} value={w}>
              {w} × {value.aspect === '1:1' ? w : Math.round((w * 4) / 3)}
            </option>
          ))}
        </select>
      </label>
      <span className="muted">按模特位置自动裁切，不会切掉模特</span>
    </div>
  );
}

/** An exported file as the merchant knows it: under its SKU folder (`SKU01/正面_白底.jpg`). */
function shownName(path: string, item: ItemView | undefined): string {
  const dir = item?.relPath.split('/').slice(0, -1).join('/');
  return dir ? `${dir}/${fileName(path)}` : fileName(path);
}

function ReportView({ report, items }: { report: ExportReport; items: Map<string, ItemView> }) {
  return (
    <div className="export-report" data-testid="export-report">
      <p className="export-report__summary" data-testid="export-summary">
        {reportSummary(report)}
      </p>
      <ul className="export-files">
        {report.files.map((f) => {
          const b = badgeText(f);
          return (
            <li key={f.path} className="export-file" data-testid="export-file" data-ok={b.ok} title={f.path}>
              <span className="export-file__name">{shownName(f.path, items.get(f.itemId))}</span>
              <span className="muted export-file__preset">{f.presetLabel}</span>
              <span className="export-file__badge" title={b.title}>
                <Badge tone={b.ok ? 'success' : 'danger'}>{b.ok ? '合格' : b.title.split('\n').join('；')}</Badge>
              </span>
            </li>
          );
        })}
        {report.skipped.map((s) => (
          <li key={s.itemId} className="export-file" data-testid="export-skipped">
            <span className="export-file__name">{items.get(s.itemId)?.name ?? s.name}</span>
            <span className="muted export-file__preset">未导出</span>
            <Badge tone="danger">{s.reason}</Badge>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function ExportDialog({ itemIds, onClose }: { itemIds: readonly string[]; onClose: () => void }) {
  const app = useStore((s) => s.app);
  const presets = useExportPresets();
  const exporting = useBusy('exportItems');
  const { items, types } = useMemo(() => {
    const all = new Map((app?.batches ?? []).flatMap((b) => b.items.map((i) => [i.id, { item: i, type: b.type }] as const)));
    const chosen = itemIds.flatMap((id) => (all.get(id) ? [all.get(id)!] : []));
    return { items: new Map(chosen.map((c) => [c.item.id, c.item] as const)), types: new Set(chosen.map((c) => c.type)) };
  }, [app, itemIds]);
  const hasBasic = types.has('basic_clean');
  const hasPoses = types.has('model_pose12');
  const defaults = app?.settings.exportDefaults.presets.filter((p) => p.id !== 'pose' && p.id !== 'custom') ?? [];
  const [chosen, setChosen] = useState<ExportPreset[]>(defaults);
  const [custom, setCustom] = useState<typeof DEFAULT_CUSTOM | null>(null);
  const [pose, setPose] = useState<typeof DEFAULT_POSE | null>(hasPoses ? DEFAULT_POSE : null);
  const [flat, setFlat] = useState(app?.settings.exportDefaults.flat ?? false);
  const [sheet, setSheet] = useState(false);
  const [report, setReport] = useState<ExportReport | null>(null);
  const all = [...(hasBasic ? chosen : []), ...(hasBasic && custom ? [clampCustom(custom)] : []), ...(hasPoses && pose ? [pose] : [])];
  const done = [...items.values()].filter((i) => i.stage === 'done');

  async function start() {
    const r = await exportItems({ itemIds: done.map((i) => i.id), presets: all, flat, contactSheet: sheet });
    if (r) setReport(r);
  }

  return (
    <div className="modal-backdrop">
      <div className="modal modal--export" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog">
        <div className="modal__head">
          <div>
            <h2 id="export-title">导出 {done.length} 张图片</h2>
            <p className="muted">{hasBasic ? '在本机用已保存的抠图生成' : '在本机裁切已下载的模特图'}，不扣次数，断网也能导出</p>
          </div>
          <button type="button" className="icon-button" aria-label="关闭" data-testid="export-close" onClick={onClose}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal__body export-body">
          {report ? (
            <ReportView report={report} items={items} />
          ) : (
            <>
              {hasBasic ? (
                <section className="export-section">
                  <h3>平台规格</h3>
                  <PresetPicker presets={presets} value={chosen} onChange={setChosen} />
                  <label className="check">
                    <input
                      type="checkbox"
                      data-testid="custom-toggle"
                      checked={custom !== null}
                      onChange={(e) => setCustom(e.target.checked ? DEFAULT_CUSTOM : null)}
                    />
                    自定义尺寸
                  </label>
                  {custom ? <CustomFields value={custom} onChange={setCustom} /> : null}
                </section>
              ) : null}
              {hasPoses ? (
                <section className="export-section">
                  <h3>模特图</h3>
                  <label className="check">
                    <input
                      type="checkbox"
                      data-testid="pose-toggle"
                      checked={pose !== null}
                      onChange={(e) => setPose(e.target.checked ? DEFAULT_POSE : null)}
                    />
                    导出为统一比例
                  </label>
                  {pose ? <PoseFields value={pose} onChange={setPose} /> : null}
                </section>
              ) : null}
              <section className="export-section export-options">
                <label className="check">
                  <input type="checkbox" data-testid="flat-toggle" checked={flat} onChange={(e) => setFlat(e.target.checked)} />
                  每种规格放进一个文件夹（不分款号子文件夹，方便批量上传）
                </label>
                <label className="check">
                  <input type="checkbox" data-testid="sheet-toggle" checked={sheet} onChange={(e) => setSheet(e.target.checked)} />
                  每个款号生成一张总览图
                </label>
              </section>
            </>
          )}
        </div>
        <div className="modal__foot">
          {report ? (
            <>
              <button type="button" className="btn btn--secondary" data-testid="export-open" onClick={() => void openFolder(report.dir)}>
                <FolderIcon size={16} />
                打开文件夹
              </button>
              <button type="button" className="btn btn--primary" onClick={onClose}>
                完成
              </button>
            </>
          ) : (
            <>
              {exporting ? (
                <Spinner label="正在导出并检查…" />
              ) : (
                <span className="muted">{done.length === 0 ? '还没有处理完成的图片' : `将导出 ${all.length} 种规格`}</span>
              )}
              <button
                type="button"
                className="btn btn--primary"
                data-testid="export-start"
                disabled={exporting || all.length === 0 || done.length === 0}
                onClick={() => void start()}
              >
                导出
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
