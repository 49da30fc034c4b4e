/** 历史任务: the merchant's tasks from the server, filtered and paged, with a detail panel for the selected one. */
import { useEffect } from 'react';
import type { AppState, ClientOptions, TaskRow } from '../../../shared/contract';
import type { TaskStatus, TaskType } from '@aizhao/shared';
import { formatDateTime, labelOf, resultCountLabel, retentionNote } from '../logic/format';
import { taskStatusView } from '../logic/stages';
import { loadHistory, openFolder, redownload, refreshHistoryQuietly, selectTask, setHistoryFilter } from '../store/actions';
import { taskChangeKey } from '../store/selectors';
import { useThrottledEffect } from '../hooks/useThrottledEffect';
import { useBusy, useStore } from '../store/app-store';
import { Badge, EmptyState, Spinner, Thumbnail } from './common';
import { CloseIcon, FolderIcon, ImageIcon, RefreshIcon } from './icons';

const STATUS_FILTERS: { value: TaskStatus | undefined; label: string }[] = [
  { value: undefined, label: '全部' },
  { value: 'processing', label: '处理中' },
  { value: 'done', label: '已完成' },
  { value: 'failed', label: '失败' },
];

/** at most one automatic reload of the list this often while tasks change */
const HISTORY_AUTO_REFRESH_MS = 1500;

const typeLabel = (options: ClientOptions | null, type: TaskType) => options?.taskTypes.find((t) => t.type === type)?.label ?? type;

export function HistoryTab({ app }: { app: AppState }) {
  const history = useStore((s) => s.history);
  const { filter, rows, loading, loaded, nextCursor, selectedId } = history;
  const selected = rows.find((r) => r.id === selectedId) ?? null;

  useEffect(() => {
    void loadHistory(false);
  }, []);
  // tasks created or ended in this app show up without 刷新
  useThrottledEffect(taskChangeKey(app), () => void refreshHistoryQuietly(), HISTORY_AUTO_REFRESH_MS);

  return (
    <div className={`history ${selected ? 'history--with-detail' : ''}`}>
      <section className="card history__list">
        <div className="filters">
          <div className="segmented" role="group" aria-label="状态">
            {STATUS_FILTERS.map((f) => (
              <button
                key={f.label}
                type="button"
                className={`segmented__item ${filter.status === f.value ? 'segmented__item--active' : ''}`}
                data-testid={`history-status-${f.value ?? 'all'}`}
                onClick={() => void setHistoryFilter({ ...filter, status: f.value })}
              >
                {f.label}
              </button>
            ))}
          </div>
          <select
            className="input select filters__type"
            data-testid="history-type"
            aria-label="类型"
            value={filter.type ?? ''}
            onChange={(e) => void setHistoryFilter({ ...filter, type: (e.target.value || undefined) as TaskType | undefined })}
          >
            <option value="">全部类型</option>
            {app.options?.taskTypes.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="btn btn--ghost btn--small filters__refresh"
            data-testid="history-refresh"
            disabled={loading}
            onClick={() => void loadHistory(false)}
          >
            <RefreshIcon size={15} />
            刷新
          </button>
        </div>

        {rows.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th>创建时间</th>
                <th>图片</th>
                <th>类型</th>
                <th>状态</th>
                <th className="num">结果</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const status = taskStatusView(r.status);
                return (
                  <tr
                    key={r.id}
                    className={r.id === selectedId ? 'table__row--selected' : ''}
                    data-testid="history-row"
                    data-task-id={r.id}
                    tabIndex={0}
                    onClick={() => selectTask(r.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') selectTask(r.id);
                    }}
                  >
                    <td className="nowrap">{formatDateTime(r.createdAt)}</td>
                    <td className="table__name">{r.name ?? '—'}</td>
                    <td>{typeLabel(app.options, r.type)}</td>
                    <td>
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td className="num">{resultCountLabel(r)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ) : loaded ? (
          <EmptyState icon={<ImageIcon size={28} />} title="没有符合条件的任务" />
        ) : (
          <div className="history__loading">
            <Spinner label="正在加载…" />
          </div>
        )}

        {nextCursor ? (
          <div className="history__more">
            <button
              type="button"
              className="btn btn--secondary"
              data-testid="history-more"
              disabled={loading}
              onClick={() => void loadHistory(true)}
            >
              {loading ? '正在加载…' : '加载更多'}
            </button>
          </div>
        ) : null}
      </section>

      {selected ? <TaskDetail row={selected} options={app.options} /> : null}
    </div>
  );
}

function TaskDetail({ row, options }: { row: TaskRow; options: ClientOptions | null }) {
  const downloading = useBusy(`redownload:${row.id}`);
  const status = taskStatusView(row.status);
  const folder = row.files.length > 0 ? row.outputDir : null;
  const fields: [string, string][] = [
    ['图片', row.name ?? '—'],
    ['类型', typeLabel(options, row.type)],
    ...(row.params.scene ? [['场景', labelOf(options?.scenes, row.params.scene)] as [string, string]] : []),
    ...(row.params.category ? [['品类', labelOf(options?.categories, row.params.category)] as [string, string]] : []),
    ...(row.params.model ? [['模特', labelOf(options?.models, row.params.model)] as [string, string]] : []),
    ['创建时间', formatDateTime(row.createdAt)],
    ['更新时间', formatDateTime(row.updatedAt)],
    ['结果数量', resultCountLabel(row)],
    ['本地文件', row.files.length > 0 ? `${row.files.length} 个` : '无'],
    ['保存位置', row.outputDir ?? '—'],
    ['任务编号', row.id],
  ];
  return (
    <aside className="card detail" data-testid="history-detail">
      <div className="detail__head">
        <h3>任务详情</h3>
        <Badge tone={status.tone}>{status.label}</Badge>
        <button type="button" className="icon-button detail__close" aria-label="关闭详情" onClick={() => selectTask(null)}>
          <CloseIcon size={16} />
        </button>
      </div>
      {row.status === 'failed' ? (
        <div className="detail__error" data-testid="history-error">
          失败原因：{row.errorReason ?? '未知'}
        </div>
      ) : null}
      <dl className="fields">
        {fields.map(([label, value]) => (
          <div className="fields__row" key={label}>
            <dt>{label}</dt>
            <dd title={value}>{value}</dd>
          </div>
        ))}
      </dl>
      {row.files.length > 0 ? (
        <ul className="detail__thumbs">
          {row.files.map((f) => (
            <li key={f} title={f}>
              <Thumbnail path={f} size="md" alt={f} />
            </li>
          ))}
        </ul>
      ) : null}
      <div className="detail__actions">
        {folder ? (
          <button type="button" className="btn btn--secondary" data-testid="open-folder" onClick={() => void openFolder(folder)}>
            <FolderIcon size={15} />
            打开文件夹
          </button>
        ) : null}
        {row.status === 'done' && !row.resultsExpired ? (
          <button
            type="button"
            className="btn btn--primary"
            data-testid="redownload"
            disabled={downloading}
            onClick={() => void redownload(row)}
          >
            {downloading ? '正在下载…' : '重新下载'}
          </button>
        ) : null}
      </div>
      {row.status === 'done' ? (
        <p className="hint" data-testid="retention-note">
          {retentionNote(row, options?.resultRetentionDays ?? null)}
        </p>
      ) : null}
    </aside>
  );
}
