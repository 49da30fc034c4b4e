/**
 * Maps an IPC call to the service: validates the arguments against `ipcArgs`, runs the call and wraps the outcome
 * in the `IpcResult` envelope. Electron's `ipcMain.handle` and the test bridge both call this.
 */
import type { DesktopApi, InvokeChannel, IpcResult } from '../shared/contract.js';
import type { AppService } from './app-service.js';
import { DesktopError, toErrorPayload } from './errors.js';
import { ipcArgs } from './ipc-schemas.js';

/** what a call answers inside its envelope */
type Value<K extends InvokeChannel> = Awaited<ReturnType<DesktopApi[K]>> extends IpcResult<infer T> ? T : never;
type Handlers = { [K in InvokeChannel]: (...args: Parameters<DesktopApi[K]>) => Value<K> | Promise<Value<K>> | void | Promise<void> };

function handlers(s: AppService): Handlers {
  return {
    getState: () => s.getState(),
    getSnapshot: () => s.getSnapshot(),
    sendCode: (phone) => s.sendCode(phone),
    login: (phone, code) => s.login(phone, code),
    logout: () => s.logout(),
    refreshMembership: async () => void (await s.refreshMembership()),
    startPurchase: (...args) => s.startPurchase(...args),
    choosePayment: (choice) => s.choosePayment(choice),
    simulatePayment: () => s.simulatePayment(),
    closePurchase: () => s.closePurchase(),
    addFiles: (paths) => s.addFiles(paths),
    pickFiles: () => s.pickFiles(),
    removeDraftFile: (path) => s.removeDraftFile(path),
    clearDraft: () => s.clearDraft(),
    startBatch: (input) => s.startBatch(input),
    retryItem: (id) => s.retryItem(id),
    pauseBatch: (id) => s.pauseBatch(id),
    resumeBatch: (id) => s.resumeBatch(id),
    cancelBatch: (id) => s.cancelBatch(id),
    removeItem: (id) => s.removeItem(id),
    clearFinishedBatches: () => s.clearFinishedBatches(),
    redoItems: (ids) => s.redoItems(ids),
    listTasks: (filter) => s.listTasks(filter),
    redownload: (taskId) => s.redownload(taskId),
    openFolder: (path) => s.openFolder(path),
    revealFile: (path) => s.revealFile(path),
    chooseResultRoot: () => s.chooseResultRoot(),
    thumbnail: (...args) => s.thumbnail(...args),
    checkForUpdates: () => s.checkForUpdates(),
    installUpdate: () => s.installUpdate(),
    legalText: (kind) => s.legalText(kind),
    acceptConsent: () => s.acceptConsent(),
    listExportPresets: () => s.listExportPresets(),
    exportItems: (input) => s.exportItems(input),
    exportResult: (input) => s.exportResult(input),
    setExportDefaults: (defaults) => s.setExportDefaults(defaults),
    setReprocess: (path, reprocess) => s.setReprocess(path, reprocess),
    addWatchedFolder: (input) => s.addWatchedFolder(input),
    updateWatchedFolder: (id, change) => s.updateWatchedFolder(id, change),
    removeWatchedFolder: (id) => s.removeWatchedFolder(id),
  };
}

export type Dispatch = (channel: string, args: unknown[]) => Promise<IpcResult<unknown>>;

export function createDispatcher(service: AppService): Dispatch {
  const table = handlers(service);
  return async (channel, args) => {
    try {
      if (!Object.hasOwn(ipcArgs, channel)) throw new DesktopError('UNKNOWN_CALL', '不支持的操作');
      const name = channel as InvokeChannel;
      const parsed = ipcArgs[name].safeParse(args);
      if (!parsed.success) throw new DesktopError('INVALID_INPUT', '参数不正确');
      const fn = table[name] as (...a: unknown[]) => unknown;
      const value = await fn(...(parsed.data as unknown[]));
      return { ok: true, value: value ?? null };
    } catch (e) {
      return { ok: false, error: toErrorPayload(e) };
    }
  };
}
