/** 新建批次: drop or pick images, choose the task type, see the cost, start. */
import { memo } from 'react';
import type { AppState, ClientOptions, DraftFile } from '../../../shared/contract';
import { MODEL_TASK_TYPE } from '../logic/cost';
import { formatBytes } from '../logic/format';
import { purchaseLabel } from '../logic/membership';
import { clearDraft, pickFiles, removeDraftFile, startBatch, startPurchase } from '../store/actions';
import { setChoice, useBusy, useStore } from '../store/app-store';
import { chosenTaskType, draftCost } from '../store/selectors';
import { BatchExportOptions } from './BatchExportOptions';
import { Spinner, Thumbnail } from './common';
import { DuplicateNotice, useDuplicateKinds } from './DuplicateNotice';
import { AlertIcon, CloseIcon, FolderIcon, UploadIcon } from './icons';
import { ModelChoice } from './ModelChoice';

/** What each task type produces, under its label. */
const TYPE_DESCRIPTIONS: Record<string, string> = {
  basic_clean: '自动抠图换白底，每张生成 1 张主图',
  model_pose12: 'AI 模特上身，每张生成 12 张不同姿势',
};

export function NewBatchTab({ app }: { app: AppState }) {
  const { files, rejected } = app.draft;
  return (
    <div className="newbatch">
      <div className="newbatch__main">
        <DropZone compact={files.length > 0} />
        {files.length > 0 ? <DraftFiles files={files} options={app.options} /> : null}
        {files.length > 0 ? <DuplicateNotice app={app} /> : null}
        {rejected.length > 0 ? (
          <section className="card rejected" data-testid="rejected-list">
            <h3 className="rejected__title">
              <AlertIcon size={16} />
              已跳过 {rejected.length} 个文件
            </h3>
            <ul className="rejected__list">
              {rejected.map((r) => (
                <li key={r.path} data-testid="rejected-file" title={r.path}>
                  <span className="rejected__name">{r.name}</span>
                  <span className="muted"> — {r.reason}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </div>
      <aside className="newbatch__side">
        {app.options ? (
          <BatchSettings app={app} options={app.options} />
        ) : (
          <div className="card side-card">
            <Spinner label="正在连接服务器…" />
          </div>
        )}
      </aside>
    </div>
  );
}

function DropZone({ compact }: { compact: boolean }) {
  const dragActive = useStore((s) => s.dragActive);
  const adding = useBusy('addFiles');
  const picking = useBusy('pickFiles');
  return (
    <section className={`dropzone ${compact ? 'dropzone--compact' : ''} ${dragActive ? 'dropzone--active' : ''}`} data-testid="drop-zone">
      <span className="dropzone__icon">
        <UploadIcon size={compact ? 22 : 34} />
      </span>
      <div className="dropzone__text">
        <div className="dropzone__title">{adding ? '正在读取文件…' : '把商品图片或文件夹拖到这里'}</div>
        <div className="muted">支持 JPG、PNG、WebP、HEIC（苹果手机照片），可一次拖入整个文件夹</div>
      </div>
      <button
        type="button"
        className="btn btn--primary"
        data-testid="pick-files"
        disabled={picking || adding}
        onClick={() => void pickFiles()}
      >
        选择图片
      </button>
    </section>
  );
}

/** Renders again only when the draft's files change (a state push for a running batch keeps their array). */
const DraftFiles = memo(function DraftFiles({ files, options }: { files: readonly DraftFile[]; options: AppState['options'] }) {
  const clearing = useBusy('clearDraft');
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const kinds = useDuplicateKinds(files, options);
  return (
    <section className="card draft">
      <div className="section-head">
        <h3>
          已添加 {files.length} 张图片<span className="muted section-head__sub"> · 共 {formatBytes(totalBytes)}</span>
        </h3>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          data-testid="clear-draft"
          disabled={clearing}
          onClick={() => void clearDraft()}
        >
          清空
        </button>
      </div>
      <ul className="draft__grid">
        {files.map((f) => (
          <li key={f.path} className="draft-file" data-testid="draft-file" title={f.path}>
            <Thumbnail path={f.path} size="lg" alt={f.name} />
            <div className="draft-file__meta">
              <span className="draft-file__name">{f.name}</span>
              <span className="muted">{formatBytes(f.size)}</span>
              {kinds.get(f.path) === 'reused' ? <span className="badge badge--success draft-file__badge">上次结果 · 不扣次数</span> : null}
              {kinds.get(f.path) === 'similar' ? <span className="badge badge--warning draft-file__badge">疑似重复</span> : null}
            </div>
            <button type="button" className="draft-file__remove" aria-label={`移除 ${f.name}`} onClick={() => void removeDraftFile(f.path)}>
              <CloseIcon size={14} />
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
});

function BatchSettings({ app, options }: { app: AppState; options: ClientOptions }) {
  const choice = useStore((s) => s.choice);
  const starting = useBusy('startBatch');
  const buying = useBusy('purchase');
  const chosen = chosenTaskType(app, choice);
  const cost = draftCost(app, choice);
  return (
    <div className="card side-card">
      <h3>处理方式</h3>
      <div className="type-cards" role="radiogroup" aria-label="处理方式">
        {options.taskTypes.map((t) => (
          <label
            key={t.type}
            className={`type-card ${chosen?.type === t.type ? 'type-card--selected' : ''}`}
            data-testid={`task-type-${t.type}`}
          >
            <input
              type="radio"
              name="task-type"
              value={t.type}
              checked={chosen?.type === t.type}
              onChange={() => setChoice({ type: t.type })}
            />
            <span className="type-card__body">
              <span className="type-card__title">
                {t.label}
                <span className="type-card__cost">每张 {t.cost} 次</span>
              </span>
              {TYPE_DESCRIPTIONS[t.type] ? <span className="type-card__desc">{TYPE_DESCRIPTIONS[t.type]}</span> : null}
            </span>
          </label>
        ))}
      </div>

      {chosen?.type === MODEL_TASK_TYPE ? (
        <div className="param-grid">
          <OptionSelect
            label="场景"
            testId="scene-select"
            placeholder="请选择场景"
            value={choice.scene}
            options={options.scenes}
            onChange={(scene) => setChoice({ scene })}
          />
          <OptionSelect
            label="品类"
            testId="category-select"
            placeholder="请选择品类"
            value={choice.category}
            options={options.categories}
            onChange={(category) => setChoice({ category })}
          />
          <ModelChoice options={options} />
        </div>
      ) : null}

      <BatchExportOptions app={app} />

      <div className="cost">
        <div className="cost__label">本次消耗</div>
        <div className="cost__line" data-testid="cost-summary">
          {cost.text}
        </div>
        {cost.reason ? (
          <div className={`cost__reason ${cost.needsPurchase ? 'cost__reason--blocked' : ''}`} data-testid="start-reason">
            <AlertIcon size={15} />
            <span>{cost.reason}</span>
            {cost.needsPurchase ? (
              <button
                type="button"
                className="btn btn--link"
                data-testid="cost-buy"
                disabled={buying}
                onClick={() => void startPurchase(Math.max(1, cost.total - (app.membership?.quotaRemaining ?? 0)))}
              >
                {purchaseLabel(app.membership)}
              </button>
            ) : null}
          </div>
        ) : null}
        <button
          type="button"
          className="btn btn--primary btn--block btn--large"
          data-testid="start-batch"
          disabled={!cost.fits || starting}
          onClick={() => void startBatch()}
        >
          {starting ? '正在开始…' : '开始处理'}
        </button>
        {cost.partial ? (
          <div className="partial" data-testid="partial-choice">
            <span className="muted">余额够处理 {cost.partial} 张，其余的留在这里，续费后再处理：</span>
            <div className="partial__actions">
              <button
                type="button"
                className="btn btn--secondary"
                data-testid="start-partial"
                disabled={starting}
                onClick={() => void startBatch(true)}
              >
                先处理前 {cost.partial} 张
              </button>
              <button
                type="button"
                className="btn btn--primary"
                data-testid="partial-buy"
                disabled={buying}
                onClick={() => void startPurchase()}
              >
                {purchaseLabel(app.membership)}
              </button>
            </div>
          </div>
        ) : null}
      </div>

      <div className="save-to">
        <FolderIcon size={16} />
        <div>
          <div className="muted">结果保存到</div>
          <div className="save-to__path" data-testid="result-root" title={app.settings.resultRoot}>
            {app.settings.resultRoot}
          </div>
        </div>
      </div>
    </div>
  );
}

/** A labelled select of catalogue entries with an empty "please choose" first option. */
function OptionSelect<T extends string>(props: {
  label: string;
  testId: string;
  placeholder: string;
  value: T | null | undefined;
  options: readonly { id: T; label: string }[];
  onChange: (value: T | null) => void;
}) {
  return (
    <label className="field">
      <span className="field__label">{props.label}</span>
      <select
        className="input select"
        data-testid={props.testId}
        value={props.value ?? ''}
        onChange={(e) => props.onChange((e.target.value || null) as T | null)}
      >
        <option value="">{props.placeholder}</option>
        {props.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}
