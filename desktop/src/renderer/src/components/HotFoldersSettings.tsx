/**
 * 设置 → 自动处理文件夹: folders the app watches. A photo saved into one is processed without a click once it has
 * been written, with that folder's task type, parameters and export presets, within its daily limit of 次.
 */
import { useState } from 'react';
import type { AppState, ClientOptions, ExportPreset, ExportPresetView, HotFolderView, WatchedFolderInput } from '../../../shared/contract';
import { useExportPresets } from '../hooks/useExportPresets';
import { hasPreset, presetKey, togglePreset } from '../logic/exports';
import { DEFAULT_DAILY_LIMIT, folderFormProblem, folderSummary, folderUsage, hotFolderPresetChoices } from '../logic/hot-folder';
import { MODEL_TASK_TYPE } from '../logic/cost';
import { addWatchedFolder, removeWatchedFolder, updateWatchedFolder } from '../store/actions';
import { useBusy } from '../store/app-store';
import { FolderIcon } from './icons';

export function HotFoldersSettings({ app }: { app: AppState }) {
  const folders = app.hotFolders ?? [];
  const views = useExportPresets();
  return (
    <section className="card settings__card hot" data-testid="hot-folders">
      <h3>自动处理文件夹</h3>
      <p className="muted">
        把商品照片存进这些文件夹（相机、手机同步或拷贝都可以），文件写完后自动处理，不用点击；结果保存到上面的结果文件夹。每个文件夹每天最多使用设定的次数，超出的照片排队等到第二天。添加前已在文件夹里的照片不会处理。
      </p>
      {folders.length ? (
        <ul className="hot__list">
          {folders.map((f) => (
            <FolderRow key={f.id} folder={f} options={app.options} views={views} />
          ))}
        </ul>
      ) : (
        <p className="hot__empty" data-testid="hot-empty">
          还没有自动处理的文件夹
        </p>
      )}
      {app.options ? <AddFolderForm options={app.options} views={views} defaults={app.settings.exportDefaults.presets} /> : null}
    </section>
  );
}

function FolderRow({ folder, options, views }: { folder: HotFolderView; options: ClientOptions | null; views: ExportPresetView[] | null }) {
  const busy = useBusy(`watched:${folder.id}`);
  const [limit, setLimit] = useState(String(folder.dailyLimit));
  const parsed = Number(limit);
  const limitChanged = Number.isInteger(parsed) && parsed >= 1 && parsed !== folder.dailyLimit;
  return (
    <li className={`hot__row ${folder.paused ? 'hot__row--paused' : ''}`} data-testid="hot-folder" data-folder-id={folder.id}>
      <div className="hot__head">
        <FolderIcon size={16} />
        <span className="hot__path" title={folder.path}>
          {folder.path}
        </span>
        <span className={`badge ${folder.paused ? 'badge--neutral' : 'badge--success'}`} data-testid="hot-status">
          {folder.paused ? '已暂停' : '监视中'}
        </span>
      </div>
      <div className="hot__summary">{folderSummary(folder, options, views)}</div>
      <div className="hot__usage" data-testid="hot-usage">
        {folderUsage(folder)}
      </div>
      {folder.lastError ? (
        <div className="hot__error" data-testid="hot-error">
          未能开始：{folder.lastError}
        </div>
      ) : null}
      <div className="hot__actions">
        <label className="hot__limit">
          <span>每日上限</span>
          <input
            className="input hot__limit-input"
            type="number"
            min={1}
            step={1}
            value={limit}
            data-testid="hot-limit"
            onChange={(e) => setLimit(e.target.value)}
          />
          <span>次</span>
        </label>
        {limitChanged ? (
          <button
            type="button"
            className="btn btn--secondary btn--small"
            data-testid="hot-save-limit"
            disabled={busy}
            onClick={() => void updateWatchedFolder(folder.id, { dailyLimit: parsed })}
          >
            保存
          </button>
        ) : null}
        <span className="hot__spacer" />
        <button
          type="button"
          className="btn btn--secondary btn--small"
          data-testid="hot-pause"
          disabled={busy}
          onClick={() => void updateWatchedFolder(folder.id, { paused: !folder.paused })}
        >
          {folder.paused ? '继续' : '暂停'}
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          data-testid="hot-remove"
          disabled={busy}
          onClick={() => void removeWatchedFolder(folder.id)}
        >
          移除
        </button>
      </div>
    </li>
  );
}

function AddFolderForm(props: { options: ClientOptions; views: ExportPresetView[] | null; defaults: readonly ExportPreset[] }) {
  const { options, views } = props;
  const adding = useBusy('addWatchedFolder');
  const [form, setForm] = useState<Omit<WatchedFolderInput, 'presets'> & { presets: ExportPreset[] | null }>({
    type: options.taskTypes[0]?.type ?? 'basic_clean',
    params: {},
    presets: null, // not chosen yet: 设置's default presets that apply to the type
    dailyLimit: DEFAULT_DAILY_LIMIT,
  });
  const choices = hotFolderPresetChoices(form.type, views);
  const applicable = (list: readonly ExportPreset[]) => list.filter((p) => choices.some((c) => presetKey(c.preset) === presetKey(p)));
  const presets = form.presets ?? applicable(props.defaults);
  const input: WatchedFolderInput = { ...form, presets };
  const problem = folderFormProblem(input);
  return (
    <div className="hot__form" data-testid="hot-form">
      <h4>添加文件夹</h4>
      <div className="hot__grid">
        <label className="field">
          <span className="field__label">处理方式</span>
          <select
            className="input select"
            data-testid="hot-type"
            value={form.type}
            onChange={(e) => setForm((f) => ({ ...f, type: e.target.value as WatchedFolderInput['type'], params: {}, presets: null }))}
          >
            {options.taskTypes.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}（每张 {t.cost} 次）
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">每日上限（次）</span>
          <input
            className="input"
            type="number"
            min={1}
            step={1}
            data-testid="hot-new-limit"
            value={Number.isNaN(form.dailyLimit) ? '' : form.dailyLimit}
            onChange={(e) => setForm((f) => ({ ...f, dailyLimit: e.target.valueAsNumber }))}
          />
        </label>
        {form.type === MODEL_TASK_TYPE ? (
          <>
            <label className="field">
              <span className="field__label">场景</span>
              <select
                className="input select"
                data-testid="hot-scene"
                value={form.params.scene ?? ''}
                onChange={(e) =>
                  setForm((f) => ({ ...f, params: { ...f.params, scene: (e.target.value || undefined) as typeof f.params.scene } }))
                }
              >
                <option value="">请选择场景</option>
                {options.scenes.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">品类</span>
              <select
                className="input select"
                data-testid="hot-category"
                value={form.params.category ?? ''}
                onChange={(e) =>
                  setForm((f) => ({ ...f, params: { ...f.params, category: (e.target.value || undefined) as typeof f.params.category } }))
                }
              >
                <option value="">请选择品类</option>
                {options.categories.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
      </div>
      <fieldset className="hot__presets">
        <legend className="field__label">导出</legend>
        {choices.map((c) => (
          <label key={presetKey(c.preset)} className="hot__preset">
            <input
              type="checkbox"
              data-testid={`hot-preset-${c.preset.id}`}
              checked={hasPreset(presets, c.preset)}
              onChange={() => setForm((f) => ({ ...f, presets: togglePreset(presets, c.preset) }))}
            />
            {c.label}
          </label>
        ))}
      </fieldset>
      <div className="hot__submit">
        {problem ? <span className="muted">{problem}</span> : null}
        <button
          type="button"
          className="btn btn--primary"
          data-testid="hot-add"
          disabled={adding || problem !== null}
          onClick={() => void addWatchedFolder(input)}
        >
          选择文件夹并添加
        </button>
      </div>
    </div>
  );
}
