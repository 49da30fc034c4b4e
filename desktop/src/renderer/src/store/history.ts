/** The 历史任务 list as state: filters, the rows loaded so far, paging and the selected row. Pure updates. */
import type { TaskRow, TaskPage } from '../../../shared/contract';
import type { TaskStatus, TaskType } from '@aizhao/shared';

export interface HistoryFilter {
  status?: TaskStatus;
  type?: TaskType;
}

export interface HistoryState {
  filter: HistoryFilter;
  rows: TaskRow[];
  nextCursor: string | null;
  loading: boolean;
  /** at least one page arrived for the current filter */
  loaded: boolean;
  /** pages shown: 1 after a (re)load, more after 加载更多 */
  pages: number;
  selectedId: string | null;
  /** increases with every request; an answer for an older one is dropped */
  requestSeq: number;
}

export const initialHistory: HistoryState = {
  filter: {},
  rows: [],
  nextCursor: null,
  loading: false,
  loaded: false,
  pages: 0,
  selectedId: null,
  requestSeq: 0,
};

/** A new filter: the list starts over. */
export const withFilter = (h: HistoryState, filter: HistoryFilter): HistoryState => ({
  ...h,
  filter,
  rows: [],
  nextCursor: null,
  loaded: false,
  pages: 0,
  selectedId: null,
});

export const startRequest = (h: HistoryState): HistoryState => ({ ...h, loading: true, requestSeq: h.requestSeq + 1 });

/** Applies the answer of request `seq`: appended to the list (加载更多) or replacing it. */
export function applyPage(h: HistoryState, seq: number, page: TaskPage, append: boolean): HistoryState {
  if (seq !== h.requestSeq) return h;
  const rows = append ? [...h.rows, ...page.items.filter((r) => !h.rows.some((o) => o.id === r.id))] : page.items;
  const selectedId = h.selectedId && rows.some((r) => r.id === h.selectedId) ? h.selectedId : null;
  return { ...h, rows, nextCursor: page.nextCursor, loading: false, loaded: true, pages: append ? h.pages + 1 : 1, selectedId };
}

/**
 * Whether the list may reload by itself (the app's tasks changed): only a first page that is not loading; a merchant
 * who paged further keeps what they are reading until 刷新.
 */
export const canAutoRefresh = (h: HistoryState): boolean => h.loaded && !h.loading && h.pages <= 1;

export const failRequest = (h: HistoryState, seq: number): HistoryState => (seq === h.requestSeq ? { ...h, loading: false } : h);

/** After 重新下载: the row's local files are the new ones. */
export const withRowFiles = (h: HistoryState, taskId: string, files: string[]): HistoryState => ({
  ...h,
  rows: h.rows.map((r) => (r.id === taskId ? { ...r, files } : r)),
});

/** The request filter for the current state and page. */
export const requestFilter = (h: HistoryState, append: boolean) => ({
  ...h.filter,
  ...(append && h.nextCursor ? { cursor: h.nextCursor } : {}),
});
