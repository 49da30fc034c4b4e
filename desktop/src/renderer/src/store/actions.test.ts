import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  INVOKE_CHANNELS,
  type AppState,
  type BridgeApi,
  type IpcResult,
  type StateMessage,
  type StatePatch,
  type StateSnapshot,
} from '../../../shared/contract';
import { appState, membership, taskRow } from '../../../../test/support/app-state-fixtures';
import { droppedPaths } from '../hooks/useFileDrop';
import { setExportChoice, useExportChoice } from './export-choice';
import { addPaths, connect, loadHistory, redownload, retryItem, run, setHistoryFilter, startBatch } from './actions';
import { initialStore, setChoice, setTab, useStore } from './app-store';
import { DesktopError } from '../services/api';

type Handler = (...args: any[]) => IpcResult<unknown> | Promise<IpcResult<unknown>>;

/** A bridge whose channels answer from `handlers` (default: ok null) and record their calls. */
function installBridge(handlers: Partial<Record<string, Handler>> = {}) {
  const calls: [string, unknown[]][] = [];
  const listeners = new Set<(m: StateMessage) => void>();
  const bridge = Object.fromEntries(
    INVOKE_CHANNELS.map((c) => [
      c,
      async (...args: unknown[]) => {
        calls.push([c, args]);
        return (handlers[c] ?? (() => ({ ok: true, value: null })))(...args);
      },
    ]),
  ) as unknown as BridgeApi;
  bridge.pathForFile = (file: File) => (file.name.startsWith('web-') ? '' : `/Users/shop/${file.name}`);
  bridge.onState = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  bridge.onNavigate = () => () => {};
  (globalThis as any).window = { api: bridge };
  return { calls, push: (m: StateMessage) => listeners.forEach((l) => l(m)), listeners };
}

const ok = <T>(value: T): IpcResult<T> => ({ ok: true, value });
const fail = (message: string): IpcResult<never> => ({ ok: false, error: { code: 'X', message } });
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => useStore.setState(initialStore, true));
afterEach(() => delete (globalThis as any).window);

describe('connect', () => {
  const snap = (version: number, state: AppState): StateSnapshot => ({ kind: 'snapshot', version, state });
  const offlinePatch = (base: number, offline: boolean): StatePatch => ({
    kind: 'patch',
    version: base + 1,
    base,
    fields: { offline },
    batches: { changed: [], removed: [], order: null },
    items: { changed: [], removed: [] },
  });

  it('takes the first state from a snapshot, then applies patches, and unsubscribes', async () => {
    const first = appState();
    const bridge = installBridge({ getSnapshot: () => ok(snap(4, first)) });
    const off = connect();
    await tick();
    expect(useStore.getState().app).toEqual(first);
    bridge.push(offlinePatch(4, true));
    expect(useStore.getState().app).toEqual({ ...first, offline: true });
    expect(useStore.getState().version).toBe(5);
    off();
    expect(bridge.listeners.size).toBe(0);
  });

  it('keeps a push that arrived before the snapshot answer (the older snapshot is dropped)', async () => {
    let answer: (r: IpcResult<StateSnapshot>) => void = () => undefined;
    const bridge = installBridge({ getSnapshot: () => new Promise((r) => (answer = r)) });
    connect();
    const pushed = appState({ offline: true });
    bridge.push(snap(7, pushed));
    answer(ok(snap(6, appState())));
    await tick();
    expect(useStore.getState().app).toBe(pushed);
  });

  it('asks for a snapshot when a patch was missed, and applies none out of order', async () => {
    const state = appState();
    let version = 2;
    const bridge = installBridge({ getSnapshot: () => ok(snap(version, { ...state, offline: version > 2 })) });
    connect();
    await tick();
    expect(bridge.calls.filter(([c]) => c === 'getSnapshot')).toHaveLength(1);
    version = 4;
    bridge.push(offlinePatch(3, true)); // 3 → 4, but this renderer holds 2: patch 2 → 3 was missed
    expect(useStore.getState().version).toBe(2);
    expect(useStore.getState().app?.offline).toBe(false);
    await tick();
    expect(bridge.calls.filter(([c]) => c === 'getSnapshot')).toHaveLength(2);
    expect(useStore.getState()).toMatchObject({ version: 4, app: { offline: true } });
  });

  it('forgets the UI state of the previous merchant on logout', async () => {
    const bridge = installBridge({ getSnapshot: () => ok(snap(1, appState())) });
    connect();
    await tick();
    setTab('history');
    setChoice({ type: 'model_pose12', scene: 'street' });
    bridge.push(snap(2, appState({ user: null, membership: null })));
    const s = useStore.getState();
    expect(s.tab).toBe('new');
    expect(s.choice.type).toBeNull();
    expect(s.app?.user).toBeNull();
  });
});

describe('run', () => {
  it('marks the key busy while the call runs and shows a failure as a toast', async () => {
    installBridge();
    let release: () => void = () => undefined;
    const pending = run(
      'k',
      () => new Promise<never>((_, reject) => (release = () => reject(new DesktopError('NETWORK', '无法连接服务器，请检查网络后重试')))),
    );
    expect(useStore.getState().busy.k).toBe(true);
    expect(await run('k', async () => 'second')).toBeUndefined();
    release();
    expect(await pending).toBeUndefined();
    expect(useStore.getState().busy.k).toBeUndefined();
    expect(useStore.getState().toasts.map((t) => t.message)).toEqual(['无法连接服务器，请检查网络后重试']);
  });

  it('returns the value of a call that worked', async () => {
    installBridge();
    expect(await run('k', async () => 42)).toBe(42);
    expect(useStore.getState().toasts).toEqual([]);
  });
});

describe('draft and batches', () => {
  const draft = { files: [{ path: '/a.jpg', name: 'a.jpg', size: 10 }], rejected: [] };

  it('starts a batch with the chosen type and params and shows the progress tab', async () => {
    const bridge = installBridge({ startBatch: () => ok({ batchId: 'b1' }) });
    useStore.setState({ app: appState({ draft }) });
    setChoice({ type: 'model_pose12', scene: 'indoor', category: 'hoodie' });
    await startBatch();
    // the export presets and layout of 设置 go with it
    expect(bridge.calls).toEqual([
      ['startBatch', [{ type: 'model_pose12', params: { scene: 'indoor', category: 'hoodie', model: 'female' }, presets: [{ id: 'taobao' }], flat: false }]],
    ]);
    expect(useStore.getState().tab).toBe('progress');
  });

  it('sends the batch name, presets and flat layout chosen in the form, then forgets them', async () => {
    const bridge = installBridge({ startBatch: () => ok({ batchId: 'b2' }) });
    useStore.setState({ app: appState({ draft }) });
    setChoice({ type: 'basic_clean' });
    setExportChoice({ name: ' 春装上新 ', presets: [{ id: 'amazon' }, { id: 'jd' }], flat: true });
    await startBatch();
    expect(bridge.calls).toEqual([
      ['startBatch', [{ type: 'basic_clean', params: {}, name: '春装上新', presets: [{ id: 'amazon' }, { id: 'jd' }], flat: true }]],
    ]);
    expect(useExportChoice.getState()).toEqual({ name: '', presets: null, flat: null });
  });

  it('does not start what does not fit, and stays on the tab when main refuses', async () => {
    const bridge = installBridge({ startBatch: () => fail('剩余次数不足') });
    useStore.setState({ app: appState({ draft, membership: membership({ quotaRemaining: 0 }) }) });
    await startBatch();
    expect(bridge.calls).toEqual([]);
    useStore.setState({ app: appState({ draft }) });
    await startBatch();
    expect(bridge.calls.map((c) => c[0])).toEqual(['startBatch']);
    expect(useStore.getState().tab).toBe('new');
    expect(useStore.getState().toasts[0]?.message).toBe('剩余次数不足');
  });

  it('adds dropped files by their local paths and skips what has none', async () => {
    const bridge = installBridge();
    setTab('settings');
    const files = [new File(['x'], 'a.jpg'), new File(['x'], 'web-b.jpg'), new File(['x'], '新款')] as unknown as FileList;
    await addPaths(droppedPaths(files));
    expect(bridge.calls).toEqual([['addFiles', [['/Users/shop/a.jpg', '/Users/shop/新款']]]]);
    expect(useStore.getState().tab).toBe('new');
  });

  it('says so when a drop holds no local file', async () => {
    const bridge = installBridge();
    await addPaths(droppedPaths([new File(['x'], 'web-a.jpg')] as unknown as FileList));
    expect(bridge.calls).toEqual([]);
    expect(useStore.getState().toasts[0]?.message).toMatch(/没有可添加的文件/);
  });

  it('retries an item through main', async () => {
    const bridge = installBridge();
    await retryItem('i9');
    expect(bridge.calls).toEqual([['retryItem', ['i9']]]);
  });
});

describe('history', () => {
  it('loads a first page, then the next one with the cursor, keeping the filter', async () => {
    const pages: Record<string, unknown> = {
      first: { items: [taskRow({ id: 't1' })], nextCursor: 'c2' },
      c2: { items: [taskRow({ id: 't2' })], nextCursor: null },
    };
    const bridge = installBridge({ listTasks: (f: { cursor?: string }) => ok(pages[f.cursor ?? 'first']) });
    await setHistoryFilter({ status: 'done' });
    await loadHistory(true);
    expect(bridge.calls).toEqual([
      ['listTasks', [{ status: 'done' }]],
      ['listTasks', [{ status: 'done', cursor: 'c2' }]],
    ]);
    expect(useStore.getState().history.rows.map((r) => r.id)).toEqual(['t1', 't2']);
    expect(useStore.getState().history.nextCursor).toBeNull();
  });

  it('shows a failed load as a toast and stops loading', async () => {
    installBridge({ listTasks: () => fail('登录已过期，请重新登录') });
    await loadHistory(false);
    expect(useStore.getState().history.loading).toBe(false);
    expect(useStore.getState().toasts[0]?.message).toBe('登录已过期，请重新登录');
  });

  it('puts re-downloaded files on the row and confirms', async () => {
    installBridge({
      listTasks: () => ok({ items: [taskRow({ id: 't1' })], nextCursor: null }),
      redownload: () => ok({ files: ['/r/a_白底.jpg'] }),
    });
    await loadHistory(false);
    await redownload(useStore.getState().history.rows[0]!);
    expect(useStore.getState().history.rows[0]!.files).toEqual(['/r/a_白底.jpg']);
    expect(useStore.getState().toasts[0]).toMatchObject({ kind: 'success', message: '已重新下载 1 个文件' });
  });
});
