/**
 * 处理进度: the batches of this session, newest first — each with its status bar and counts and a windowed list of
 * its items — or, when a batch's results are opened, the review screen. `onExport` (the export dialog, wired by the
 * main screen) shows 导出全部 / 导出为…; without it those buttons are not shown.
 */
import { memo, useState } from 'react';
import type { AppState, BatchView, ClientOptions } from '../../../shared/contract';
import { formatDateTime, labelOf } from '../logic/format';
import { batchProgress, batchStatus, hasClearable, newestFirst } from '../logic/progress';
import { cancelBatch, clearFinishedBatches, openFolder, pauseBatch, resumeBatch } from '../store/actions';
import { setReview, setTab, useBusy, useStore } from '../store/app-store';
import { EmptyState } from './common';
import { FolderIcon, ImageIcon, UploadIcon } from './icons';
import { ItemList } from './progress/ItemList';
import { StatusBar, StatusCounts } from './progress/StatusBar';
import { ReviewScreen } from './review/ReviewScreen';
import { ExportDialog } from './ExportDialog';

/** Opens the export dialog for these items (results of one batch). */
export type ExportHandler = (itemIds: string[]) => void;

export function ProgressTab({ app, onExport }: { app: AppState; onExport?: ExportHandler }) {
  const clearing = useBusy('clearFinished');
  const review = useStore((s) => s.review);
  // the export dialog of this tab, unless the main screen opens its own
  const [exportIds, setExportIds] = useState<string[] | null>(null);
  const exportHandler: ExportHandler = onExport ?? setExportIds;
  const dialog = exportIds ? <ExportDialog itemIds={exportIds} onClose={() => setExportIds(null)} /> : null;
  const reviewed = review ? app.batches.find((b) => b.id === review.batchId) : undefined;
  if (review && reviewed) {
    return (
      <>
        <ReviewScreen batch={reviewed} itemId={review.itemId} app={app} onExport={exportHandler} />
        {dialog}
      </>
    );
  }
  const batches = newestFirst(app.batches);
  if (batches.length === 0) {
    return (
      <div className="card">
        <EmptyState icon={<UploadIcon size={28} />} title="还没有处理中的批次">
          <p>在「新建批次」里添加图片并开始处理，进度会显示在这里。</p>
          <button type="button" className="btn btn--primary" onClick={() => setTab('new')}>
            去新建批次
          </button>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="progress-tab">
      <div className="toolbar">
        <p className="muted">处理完成的图片会自动保存到本机，处理期间可以继续添加新的批次。失败可重试的图片清除时会保留。</p>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          data-testid="clear-finished"
          disabled={clearing || !hasClearable(batches)}
          onClick={() => void clearFinishedBatches()}
        >
          清除已完成
        </button>
      </div>
      {batches.map((b) => (
        <BatchCard key={b.id} batch={b} options={app.options} onExport={exportHandler} />
      ))}
      {dialog}
    </div>
  );
}

export function batchTitle(batch: Pick<BatchView, 'type' | 'params'>, options: ClientOptions | null): string {
  const type = options?.taskTypes.find((t) => t.type === batch.type)?.label ?? batch.type;
  const params = [
    batch.params.scene && labelOf(options?.scenes, batch.params.scene),
    batch.params.category && labelOf(options?.categories, batch.params.category),
  ];
  const details = params.filter(Boolean).join(' · ');
  return details ? `${type}（${details}）` : type;
}

function BatchControls({ batch }: { batch: BatchView }) {
  const busy = useBusy(`batch:${batch.id}`);
  const [confirming, setConfirming] = useState(false);
  if (confirming) {
    return (
      <div className="batch__controls batch__controls--confirm" data-testid="cancel-confirm">
        <span>取消后，还没扣次数的图片不再处理；已扣次数的会处理完并保存。</span>
        <button
          type="button"
          className="btn btn--danger btn--small"
          data-testid="cancel-confirm-yes"
          disabled={busy}
          onClick={() => void cancelBatch(batch.id).then(() => setConfirming(false))}
        >
          确定取消
        </button>
        <button type="button" className="btn btn--ghost btn--small" onClick={() => setConfirming(false)}>
          返回
        </button>
      </div>
    );
  }
  return (
    <div className="batch__controls">
      {batch.paused ? (
        <button
          type="button"
          className="btn btn--primary btn--small"
          data-testid="batch-resume"
          disabled={busy}
          onClick={() => void resumeBatch(batch.id)}
        >
          继续
        </button>
      ) : (
        <button
          type="button"
          className="btn btn--secondary btn--small"
          data-testid="batch-pause"
          disabled={busy}
          onClick={() => void pauseBatch(batch.id)}
        >
          暂停
        </button>
      )}
      <button
        type="button"
        className="btn btn--ghost btn--small"
        data-testid="batch-cancel"
        disabled={busy}
        onClick={() => setConfirming(true)}
      >
        取消批次
      </button>
    </div>
  );
}

/** Renders again only when its batch object changes (a patch keeps the objects of batches it does not touch). */
const BatchCard = memo(function BatchCard({
  batch,
  options,
  onExport,
}: {
  batch: BatchView;
  options: ClientOptions | null;
  onExport?: ExportHandler;
}) {
  const p = batchProgress(batch);
  const complete = p.finished === p.total;
  const status = batchStatus(batch, p);
  const doneIds = () => batch.items.filter((i) => i.stage === 'done').map((i) => i.id);
  return (
    <section className="card batch" data-testid="batch" data-batch-id={batch.id}>
      <div className="batch__head">
        <div>
          <h3 className="batch__title">{batchTitle(batch, options)}</h3>
          <div className="muted">
            {formatDateTime(batch.createdAt)} · {p.total} 张图片
            {batch.name ? ` · ${batch.name}` : ''}
          </div>
        </div>
        <div className="batch__figures">
          <span className="batch__count" data-testid="batch-count" title="已结束 / 全部">
            {p.finished}/{p.total}
          </span>
          <span className={`batch__status batch__status--${status.tone}`} data-testid="batch-status">
            {status.text}
          </span>
        </div>
      </div>
      <div className="batch__bar-row">
        <StatusBar progress={p} />
      </div>
      <div className="batch__foot">
        <StatusCounts progress={p} />
        <div className="batch__actions">
          {p.done > 0 ? (
            <button
              type="button"
              className="btn btn--secondary btn--small"
              data-testid="batch-review"
              onClick={() => setReview({ batchId: batch.id, itemId: null })}
            >
              <ImageIcon size={15} />
              查看结果
            </button>
          ) : null}
          {onExport && p.done > 0 ? (
            <button type="button" className="btn btn--ghost btn--small" data-testid="batch-export-all" onClick={() => onExport(doneIds())}>
              导出全部
            </button>
          ) : null}
          {batch.dir && p.done > 0 ? (
            <button type="button" className="btn btn--ghost btn--small" data-testid="batch-open-dir" onClick={() => void openFolder(batch.dir!)}>
              <FolderIcon size={15} />
              打开批次文件夹
            </button>
          ) : null}
          {!complete && !batch.cancelled ? <BatchControls batch={batch} /> : null}
        </div>
      </div>
      <ItemList items={batch.items} />
    </section>
  );
});
