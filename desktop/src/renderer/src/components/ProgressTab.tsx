/** 处理进度: the batches of this session, newest first, with every item's stage and what can be done with it. */
import { useState } from 'react';
import type { AppState, BatchView, ClientOptions, ItemView } from '../../../shared/contract';
import { formatBytes, formatDateTime, labelOf } from '../logic/format';
import { batchProgress, chargeNote, failureText, hasFinishedBatch, newestFirst, uploadFraction } from '../logic/progress';
import { stageView } from '../logic/stages';
import { cancelBatch, clearFinishedBatches, openFolder, pauseBatch, removeItem, resumeBatch, retryItem, revealFile } from '../store/actions';
import { setTab, useBusy } from '../store/app-store';
import { Badge, EmptyState, ProgressBar, Thumbnail } from './common';
import { FolderIcon, ImageIcon, RefreshIcon, UploadIcon } from './icons';

export function ProgressTab({ app }: { app: AppState }) {
  const clearing = useBusy('clearFinished');
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
        <p className="muted">处理完成的图片会自动保存到本机，处理期间可以继续添加新的批次。</p>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          data-testid="clear-finished"
          disabled={clearing || !hasFinishedBatch(batches)}
          onClick={() => void clearFinishedBatches()}
        >
          清除已完成的批次
        </button>
      </div>
      {batches.map((b) => (
        <BatchCard key={b.id} batch={b} options={app.options} />
      ))}
    </div>
  );
}

function batchTitle(batch: BatchView, options: ClientOptions | null): string {
  const type = options?.taskTypes.find((t) => t.type === batch.type)?.label ?? batch.type;
  const params = [
    batch.params.scene && labelOf(options?.scenes, batch.params.scene),
    batch.params.category && labelOf(options?.categories, batch.params.category),
  ];
  const details = params.filter(Boolean).join(' · ');
  return details ? `${type}（${details}）` : type;
}

/** What a charged item of a cancelled batch does (the server's refund rule: only a failed task is refunded). */
export const KEPT_AFTER_CANCEL = '已扣次数，取消后仍会处理完并保存结果；处理失败会自动退还次数';

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
        <button type="button" className="btn btn--primary btn--small" data-testid="batch-resume" disabled={busy} onClick={() => void resumeBatch(batch.id)}>
          继续
        </button>
      ) : (
        <button type="button" className="btn btn--secondary btn--small" data-testid="batch-pause" disabled={busy} onClick={() => void pauseBatch(batch.id)}>
          暂停
        </button>
      )}
      <button type="button" className="btn btn--ghost btn--small" data-testid="batch-cancel" disabled={busy} onClick={() => setConfirming(true)}>
        取消批次
      </button>
    </div>
  );
}

function BatchCard({ batch, options }: { batch: BatchView; options: ClientOptions | null }) {
  const p = batchProgress(batch);
  const complete = p.finished === p.total;
  const status = complete ? '已全部结束' : batch.cancelled ? '已取消，剩余的处理中' : batch.paused ? '已暂停' : `${p.percent}%`;
  return (
    <section className="card batch" data-testid="batch" data-batch-id={batch.id}>
      <div className="batch__head">
        <div>
          <h3 className="batch__title">{batchTitle(batch, options)}</h3>
          <div className="muted">
            {formatDateTime(batch.createdAt)} · {p.total} 张图片
          </div>
        </div>
        <div className="batch__figures">
          <span className="batch__count" data-testid="batch-count">
            {p.finished}/{p.total}
          </span>
          <span className={batch.paused && !complete ? 'batch__paused' : 'muted'} data-testid="batch-status">
            {status}
          </span>
        </div>
      </div>
      {!complete && !batch.cancelled ? <BatchControls batch={batch} /> : null}
      <ProgressBar value={p.percent / 100} tone={complete ? 'success' : 'accent'} label="批次进度" />
      <div className="batch__counts" data-testid="batch-counts">
        已完成 {p.done} · 失败 {p.failed} · {batch.paused ? '暂停中' : '进行中'} {p.active}
        {p.cancelled ? ` · 已取消 ${p.cancelled}` : ''}
      </div>
      <ul className="items">
        {batch.items.map((item) => (
          <ItemRow key={item.id} item={item} />
        ))}
      </ul>
    </section>
  );
}

function ItemRow({ item }: { item: ItemView }) {
  const stage = stageView(item.stage);
  const retrying = useBusy(`retry:${item.id}`);
  const removing = useBusy(`removeItem:${item.id}`);
  const firstResult = item.files[0];
  return (
    <li className="item" data-testid="item" data-stage={item.stage}>
      <Thumbnail path={item.stage === 'done' && firstResult ? firstResult : item.path} size="md" alt={item.name} />
      <div className="item__main">
        <div className="item__name" title={item.path}>
          {item.name}
        </div>
        <ItemDetail item={item} />
      </div>
      <Badge tone={stage.tone}>{stage.label}</Badge>
      <div className="item__actions">
        {item.stage === 'done' ? (
          <>
            <button
              type="button"
              className="btn btn--secondary btn--small"
              data-testid="open-folder"
              onClick={() => void openFolder(item.outputDir)}
            >
              <FolderIcon size={15} />
              打开文件夹
            </button>
            {firstResult ? (
              <button
                type="button"
                className="btn btn--ghost btn--small"
                data-testid="reveal-file"
                onClick={() => void revealFile(firstResult)}
              >
                <ImageIcon size={15} />
                显示文件
              </button>
            ) : null}
          </>
        ) : null}
        {item.retryable ? (
          <button
            type="button"
            className="btn btn--secondary btn--small"
            data-testid="item-retry"
            disabled={retrying}
            onClick={() => void retryItem(item.id)}
          >
            <RefreshIcon size={15} />
            重试
          </button>
        ) : null}
        {item.removable && item.stage !== 'done' && item.stage !== 'cancelled' ? (
          <button
            type="button"
            className="btn btn--ghost btn--small"
            data-testid="item-remove"
            title="移出这批（未扣次数）"
            disabled={removing}
            onClick={() => void removeItem(item.id)}
          >
            移除
          </button>
        ) : null}
      </div>
    </li>
  );
}

function ItemDetail({ item }: { item: ItemView }) {
  switch (item.stage) {
    case 'uploading':
      return (
        <div className="item__upload">
          <ProgressBar value={uploadFraction(item)} tone="info" label="上传进度" />
          <span className="muted" data-testid="item-bytes">
            {formatBytes(item.uploadedBytes)} / {formatBytes(item.size)}
          </span>
        </div>
      );
    case 'done':
      return (
        <div className="muted">
          已生成 {item.files.length} 张 · 保存在 {item.outputDir}
          {item.reused ? <span data-testid="item-reused"> · 已处理过，直接使用上次结果，不扣次数</span> : null}
        </div>
      );
    case 'failed': {
      const charge = chargeNote(item);
      return (
        <div className="item__error">
          <span className="item__reason" data-testid="item-error">
            {failureText(item)}
          </span>
          <span className={charge.refunded ? 'item__refund' : 'muted'} data-testid="item-refund">
            {charge.text}
          </span>
        </div>
      );
    }
    case 'cancelled':
      return (
        <div className="muted" data-testid="item-cancelled">
          {item.errorReason ?? '已取消，未扣次数'}
        </div>
      );
    case 'processing':
    case 'downloading':
      return (
        <div className={item.keptAfterCancel ? 'item__kept' : 'muted'} data-testid={item.keptAfterCancel ? 'item-kept' : undefined}>
          {item.keptAfterCancel ? KEPT_AFTER_CANCEL : item.stage === 'processing' ? 'AI 正在处理，请稍候' : '正在保存结果到本机'}
        </div>
      );
    case 'creating':
      return <div className="muted">已上传，正在提交任务</div>;
    default:
      return <div className="muted">{formatBytes(item.size)} · 等待上传</div>;
  }
}
