/**
 * One result, large: the input photo beside the result or under it with a slider (对比), zoom, ←/→ through the
 * batch (keys too; Esc closes), and for a model task its 12 poses as a sheet. Beside it what was in the rows before
 * (paths, the task id) and the actions: 打开 / 显示文件 / 重做 (its cost first) / 导出为….
 */
import { useEffect, useState } from 'react';
import type { AppState, BatchView, ItemView } from '../../../../shared/contract';
import { formatBytes } from '../../logic/format';
import { chargeNote, failureText } from '../../logic/progress';
import { baseName, neighbours, nextZoom, poseLabel } from '../../logic/review';
import { stageView } from '../../logic/stages';
import { openFolder, retryItem, revealFile } from '../../store/actions';
import { setReview } from '../../store/app-store';
import { Badge } from '../common';
import { CloseIcon, FolderIcon, ImageIcon, RefreshIcon } from '../icons';
import type { ExportHandler } from '../ProgressTab';
import { Preview } from './Preview';
import { RedoDialog } from './RedoDialog';

type Mode = 'slider' | 'side';

export function DetailView({ batch, item, app, onExport }: { batch: BatchView; item: ItemView; app: AppState; onExport?: ExportHandler }) {
  const [mode, setMode] = useState<Mode>('slider');
  const [zoom, setZoom] = useState(1);
  const [split, setSplit] = useState(50);
  const [pose, setPose] = useState(0);
  const [redo, setRedo] = useState(false);
  const { prev, next, index } = neighbours(batch.items, item.id);
  const poses = item.files.length > 1;
  const result = item.stage === 'done' ? (item.files[pose] ?? item.files[0]) : undefined;
  const go = (id: string | null) => id && setReview({ batchId: batch.id, itemId: id });

  // another item: start from its first pose, fitted
  useEffect(() => {
    setPose(0);
    setZoom(1);
  }, [item.id]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (redo) return; // the dialog on top has the keys
      if (e.key === 'ArrowLeft') go(prev);
      else if (e.key === 'ArrowRight') go(next);
      else if (e.key === 'Escape') setReview({ batchId: batch.id, itemId: null });
      else if (e.key === '+' || e.key === '=') setZoom((z) => nextZoom(z, 1));
      else if (e.key === '-') setZoom((z) => nextZoom(z, -1));
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const stage = stageView(item.stage);
  return (
    <div
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={`查看 ${item.name}`}
      data-testid="detail-view"
      data-item-id={item.id}
    >
      <div className="viewer__bar">
        <button
          type="button"
          className="icon-button viewer__nav"
          aria-label="上一张"
          data-testid="detail-prev"
          disabled={!prev}
          onClick={() => go(prev)}
        >
          ←
        </button>
        <span className="viewer__position" data-testid="detail-position">
          {index + 1} / {batch.items.length}
        </span>
        <button
          type="button"
          className="icon-button viewer__nav"
          aria-label="下一张"
          data-testid="detail-next"
          disabled={!next}
          onClick={() => go(next)}
        >
          →
        </button>
        <strong className="viewer__name">{item.name}</strong>
        <Badge tone={stage.tone}>{stage.label}</Badge>
        <div className="viewer__tools">
          {result && !poses ? (
            <div className="segmented" role="group" aria-label="对比方式">
              <button
                type="button"
                className={`segmented__item ${mode === 'slider' ? 'segmented__item--active' : ''}`}
                data-testid="mode-slider"
                onClick={() => setMode('slider')}
              >
                滑动对比
              </button>
              <button
                type="button"
                className={`segmented__item ${mode === 'side' ? 'segmented__item--active' : ''}`}
                data-testid="mode-side"
                onClick={() => setMode('side')}
              >
                左右并排
              </button>
            </div>
          ) : null}
          <div className="viewer__zoom" role="group" aria-label="缩放">
            <button
              type="button"
              className="btn btn--ghost btn--small"
              aria-label="缩小"
              data-testid="zoom-out"
              disabled={zoom <= 1}
              onClick={() => setZoom((z) => nextZoom(z, -1))}
            >
              −
            </button>
            <button type="button" className="btn btn--ghost btn--small" data-testid="zoom-fit" onClick={() => setZoom(1)}>
              {zoom === 1 ? '适应窗口' : `${Math.round(zoom * 100)}%`}
            </button>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              aria-label="放大"
              data-testid="zoom-in"
              disabled={zoom >= 4}
              onClick={() => setZoom((z) => nextZoom(z, 1))}
            >
              +
            </button>
          </div>
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label="关闭"
          data-testid="detail-close"
          onClick={() => setReview({ batchId: batch.id, itemId: null })}
        >
          <CloseIcon />
        </button>
      </div>
      <div className="viewer__body">
        <div className="viewer__main">
          {!result ? (
            <Pane label="原图" path={item.path} zoom={zoom} testId="detail-input" />
          ) : mode === 'slider' && !poses ? (
            <Compare input={item.path} result={result} zoom={zoom} split={split} onSplit={setSplit} />
          ) : (
            <div className="viewer__side" data-testid="side-by-side">
              <Pane label="原图" path={item.path} zoom={zoom} testId="detail-input" />
              <Pane label={poses ? poseLabel(result, pose) : '结果'} path={result} zoom={zoom} testId="detail-result" />
            </div>
          )}
          {poses && item.stage === 'done' ? <PoseSheet files={item.files} selected={pose} onSelect={setPose} /> : null}
        </div>
        <aside className="viewer__side-panel">
          <Actions item={item} result={result} onRedo={() => setRedo(true)} onExport={onExport} />
          <Facts item={item} result={result} />
        </aside>
      </div>
      {redo ? <RedoDialog batch={batch} items={[item]} app={app} onClose={() => setRedo(false)} /> : null}
    </div>
  );
}

function Pane({ label, path, zoom, testId }: { label: string; path: string; zoom: number; testId: string }) {
  return (
    <figure className="pane">
      <figcaption className="pane__label">{label}</figcaption>
      <div className="pane__scroll">
        <div className="pane__canvas" style={{ width: `${zoom * 100}%`, height: `${zoom * 100}%` }}>
          <Preview path={path} size="detail" alt={label} testId={testId} />
        </div>
      </div>
    </figure>
  );
}

/** The result over the input, cut at the slider: the input shows left of it, the result right of it. */
function Compare({
  input,
  result,
  zoom,
  split,
  onSplit,
}: {
  input: string;
  result: string;
  zoom: number;
  split: number;
  onSplit: (n: number) => void;
}) {
  return (
    <div className="compare" data-testid="compare">
      <div className="pane__scroll">
        <div className="compare__stage pane__canvas" style={{ width: `${zoom * 100}%`, height: `${zoom * 100}%` }}>
          <div className="compare__layer">
            <Preview path={input} size="detail" alt="原图" testId="detail-input" />
          </div>
          <div
            className="compare__layer compare__layer--result"
            style={{ clipPath: `inset(0 0 0 ${split}%)` }}
            data-testid="compare-result"
          >
            <Preview path={result} size="detail" alt="结果" testId="detail-result" />
          </div>
          <div className="compare__handle" style={{ left: `${split}%` }} aria-hidden="true" />
        </div>
      </div>
      <span className="compare__tag compare__tag--left">原图</span>
      <span className="compare__tag compare__tag--right">结果</span>
      <input
        className="compare__slider"
        type="range"
        min={0}
        max={100}
        step={1}
        value={split}
        aria-label="对比位置：左边原图，右边结果"
        data-testid="compare-slider"
        onChange={(e) => onSplit(Number(e.target.value))}
      />
    </div>
  );
}

function PoseSheet({ files, selected, onSelect }: { files: string[]; selected: number; onSelect: (i: number) => void }) {
  return (
    <div className="pose-sheet" data-testid="pose-sheet">
      {files.map((f, i) => (
        <button
          key={f}
          type="button"
          className={`pose-sheet__pose ${i === selected ? 'pose-sheet__pose--selected' : ''}`}
          data-testid="pose"
          aria-pressed={i === selected}
          onClick={() => onSelect(i)}
        >
          <Preview path={f} size="grid" alt={poseLabel(f, i)} />
          <span className="pose-sheet__label">{poseLabel(f, i)}</span>
        </button>
      ))}
    </div>
  );
}

function Actions({
  item,
  result,
  onRedo,
  onExport,
}: {
  item: ItemView;
  result: string | undefined;
  onRedo: () => void;
  onExport?: ExportHandler;
}) {
  return (
    <div className="viewer__actions">
      {result ? (
        <>
          <button type="button" className="btn btn--primary" data-testid="detail-open" onClick={() => void openFolder(result)}>
            <ImageIcon size={16} />
            打开
          </button>
          <button type="button" className="btn btn--secondary" data-testid="reveal-file" onClick={() => void revealFile(result)}>
            <FolderIcon size={16} />
            显示文件
          </button>
          <button type="button" className="btn btn--secondary" data-testid="detail-redo" onClick={onRedo}>
            <RefreshIcon size={16} />
            重做
          </button>
          {onExport ? (
            <button type="button" className="btn btn--secondary" data-testid="detail-export" onClick={() => onExport([item.id])}>
              导出为…
            </button>
          ) : null}
        </>
      ) : null}
      {item.retryable ? (
        <button type="button" className="btn btn--primary" data-testid="detail-retry" onClick={() => void retryItem(item.id)}>
          <RefreshIcon size={16} />
          重试
        </button>
      ) : null}
    </div>
  );
}

function Facts({ item, result }: { item: ItemView; result: string | undefined }) {
  const charge = item.stage === 'failed' ? chargeNote(item) : null;
  const rows: [string, string, string][] = [
    ['文件名', item.name, 'fact-name'],
    ['原图', item.path, 'fact-input'],
    ['大小', formatBytes(item.size), 'fact-size'],
    ['保存在', item.outputDir, 'fact-output'],
  ];
  if (result) rows.push(['结果文件', baseName(result), 'fact-result']);
  if (item.files.length > 1) rows.push(['结果数', `${item.files.length} 张`, 'fact-count']);
  if (item.taskId) rows.push(['任务编号', item.taskId, 'fact-task']);
  if (item.stage === 'failed') rows.push(['原因', failureText(item), 'fact-error'], ['次数', charge!.text, 'fact-charge']);
  return (
    <dl className="fields viewer__facts" data-testid="detail-facts">
      {rows.map(([k, v, id]) => (
        <div className="fields__row" key={k}>
          <dt>{k}</dt>
          <dd data-testid={id}>{v}</dd>
        </div>
      ))}
      <div className="fields__row">
        <dt>提示</dt>
        <dd className="muted">← / → 切换图片，+ / − 缩放，Esc 关闭</dd>
      </div>
    </dl>
  );
}
