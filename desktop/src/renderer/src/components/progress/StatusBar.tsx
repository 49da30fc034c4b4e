/**
 * A batch's status: a bar whose segments are the counts (成功 green, 失败 red, 进行中 blue, 排队中 grey, 已取消
 * light grey) — so it is all green only when every item succeeded, and never ahead of the fraction beside it — and
 * the counts in words.
 */
import { memo } from 'react';
import { SEGMENT_LABELS, statusSegments, type BatchProgress } from '../../logic/progress';

export const StatusBar = memo(function StatusBar({ progress }: { progress: BatchProgress }) {
  const segments = statusSegments(progress);
  const label = segments.map((s) => `${SEGMENT_LABELS[s.kind]} ${s.count}`).join('，');
  return (
    <div className="status-bar" role="img" aria-label={`批次进度：${label}`} data-testid="status-bar">
      {segments.map((s) => (
        // flex-grow by count: each segment's width is its share of the batch (set through the CSSOM: the CSP allows it)
        <span
          key={s.kind}
          className={`status-bar__segment status-bar__segment--${s.kind}`}
          data-segment={s.kind}
          data-count={s.count}
          style={{ flexGrow: s.count }}
        />
      ))}
    </div>
  );
});

export const StatusCounts = memo(function StatusCounts({ progress }: { progress: BatchProgress }) {
  const parts: [keyof typeof SEGMENT_LABELS, number][] = [
    ['done', progress.done],
    ['failed', progress.failed],
    ['running', progress.running],
    ['queued', progress.queued],
  ];
  if (progress.cancelled) parts.push(['cancelled', progress.cancelled]);
  return (
    <div className="batch__counts" data-testid="batch-counts">
      {parts.map(([kind, n], i) => (
        <span key={kind} className={`batch__tally batch__tally--${kind}`} data-tally={kind}>
          {i > 0 ? ' · ' : ''}
          {SEGMENT_LABELS[kind]} {n}
        </span>
      ))}
    </div>
  );
});
