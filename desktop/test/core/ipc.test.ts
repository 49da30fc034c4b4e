/**
 * The IPC boundary: the contract's channel list, the argument schemas and the dispatcher agree; a malformed call or
 * an unknown channel never reaches the service; every outcome is a plain envelope (a DesktopError's code and Chinese
 * message, or a generic INTERNAL — never an Error object or internal text). And the built preload exposes exactly
 * one function per channel plus `pathForFile` and `onState`, and nothing of Electron or Node.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/app-service.js';
import { createDispatcher } from '../../src/core/dispatcher.js';
import { DesktopError } from '../../src/core/errors.js';
import { ipcArgs } from '../../src/core/ipc-schemas.js';
import { INVOKE_CHANNELS, STATE_EVENT, type DesktopApi, type InvokeChannel } from '../../src/shared/contract.js';
import { confStore, recordingPlatform, testSecretBox } from '../support/desktop.js';

const CHINESE = /[\u4e00-\u9fff]/;

/** one valid call per channel (the type makes a new channel without a sample a compile error) */
const VALID: { [K in InvokeChannel]: Parameters<DesktopApi[K]> } = {
  getState: [],
  getSnapshot: [],
  sendCode: ['13800138000'],
  login: ['13800138000', '123456'],
  logout: [],
  refreshMembership: [],
  startPurchase: [],
  choosePayment: [{ channel: 'alipay' }],
  simulatePayment: [],
  closePurchase: [],
  addFiles: [['/tmp/a.jpg', '/tmp/照片']],
  pickFiles: [],
  removeDraftFile: ['/tmp/a.jpg'],
  clearDraft: [],
  startBatch: [{ type: 'model_pose12', params: { scene: 'street', category: 'coat' } }],
  retryItem: ['7c1d3f0e-item'],
  pauseBatch: ['7c1d3f0e-batch'],
  resumeBatch: ['7c1d3f0e-batch'],
  cancelBatch: ['7c1d3f0e-batch'],
  removeItem: ['7c1d3f0e-item'],
  clearFinishedBatches: [],
  redoItems: [['7c1d3f0e-item']],
  listTasks: [{ status: 'done', type: 'basic_clean', cursor: 'abc' }],
  redownload: ['01HZZZZZZZZZZZZZZZZZZZZZZZ'],
  openFolder: ['/tmp/results/2024-06-18'],
  revealFile: ['/tmp/results/2024-06-18/a/a_白底.jpg'],
  chooseResultRoot: [],
  thumbnail: ['/tmp/a.jpg'],
  checkForUpdates: [],
  installUpdate: [],
  legalText: ['terms'],
  acceptConsent: [],
  listExportPresets: [],
  exportItems: [{ itemIds: ['7c1d3f0e-item'], presets: [{ id: 'amazon' }, { id: 'pose', aspect: '3:4', width: 750 }], contactSheet: true }],
  exportResult: [
    { itemId: '7c1d3f0e-item', preset: { id: 'custom', width: 1200, height: 1200, fill: 0.8, background: '#f0f0f0', format: 'jpeg' } },
  ],
  setExportDefaults: [{ presets: [{ id: 'taobao' }, { id: 'jd' }], flat: true }],
  setReprocess: ['/tmp/a.jpg', true],
  addWatchedFolder: [{ type: 'basic_clean', params: {}, presets: [{ id: 'taobao' }], dailyLimit: 50 }],
  updateWatchedFolder: ['7c1d3f0e-folder', { paused: true, dailyLimit: 20 }],
  removeWatchedFolder: ['7c1d3f0e-folder'],
};

const INVALID: [string, unknown][] = [
  ['getState', [1]],
  ['logout', [undefined]],
  ['chooseResultRoot', ['/tmp']],
  ['getState', 'not-an-array'],
  ['getState', null],
  ['sendCode', []],
  ['sendCode', [13800138000]],
  ['sendCode', ['1'.repeat(33)]],
  ['sendCode', ['13800138000', 'extra']],
  ['login', ['13800138000']],
  ['login', ['13800138000', 123456]],
  ['login', ['13800138000', '1'.repeat(17)]],
  ['addFiles', ['/tmp/a.jpg']],
  ['setReprocess', ['/tmp/a.jpg', 'yes']],
  ['addWatchedFolder', [{ type: 'basic_clean', params: {}, presets: [], dailyLimit: 0 }]],
  ['addWatchedFolder', [{ type: 'basic_clean', params: {}, presets: [], dailyLimit: 5, path: '/etc' }]],
  ['addWatchedFolder', [{ type: 'basic_clean', params: {}, presets: ['taobao'], dailyLimit: 5 }]], // presets are ExportPresets, not ids
  ['updateWatchedFolder', ['7c1d3f0e-folder', { dailyLimit: 2.5 }]],
  ['startBatch', [{ type: 'basic_clean', params: {}, limit: 0 }]],
  ['addFiles', [[1]]],
  ['addFiles', [['']]],
  ['addFiles', [Array(1001).fill('/tmp/a.jpg')]],
  ['addFiles', [[`/${'a'.repeat(4096)}`]]],
  ['removeDraftFile', [null]],
  ['startBatch', ['basic_clean']],
  ['startBatch', [{ type: 'basic_clean' }]],
  ['startBatch', [{ type: 'video', params: {} }]],
  ['startBatch', [{ type: 'basic_clean', params: {}, priority: 1 }]],
  ['startBatch', [{ type: 'model_pose12', params: { scene: 'moon', category: 'coat' } }]],
  ['startBatch', [{ type: 'basic_clean', params: { scene: 'street', cost: 0 } }]],
  ['retryItem', ['']],
  ['retryItem', ['x'.repeat(65)]],
  ['listTasks', []],
  ['listTasks', [{ status: 'deleted' }]],
  ['listTasks', [{ cursor: 'x'.repeat(201) }]],
  ['listTasks', [{ limit: 100 }]],
  ['listTasks', [JSON.parse('{"__proto__":{"admin":true}}')]],
  ['redownload', ['../../etc/passwd']],
  ['redownload', ['a/b']],
  ['redownload', ['a'.repeat(33)]],
  ['openFolder', [{}]],
  ['revealFile', [['/tmp/a.jpg']]],
  ['thumbnail', ['']],
  ['thumbnail', ['/tmp/a.jpg', 'full']],
  ['redoItems', [[]]],
  ['redoItems', ['7c1d3f0e-item']],
  ['redoItems', [Array(1001).fill('7c1d3f0e-item')]],
  ['exportItems', [{ itemIds: [], presets: [{ id: 'taobao' }] }]],
  ['exportItems', [{ itemIds: ['a'], presets: [] }]],
  ['exportItems', [{ itemIds: ['a'], presets: [{ id: 'ebay' }] }]],
  [
    'exportItems',
    [{ itemIds: ['a'], presets: [{ id: 'custom', width: 99999, height: 800, fill: 0.8, background: '#fff', format: 'jpeg' }] }],
  ],
  ['exportItems', [{ itemIds: ['a'], presets: [{ id: 'custom', width: 800, height: 800, fill: 0.8, background: 'red', format: 'jpeg' }] }]],
  ['exportResult', [{ itemId: 'a', preset: { id: 'pose', aspect: '16:9', width: 800 } }]],
  ['setExportDefaults', [{ presets: [{ id: 'taobao' }] }]],
  ['startBatch', [{ type: 'basic_clean', params: {}, name: 'x'.repeat(61) }]],
];

/** A stand-in service that records every call and answers what `impl` says (or `{ from: <method> }`). */
function fakeService(impl: Partial<Record<string, (...args: unknown[]) => unknown>> = {}) {
  const calls: [string, unknown[]][] = [];
  const service = new Proxy(
    {},
    {
      get:
        (_, name) =>
        (...args: unknown[]) => {
          calls.push([String(name), args]);
          const f = impl[String(name)];
          return f ? f(...args) : { from: String(name) };
        },
    },
  ) as unknown as AppService;
  return { calls, dispatch: createDispatcher(service) };
}

describe('the IPC contract and dispatcher', () => {
  it('lists the same channels in the contract and the schemas, each once', () => {
    expect(new Set(INVOKE_CHANNELS).size).toBe(INVOKE_CHANNELS.length);
    expect([...INVOKE_CHANNELS].sort()).toEqual(Object.keys(ipcArgs).sort());
    expect(Object.keys(VALID).sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('hands every channel to the service method of the same name, with the arguments', async () => {
    const { calls, dispatch } = fakeService();
    for (const channel of INVOKE_CHANNELS) {
      calls.length = 0;
      const result = await dispatch(channel, VALID[channel]);
      expect(calls, channel).toEqual([[channel, VALID[channel]]]);
      // refreshMembership answers nothing (the new membership arrives with the state push)
      expect(result, channel).toEqual({ ok: true, value: channel === 'refreshMembership' ? null : { from: channel } });
    }
  });

  it('answers undefined as null (an envelope always has a value)', async () => {
    const { dispatch } = fakeService({ logout: () => undefined, chooseResultRoot: async () => undefined });
    expect(await dispatch('logout', [])).toEqual({ ok: true, value: null });
    expect(await dispatch('chooseResultRoot', [])).toEqual({ ok: true, value: null });
  });

  it.each(INVALID)('refuses %s with malformed arguments %j without calling the service', async (channel, args) => {
    const { calls, dispatch } = fakeService();
    expect(await dispatch(channel, args as unknown[])).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: '参数不正确' } });
    expect(calls).toEqual([]);
  });

  it.each([
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'exec',
    'eval',
    '',
    'getState ',
    'GETSTATE',
    'api.getState',
  ])('refuses the unknown channel %j', async (channel) => {
    const { calls, dispatch } = fakeService();
    const result = await dispatch(channel, []);
    expect(result).toEqual({ ok: false, error: { code: 'UNKNOWN_CALL', message: expect.stringMatching(CHINESE) } });
    expect(calls).toEqual([]);
  });

  it('passes a DesktopError on as its code and Chinese message only, thrown or rejected', async () => {
    const { dispatch } = fakeService({
      login: () => {
        throw new DesktopError('INVALID_CODE', '验证码错误或已过期', 401, { cause: new Error('inner') });
      },
      startBatch: async () => {
        throw new DesktopError('QUOTA_EXHAUSTED', '剩余次数不足：这批需要 5 次，剩余 2 次。请减少图片或续费', 402);
      },
    });
    const login = await dispatch('login', VALID.login);
    expect(login).toEqual({ ok: false, error: { code: 'INVALID_CODE', message: '验证码错误或已过期' } });
    const batch = await dispatch('startBatch', VALID.startBatch);
    expect(batch).toEqual({
      ok: false,
      error: { code: 'QUOTA_EXHAUSTED', message: '剩余次数不足：这批需要 5 次，剩余 2 次。请减少图片或续费' },
    });
    for (const r of [login, batch]) {
      expect(Object.keys((r as { error: object }).error)).toEqual(['code', 'message']);
      expect(Object.getPrototypeOf((r as { error: object }).error)).toBe(Object.prototype);
      expect(structuredClone(r)).toEqual(r);
    }
  });

  it.each<[string, () => unknown]>([
    [
      'an Error with internal details',
      () => Promise.reject(new Error('SQLITE_ERROR: no such table: tasks at /home/dev/aizhao/queue.ts:42')),
    ],
    ['a TypeError thrown synchronously', () => (undefined as unknown as { x: { y: number } }).x.y],
    ['a string', () => Promise.reject('boom: token eyJhbGciOi')],
    ['an error-shaped object', () => Promise.reject({ code: 'ADMIN', message: 'grant admin' })],
    ['undefined', () => Promise.reject(undefined)],
  ])('turns %s into a generic INTERNAL error', async (_, throwIt) => {
    const { dispatch } = fakeService({ listTasks: throwIt });
    const result = await dispatch('listTasks', VALID.listTasks);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.stringMatching(CHINESE) } });
    const json = JSON.stringify(result);
    for (const leak of ['SQLITE', '/home', 'TypeError', 'undefined', 'boom', 'eyJ', 'ADMIN', 'grant', 'stack'])
      expect(json).not.toContain(leak);
  });

  describe('with the real service (logged out, server unreachable)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-ipc-'));
    // port 9 (discard) refuses connections: every server call is a network error
    const service = new AppService({
      apiBaseUrl: 'http://127.0.0.1:9',
      store: confStore(dir),
      secrets: testSecretBox(),
      platform: recordingPlatform(),
      defaultResultRoot: join(dir, 'results'),
      dataDir: join(dir, 'data'),
    });
    const dispatch = createDispatcher(service);
    afterAll(() => service.close());

    it('answers every channel with an envelope, never INTERNAL or UNKNOWN_CALL', async () => {
      const answers: Record<string, unknown> = {};
      for (const channel of INVOKE_CHANNELS) {
        const r = await dispatch(channel, VALID[channel]);
        answers[channel] = r.ok ? 'ok' : r.error.code;
        if (!r.ok) expect(r.error.message, channel).toMatch(CHINESE);
      }
      expect(answers).toEqual({
        getState: 'ok',
        getSnapshot: 'ok',
        sendCode: 'NETWORK',
        login: 'NETWORK',
        logout: 'ok',
        refreshMembership: 'UNAUTHENTICATED',
        startPurchase: 'UNAUTHENTICATED',
        choosePayment: 'UNAUTHENTICATED',
        simulatePayment: 'NETWORK',
        closePurchase: 'ok',
        addFiles: 'UNAUTHENTICATED',
        pickFiles: 'ok',
        removeDraftFile: 'ok',
        clearDraft: 'ok',
        startBatch: 'UNAUTHENTICATED',
        retryItem: 'UNAUTHENTICATED',
        pauseBatch: 'UNAUTHENTICATED',
        resumeBatch: 'UNAUTHENTICATED',
        cancelBatch: 'UNAUTHENTICATED',
        removeItem: 'UNAUTHENTICATED',
        checkForUpdates: 'UPDATES_UNAVAILABLE',
        installUpdate: 'UPDATE_NOT_READY',
        legalText: 'NETWORK',
        acceptConsent: 'UNAUTHENTICATED',
        setReprocess: 'UNAUTHENTICATED',
        addWatchedFolder: 'UNAUTHENTICATED',
        updateWatchedFolder: 'UNAUTHENTICATED',
        removeWatchedFolder: 'UNAUTHENTICATED',
        clearFinishedBatches: 'UNAUTHENTICATED',
        redoItems: 'UNAUTHENTICATED',
        listTasks: 'UNAUTHENTICATED',
        redownload: 'UNAUTHENTICATED',
        openFolder: 'FORBIDDEN_PATH',
        revealFile: 'FORBIDDEN_PATH',
        chooseResultRoot: 'ok',
        thumbnail: 'FORBIDDEN_PATH',
        listExportPresets: 'ok',
        exportItems: 'UNAUTHENTICATED',
        exportResult: 'UNAUTHENTICATED',
        setExportDefaults: 'ok',
      });
      const state = await dispatch('getState', []);
      expect(state).toMatchObject({ ok: true, value: { ready: false, user: null, settings: { resultRoot: join(dir, 'results') } } });
      expect(structuredClone(state)).toEqual(state);
      const snapshot = await dispatch('getSnapshot', []);
      expect(snapshot).toMatchObject({ ok: true, value: { kind: 'snapshot', state: { ready: false, user: null } } });
      expect(structuredClone(snapshot)).toEqual(snapshot);
    });
  });
});

describe('the built preload', () => {
  const desktop = fileURLToPath(new URL('../..', import.meta.url));
  const bundle = join(desktop, 'out', 'preload', 'index.cjs');
  const sources = [join(desktop, 'src', 'preload', 'index.ts'), join(desktop, 'src', 'shared', 'contract.ts')];

  /** The preload bundle, built first when missing or older than its sources; null when it cannot be had. */
  function builtPreload(): string | null {
    const stale = !existsSync(bundle) || sources.some((s) => statSync(s).mtimeMs > statSync(bundle).mtimeMs);
    if (stale) {
      try {
        execFileSync('npx', ['electron-vite', 'build'], { cwd: desktop, stdio: 'pipe', timeout: 120_000 });
      } catch {
        // the renderer may be mid-edit; main and preload are built before it, so the preload may still be there
      }
    }
    return existsSync(bundle) ? readFileSync(bundle, 'utf8') : null;
  }

  /** Runs the preload in a fresh context with a fake `electron`, as Electron's sandboxed preload would. */
  function loadPreload(code: string) {
    const required: string[] = [];
    const exposed: [string, Record<string, unknown>][] = [];
    const invoked: [string, unknown[]][] = [];
    const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
    const ipcRenderer = {
      invoke: (channel: string, ...args: unknown[]) => {
        invoked.push([channel, args]);
        return Promise.resolve({ ok: true, value: `answer of ${channel}` });
      },
      on: (channel: string, h: (...a: unknown[]) => void) =>
        void (listeners.get(channel) ?? listeners.set(channel, new Set()).get(channel)!).add(h),
      removeListener: (channel: string, h: (...a: unknown[]) => void) => void listeners.get(channel)?.delete(h),
    };
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => void exposed.push([key, api]) },
      ipcRenderer,
      webUtils: { getPathForFile: (f: { name: string }) => `/dropped/${f.name}` },
    };
    const module = { exports: {} };
    const require = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`the preload may require only electron, not ${name}`);
      return electron;
    };
    vm.runInNewContext(code, { require, module, exports: module.exports }, { filename: bundle });
    const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((h) => h(...args));
    return { required, exposed, invoked, listeners, ipcRenderer, emit };
  }

  it('exposes one function per channel, pathForFile, onState and onNavigate, and nothing else', async (ctx) => {
    const code = builtPreload();
    if (!code) return ctx.skip('desktop/out/preload/index.cjs is missing and could not be built');
    const p = loadPreload(code);
    expect(p.required).toEqual(['electron']);
    expect(p.exposed.map(([key]) => key)).toEqual(['api']);
    const api = p.exposed[0]![1];
    expect(Object.keys(api).sort()).toEqual([...INVOKE_CHANNELS, 'pathForFile', 'onState', 'onNavigate'].sort());
    for (const key of ['ipcRenderer', 'require', 'process', 'electron', 'invoke', 'send', 'on', 'token'])
      expect(api, key).not.toHaveProperty(key);
    for (const [key, value] of Object.entries(api)) {
      expect(typeof value, key).toBe('function');
      expect(value, key).not.toBe(p.ipcRenderer.invoke);
    }

    for (const channel of INVOKE_CHANNELS) {
      p.invoked.length = 0;
      const answer = await (api[channel] as (...a: unknown[]) => Promise<unknown>)(...VALID[channel]);
      expect(p.invoked, channel).toEqual([[channel, VALID[channel]]]);
      expect(answer).toEqual({ ok: true, value: `answer of ${channel}` });
    }

    expect((api.pathForFile as (f: { name: string }) => string)({ name: '款式01.jpg' })).toBe('/dropped/款式01.jpg');

    const seen: unknown[][] = [];
    const off = (api.onState as (l: (...a: unknown[]) => void) => () => void)((...args) => seen.push(args));
    expect(p.listeners.get(STATE_EVENT)?.size).toBe(1);
    p.emit(STATE_EVENT, { sender: 'the IPC event' }, { ready: true });
    expect(seen).toEqual([[{ ready: true }]]); // the state only: the IPC event (and its sender) stays in the preload
    off();
    expect(p.listeners.get(STATE_EVENT)?.size).toBe(0);
    p.emit(STATE_EVENT, {}, { ready: false });
    expect(seen).toHaveLength(1);
  });
});
