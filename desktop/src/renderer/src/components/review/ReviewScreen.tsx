/**
 * A batch's results as a grid of large previews (windowed over the page's scroll: a batch of 2 000 keeps a few
 * rows in the DOM), and the detail view of one result on top. 导出全部 calls `onExport` with the done items.
 */
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { AppState, BatchView, ItemView } from '../../../../shared/contract';
import { formatDateTime } from '../../logic/format';
import { batchProgress } from '../../logic/progress';
import { stageView } from '../../logic/stages';
import { setReview } from '../../store/app-store';
import { Badge } from '../common';
import type { ExportHandler } from '../ProgressTab';
import { batchTitle } from '../ProgressTab';
import { StatusBar, StatusCounts } from '../progress/StatusBar';
import { DetailView } from './DetailView';
import { Preview } from './Preview';

const TILE_MIN = 220;
const GAP = 16;
/** the name line under each tile */
const CAPTION = 44;

/** The grid's width, followed as the window resizes. */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(1000);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function ReviewScreen({
  batch,
  itemId,
  app,
  onExport,
}: {
  batch: BatchView;
  itemId: string | null;
  app: AppState;
  onExport?: ExportHandler;
}) {
  const p = batchProgress(batch);
  const open = itemId ? batch.items.find((i) => i.id === itemId) : undefined;
  const done = batch.items.filter((i) => i.stage === 'done');
  return (
    <div className="review" data-testid="review" data-batch-id={batch.id}>
      <div className="card review__head">
        <button type="button" className="btn btn--ghost btn--small" data-testid="review-back" onClick={() => setReview(null)}>
          ← 返回处理进度
        </button>
        <div className="review__title">
          <h3>{batchTitle(batch, app.options)}</h3>
          <span className="muted">
            {formatDateTime(batch.createdAt)} · {p.done} 张结果 / {p.total} 张图片
          </span>
        </div>
        <div className="review__status">
          <StatusBar progress={p} />
          <StatusCounts progress={p} />
        </div>
        {onExport && done.length > 0 ? (
          <button
            type="button"
            className="btn btn--primary btn--small"
            data-testid="review-export-all"
            onClick={() => onExport(done.map((i) => i.id))}
          >
            导出全部
          </button>
        ) : null}
      </div>
      <ResultGrid items={batch.items} />
      {open ? <DetailView batch={batch} item={open} app={app} onExport={onExport} /> : null}
    </div>
  );
}

function ResultGrid({ items }: { items: readonly ItemView[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref);
  const columns = Math.max(1, Math.floor((width + GAP) / (TILE_MIN + GAP)));
  const tile = (width - GAP * (columns - 1)) / columns;
  const rowHeight = tile + CAPTION + GAP;
  const rows = Math.ceil(items.length / columns);
  const virtualizer = useWindowVirtualizer({
    count: rows,
    estimateSize: () => rowHeight,
    overscan: 2,
    scrollMargin: ref.current?.offsetTop ?? 0,
  });
  return (
    <div className="review__grid" ref={ref} data-testid="review-grid" data-columns={columns} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((row) => (
        <div
          key={row.key}
          className="review__row"
          style={{
            transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)`,
            gridTemplateColumns: `repeat(${columns}, 1fr)`,
          }}
        >
          {items.slice(row.index * columns, row.index * columns + columns).map((item) => (
            <Tile key={item.id} item={item} />
          ))}
        </div>
      ))}
    </div>
  );
}

const Tile = memo(function Tile({ item }: { item: ItemView }) {
  const stage = stageView(item.stage);
  const result = item.stage === 'done' ? item.files[0] : undefined;
  return (
    <button
      type="button"
      className="tile"
      data-testid="review-tile"
      data-item-id={item.id}
      data-stage={item.stage}
      onClick={() => setReview({ batchId: item.batchId, itemId: item.id })}
    >
      <span className="tile__image">
        <Preview path={result ?? item.path} size="grid" alt={item.name} />
        {item.stage !== 'done' ? (
          <span className="tile__badge">
            <Badge tone={stage.tone}>{stage.label}</Badge>
          </span>
        ) : null}
        {item.files.length > 1 ? <span className="tile__count">{item.files.length} 张</span> : null}
      </span>
      <span className="tile__name">{item.name}</span>
    </button>
  );
});
