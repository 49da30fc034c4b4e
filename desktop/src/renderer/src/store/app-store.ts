/**
 * The renderer's one store: the latest `AppState` pushed by the main process, and the UI's own state (tab, draft
 * choices, history list, busy flags, toasts). Actions that call the main process live in `actions.ts`.
 */
import { create } from 'zustand';
import type { AppState } from '../../../shared/contract';
import { initialHistory, type HistoryState } from './history';
import { emptyChoice, type DraftChoice } from './selectors';
import { dropToast, pushToast, type Toast, type ToastKind } from './toasts';

export const TABS = ['new', 'progress', 'history', 'settings'] as const;
export type TabName = (typeof TABS)[number];

/** The review screen: a batch's results as a grid, and the result opened in the detail view (null: none). */
export interface ReviewState {
  batchId: string;
  itemId: string | null;
}

export interface StoreState {
  app: AppState | null;
  /** the version of `app` (see `state-sync.ts`); -1 before the first state */
  version: number;
  review: ReviewState | null;
  tab: TabName;
  choice: DraftChoice;
  /** calls in flight, by key (e.g. `startBatch`, `retry:<itemId>`) */
  busy: Record<string, true>;
  toasts: Toast[];
  sessionNoticeDismissed: boolean;
  /** the `at` of the refund notice the merchant closed */
  refundNoticeDismissed: string | null;
  /** files are being dragged over the window */
  dragActive: boolean;
  history: HistoryState;
}

export const initialStore: StoreState = {
  app: null,
  version: -1,
  review: null,
  tab: 'new',
  choice: emptyChoice,
  busy: {},
  toasts: [],
  sessionNoticeDismissed: false,
  refundNoticeDismissed: null,
  dragActive: false,
  history: initialHistory,
};

export const useStore = create<StoreState>()(() => initialStore);

/**
 * The store after a state push: a logout (or a session that ended) drops everything the merchant saw,
 * so the next login starts clean.
 */
export function withAppState(s: StoreState, app: AppState, version = s.version): StoreState {
  if (app.user) return { ...s, app, version };
  return { ...initialStore, app, version, toasts: s.toasts };
}

let toastSeq = 0;

export function showToast(message: string, kind: ToastKind = 'error'): void {
  toastSeq += 1;
  const toast = { id: toastSeq, kind, message };
  useStore.setState((s) => ({ toasts: pushToast(s.toasts, toast) }));
}

export const dismissToast = (id: number): void => useStore.setState((s) => ({ toasts: dropToast(s.toasts, id) }));

export const setTab = (tab: TabName): void => useStore.setState({ tab, review: null });

/** Opens a batch's results (`itemId`: one of them in the detail view); null closes the review. */
export const setReview = (review: ReviewState | null): void => useStore.setState(review ? { review, tab: 'progress' } : { review: null });

export const setChoice = (patch: Partial<DraftChoice>): void => useStore.setState((s) => ({ choice: { ...s.choice, ...patch } }));

export const setDragActive = (dragActive: boolean): void => {
  if (useStore.getState().dragActive !== dragActive) useStore.setState({ dragActive });
};

export const dismissSessionNotice = (): void => useStore.setState({ sessionNoticeDismissed: true });
export const dismissRefundNotice = (at: string): void => useStore.setState({ refundNoticeDismissed: at });

export function setBusy(key: string, on: boolean): void {
  useStore.setState((s) => {
    const busy = { ...s.busy };
    if (on) busy[key] = true;
    else delete busy[key];
    return { busy };
  });
}

export const useBusy = (key: string): boolean => useStore((s) => s.busy[key] === true);
