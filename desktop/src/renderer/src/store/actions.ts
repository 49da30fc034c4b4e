/**
 * Everything the UI asks of the main process. Each action marks itself busy while it runs and turns a failure into a
 * toast (the DesktopError message is Chinese); the new `AppState` then arrives as a push.
 */
import {
  MAX_PATHS_PER_CALL,
  type ExportDefaults,
  type ExportItemsInput,
  type PaymentChoice,
  type StateMessage,
  type TaskRow,
  type WatchedFolderInput,
} from '../../../shared/contract';
import { api, errorMessage } from '../services/api';
import { setBusy, setTab, showToast, useStore, withAppState } from './app-store';
import {
  applyPage,
  canAutoRefresh,
  failRequest,
  requestFilter,
  startRequest,
  withFilter,
  withRowFiles,
  type HistoryFilter,
} from './history';
import { batchExportInput, resetExportChoice, useExportChoice } from './export-choice';
import { batchParams, chosenTaskType, draftCost } from './selectors';
import { applyStateMessage } from './state-sync';

/** Runs a call with a busy flag; a failure becomes a toast and the result `undefined`. */
export async function run<T>(key: string, call: () => Promise<T>): Promise<T | undefined> {
  if (useStore.getState().busy[key]) return undefined;
  setBusy(key, true);
  try {
    return await call();
  } catch (e) {
    showToast(errorMessage(e));
    return undefined;
  } finally {
    setBusy(key, false);
  }
}

/** Applies one state message; a patch that does not fit the state held asks for a snapshot. */
function receive(message: StateMessage, resync: () => void): void {
  const s = useStore.getState();
  const outcome = applyStateMessage(s.app && s.version >= 0 ? { version: s.version, app: s.app } : null, message);
  if (outcome.kind === 'applied') useStore.setState((st) => withAppState(st, outcome.synced.app, outcome.synced.version));
  else if (outcome.kind === 'resync') resync();
}

/**
 * Mirrors the main process's state: a snapshot at the start, then every pushed patch; a snapshot again whenever a
 * patch was missed. Returns the unsubscribe function.
 */
export function connect(): () => void {
  let asking = false;
  const resync = () => {
    if (asking) return;
    asking = true;
    api
      .getSnapshot()
      .then((snapshot) => receive(snapshot, () => {}))
      .catch((e: unknown) => showToast(errorMessage(e)))
      .finally(() => {
        asking = false;
      });
  };
  const off = api.onState((message) => receive(message, resync));
  resync();
  // a notification about a batch was clicked: show that batch
  const offNavigate = api.onNavigate((target) => {
    setTab(target.tab);
    requestAnimationFrame(() =>
      document.querySelector(`[data-batch-id="${CSS.escape(target.batchId)}"]`)?.scrollIntoView({ block: 'start' }),
    );
  });
  return () => {
    off();
    offNavigate();
  };
}

export const logout = () => run('logout', () => api.logout());

// ---- membership
export const startPurchase = (shortfall?: number) => run('purchase', () => (shortfall ? api.startPurchase(shortfall) : api.startPurchase()));
export const choosePayment = (choice: PaymentChoice) => run('purchase', () => api.choosePayment(choice));
export const simulatePayment = () => run('simulatePayment', () => api.simulatePayment());
export const closePurchase = () => run('closePurchase', () => api.closePurchase());

// ---- draft
/** Dropped or picked paths; a drop of things that are not local files (e.g. from a web page) has none. */
export async function addPaths(paths: string[]): Promise<void> {
  setTab('new');
  if (paths.length === 0) {
    showToast('没有可添加的文件，请拖入本机的图片或文件夹');
    return;
  }
  if (paths.length > MAX_PATHS_PER_CALL) showToast(`一次最多拖入 ${MAX_PATHS_PER_CALL} 个文件，其余的已忽略（可以拖入整个文件夹）`);
  await run('addFiles', () => api.addFiles(paths.slice(0, MAX_PATHS_PER_CALL)));
}

export async function pickFiles(): Promise<void> {
  await run('pickFiles', () => api.pickFiles());
}

export const removeDraftFile = (path: string) => run(`remove:${path}`, () => api.removeDraftFile(path));
export const clearDraft = () => run('clearDraft', () => api.clearDraft());

/** Starts the draft; `partial`: 先处理前 N 张 — only the photos the balance covers, the rest stay in the draft. */
export async function startBatch(partial = false): Promise<void> {
  const { app, choice } = useStore.getState();
  const type = chosenTaskType(app, choice);
  const cost = draftCost(app, choice);
  if (!type || !(partial ? cost.partial : cost.fits)) return;
  const limit = partial ? { limit: cost.partial } : {};
  const exports = batchExportInput(useExportChoice.getState(), app);
  const started = await run('startBatch', () =>
    api.startBatch({ type: type.type, params: batchParams(type.type, choice, app?.options), ...exports, ...limit }),
  );
  if (started) {
    resetExportChoice();
    setTab('progress');
  }
}

/** 仍然重新处理 (or back to the earlier result) for a draft photo. */
export const setReprocess = (path: string, reprocess: boolean) => run(`reprocess:${path}`, () => api.setReprocess(path, reprocess));

// ---- progress
export const retryItem = (itemId: string) => run(`retry:${itemId}`, () => api.retryItem(itemId));
export const pauseBatch = (batchId: string) => run(`batch:${batchId}`, () => api.pauseBatch(batchId));
export const resumeBatch = (batchId: string) => run(`batch:${batchId}`, () => api.resumeBatch(batchId));
export const cancelBatch = (batchId: string) => run(`batch:${batchId}`, () => api.cancelBatch(batchId));
export const removeItem = (itemId: string) => run(`removeItem:${itemId}`, () => api.removeItem(itemId));
export const clearFinishedBatches = () => run('clearFinished', () => api.clearFinishedBatches());

/** 重做 (after the merchant confirmed the cost): a new batch of the same photos; the progress tab shows it. */
export async function redoItems(itemIds: string[]): Promise<boolean> {
  const started = await run(`redo:${itemIds.join(',')}`, () => api.redoItems(itemIds));
  if (!started) return false;
  setTab('progress');
  showToast(itemIds.length === 1 ? '已开始重做，新结果会在新的批次里' : `已开始重做 ${itemIds.length} 张，新结果会在新的批次里`, 'success');
  return true;
}
export const openFolder = (path: string) => run(`open:${path}`, () => api.openFolder(path));
export const revealFile = (path: string) => run(`reveal:${path}`, () => api.revealFile(path));

// ---- exports
export const exportItems = (input: ExportItemsInput) => run('exportItems', () => api.exportItems(input));
export const setExportDefaults = (d: ExportDefaults) => run('setExportDefaults', () => api.setExportDefaults(d));
// ---- hot folders
export const addWatchedFolder = (input: WatchedFolderInput) => run('addWatchedFolder', () => api.addWatchedFolder(input));
export const updateWatchedFolder = (id: string, change: Partial<WatchedFolderInput> & { paused?: boolean }) =>
  run(`watched:${id}`, () => api.updateWatchedFolder(id, change));
export const removeWatchedFolder = (id: string) => run(`watched:${id}`, () => api.removeWatchedFolder(id));

// ---- settings, updates, terms
export const chooseResultRoot = () => run('chooseResultRoot', () => api.chooseResultRoot());
export const checkForUpdates = () => run('checkForUpdates', () => api.checkForUpdates());
export const installUpdate = () => run('installUpdate', () => api.installUpdate());
export const acceptConsent = () => run('acceptConsent', () => api.acceptConsent());
export const legalText = (kind: 'terms' | 'privacy') => run(`legal:${kind}`, () => api.legalText(kind));

// ---- history
/** Loads the first page (or the next one, `append`). `quiet`: a reload the merchant did not ask for shows no error. */
export async function loadHistory(append = false, quiet = false): Promise<void> {
  useStore.setState((s) => ({ history: startRequest(s.history) }));
  const { history } = useStore.getState();
  const seq = history.requestSeq;
  try {
    const page = await api.listTasks(requestFilter(history, append));
    useStore.setState((s) => ({ history: applyPage(s.history, seq, page, append) }));
  } catch (e) {
    useStore.setState((s) => ({ history: failRequest(s.history, seq) }));
    if (!quiet) showToast(errorMessage(e));
  }
}

/** The app's tasks changed: reload the list if the merchant is on its first page. */
export function refreshHistoryQuietly(): Promise<void> {
  return canAutoRefresh(useStore.getState().history) ? loadHistory(false, true) : Promise.resolve();
}

export function setHistoryFilter(filter: HistoryFilter): Promise<void> {
  useStore.setState((s) => ({ history: withFilter(s.history, filter) }));
  return loadHistory(false);
}

export const selectTask = (id: string | null): void => useStore.setState((s) => ({ history: { ...s.history, selectedId: id } }));

export async function redownload(row: TaskRow): Promise<void> {
  const result = await run(`redownload:${row.id}`, () => api.redownload(row.id));
  if (!result) return;
  useStore.setState((s) => ({ history: withRowFiles(s.history, row.id, result.files) }));
  showToast(`已重新下载 ${result.files.length} 个文件`, 'success');
}
