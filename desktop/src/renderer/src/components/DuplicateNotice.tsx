/**
 * Before paying: the draft photos the merchant had processed before. An exact copy with the chosen type and
 * parameters reuses its earlier result for free (仍然重新处理 charges it again); a look-alike (resized, re-encoded)
 * is only flagged — it is processed and charged unless the merchant removes it.
 */
import type { AppState, DraftFile } from '../../../shared/contract';
import { reusedRun } from '../../../shared/reuse';
import { formatDateTime } from '../logic/format';
import { removeDraftFile, setReprocess } from '../store/actions';
import { useBusy, useStore } from '../store/app-store';
import { batchParams, chosenTaskType } from '../store/selectors';
import { AlertIcon } from './icons';

/** What the history says of a draft photo with the current choice. */
export type DuplicateKind = 'reused' | 'reprocess' | 'similar' | null;

export function duplicateKind(file: DraftFile, type: string | null, params: Parameters<typeof reusedRun>[2]): DuplicateKind {
  if (type && reusedRun(file, type, params)) return 'reused';
  if (type && file.reprocess && reusedRun({ ...file, reprocess: false }, type, params)) return 'reprocess';
  return file.similar ? 'similar' : null;
}

/** The current choice's duplicate kind of each draft photo. */
export function useDuplicateKinds(files: readonly DraftFile[], options: AppState['options']): Map<string, DuplicateKind> {
  const choice = useStore((s) => s.choice);
  const type = chosenTaskType({ options }, choice);
  const params = type ? batchParams(type.type, choice, options) : {};
  return new Map(files.map((f) => [f.path, duplicateKind(f, type?.type ?? null, params)]));
}

export function DuplicateNotice({ app }: { app: AppState }) {
  const kinds = useDuplicateKinds(app.draft.files, app.options);
  const rows = app.draft.files.filter((f) => kinds.get(f.path));
  if (rows.length === 0) return null;
  const reused = rows.filter((f) => kinds.get(f.path) === 'reused').length;
  const similar = rows.filter((f) => kinds.get(f.path) === 'similar').length;
  return (
    <section className="card dup" data-testid="duplicate-notice">
      <h3 className="dup__title">
        <AlertIcon size={16} />
        {reused ? `${reused} 张已处理过` : ''}
        {reused && similar ? '，' : ''}
        {similar ? `${similar} 张与处理过的图片相似` : ''}
        {!reused && !similar ? '将重新处理' : ''}
      </h3>
      <ul className="dup__list">
        {rows.map((f) => (
          <DuplicateRow key={f.path} file={f} kind={kinds.get(f.path)!} />
        ))}
      </ul>
    </section>
  );
}

function DuplicateRow({ file, kind }: { file: DraftFile; kind: Exclude<DuplicateKind, null> }) {
  const busy = useBusy(`reprocess:${file.path}`);
  const previous = file.previous?.find((p) => p.available);
  return (
    <li className={`dup__row dup__row--${kind}`} data-testid="duplicate-row" data-kind={kind} title={file.path}>
      <span className="dup__name">{file.name}</span>
      {kind === 'reused' ? (
        <>
          <span className="dup__text" data-testid="duplicate-reused">
            已处理过，直接使用上次结果，不扣次数
            {previous ? (
              <span className="muted">
                （{formatDateTime(previous.at)} 处理的「{previous.name}」）
              </span>
            ) : null}
          </span>
          <button
            type="button"
            className="btn btn--ghost btn--small"
            data-testid="reprocess"
            disabled={busy}
            onClick={() => void setReprocess(file.path, true)}
          >
            仍然重新处理
          </button>
        </>
      ) : kind === 'reprocess' ? (
        <>
          <span className="dup__text">将重新处理，按次数扣费</span>
          <button
            type="button"
            className="btn btn--ghost btn--small"
            data-testid="reuse-again"
            disabled={busy}
            onClick={() => void setReprocess(file.path, false)}
          >
            使用上次结果
          </button>
        </>
      ) : (
        <>
          <span className="dup__text" data-testid="duplicate-similar">
            与 {formatDateTime(file.similar!.at)} 处理的「{file.similar!.name}」相似（可能是缩放或重新压缩的同一张），仍会处理并扣次数
          </span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void removeDraftFile(file.path)}>
            不处理这张
          </button>
        </>
      )}
    </li>
  );
}
