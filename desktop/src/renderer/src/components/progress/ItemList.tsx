/**
 * A batch's items as a windowed list (@tanstack/react-virtual): only the rows in view (and a few around them) are in
 * the DOM, each a memoised row that renders again only when its own item object changes — a state patch keeps the
 * objects of the items it does not name (see `store/state-sync.ts`). Rows have one fixed height; paths and ids are
 * in the detail view, not here.
 */
import { ExportBadges } from '../ExportDialog';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useRef } from 'react';
import type { ItemView } from '../../../../shared/contract';
import { formatBytes } from '../../logic/format';
import { chargeNote, failureText, uploadFraction } from '../../logic/progress';
import { stageView } from '../../logic/stages';
import { openFolder, removeItem, retryItem } from '../../store/actions';
import { setReview, useBusy } from '../../store/app-store';
import { Badge, ProgressBar, Thumbnail } from '../common';
import { FolderIcon, ImageIcon, RefreshIcon } from '../icons';

/** one row's height in px (the CSS of `.item` keeps to it) */
export const ROW_HEIGHT = 68;
/** rows shown before the list scrolls inside its card */
const VISIBLE_ROWS = 8;

/** What a charged item of a cancelled batch does (the server's refund rule: only a failed task is refunded). */
export const KEPT_AFTER_CANCEL = '已扣次数，取消后仍会处理完并保存结果；处理失败会自动退还次数';

export function ItemList({ items }: { items: readonly ItemView[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    initialRect: { width: 900, height: VISIBLE_ROWS * ROW_HEIGHT },
    getItemKey: (index) => items[index]!.id,
  });
  const height = Math.min(items.length, VISIBLE_ROWS) * ROW_HEIGHT;
  return (
    <div className="items" ref={scroller} style={{ height }} data-testid="item-list" data-count={items.length}>
      <ul className="items__canvas" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((row) => (
          <ItemRow key={row.key} item={items[row.index]!} top={row.start} />
        ))}
      </ul>
    </div>
  );
}

const ItemRow = memo(function ItemRow({ item, top }: { item: ItemView; top: number }) {
  const stage = stageView(item.stage);
  const retrying = useBusy(`retry:${item.id}`);
  const removing = useBusy(`removeItem:${item.id}`);
  const firstResult = item.files[0];
  return (
    <li className="item" data-testid="item" data-stage={item.stage} data-item-id={item.id} style={{ transform: `translateY(${top}px)` }}>
      <Thumbnail path={item.stage === 'done' && firstResult ? firstResult : item.path} size="md" alt={item.name} />
      <div className="item__main">
        <div className="item__name">
          {item.name}
          <ExportBadges files={item.exports} />
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
              data-testid="item-view"
              onClick={() => setReview({ batchId: item.batchId, itemId: item.id })}
            >
              <ImageIcon size={15} />
              查看
            </button>
            <button
              type="button"
              className="btn btn--ghost btn--small"
              data-testid="open-folder"
              onClick={() => void openFolder(item.outputDir)}
            >
              <FolderIcon size={15} />
              打开文件夹
            </button>
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
});

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
          已生成 {item.files.length} 张，已保存到本机
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
      return <div className="muted">{formatBytes(item.size)} · 排队等待上传</div>;
  }
}
