/**
 * A faithful fake of the `electron` module for Node tests of the main-process glue (`src/main/*`), modelled on
 * Electron 45's documented API (node_modules/electron/electron.d.ts and https://www.electronjs.org/docs/latest/api/):
 *
 * - `app`: `whenReady`/`isReady`, `requestSingleInstanceLock`, `quit()` emitting `before-quit` (preventable), then
 *   closing every window (each `close` preventable), `will-quit` and `quit`; `window-all-closed` when the last window
 *   closes outside a quit, and quitting by default when nobody listens to it
 *   (https://www.electronjs.org/docs/latest/api/app#event-window-all-closed); `getName()` from the app's
 *   package.json `productName`, else `name`, and `userData` = `<appData>/<name>`
 *   (https://www.electronjs.org/docs/latest/api/app#appgetpathname); `setAppUserModelId`, `setBadgeCount`.
 * - `BrowserWindow`: cannot be made before ready; every method of a destroyed window throws
 *   "Object has been destroyed" as Electron's do; `close` (preventable) then `closed`; `loadURL` really loads: a
 *   registered `protocol.handle` scheme, `file:` from disk (a `#` starts the fragment, as in any URL), `http(s)`.
 * - `protocol.registerSchemesAsPrivileged` only before ready, `protocol.handle` once per scheme, after ready.
 * - `net.fetch` (custom schemes, file:, http(s) — recorded), `net.request` (Node's http, for electron-updater),
 *   `session.defaultSession.resolveProxy` (answers what the test set, PAC syntax).
 * - `safeStorage`: the asynchronous API, and the deprecated synchronous one, which counts its calls.
 * - `Tray`, `Menu`, `Notification`, `powerSaveBlocker`, `dialog.showMessageBox`, `shell`, `nativeImage` (PNG and
 *   JPEG only, as on Linux: https://www.electronjs.org/docs/latest/api/native-image#supported-formats), `ipcMain`.
 *
 * Modules that `require('electron')` from CommonJS (electron-updater) get this fake too: `installRequireHook()`.
 */
import { EventEmitter } from 'node:events';
import { readFileSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DESKTOP_PACKAGE = fileURLToPath(new URL('../../package.json', import.meta.url));

const destroyedError = () => new TypeError('Object has been destroyed');

class PreventableEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.cjs': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

// ---- state the tests read and set

interface FakeState {
  ready: boolean;
  quitting: boolean;
  quitted: boolean;
  otherInstance: boolean;
  appUserModelId: string | null;
  badgeCount: number;
  privilegedSchemes: { scheme: string; privileges?: Record<string, boolean> }[];
  handlers: Map<string, (req: Request) => Response | Promise<Response>>;
  ipc: Map<string, (event: unknown, ...args: unknown[]) => unknown>;
  netFetches: string[];
  proxy: (url: string) => string;
  encryptionAvailable: boolean;
  storageBackend: string;
  syncSafeStorageCalls: number;
  asyncSafeStorageCalls: number;
  applicationMenu: FakeMenu | null;
  trays: FakeTray[];
  notifications: FakeNotification[];
  blockers: Map<number, string>;
  nextBlockerId: number;
  messageBoxes: { options: Record<string, unknown> }[];
  messageBoxResponse: number;
  externalOpened: string[];
  paths: Record<string, string>;
  version: string;
  packaged: boolean;
}

const newState = (): FakeState => {
  const base = mkdtempSync(join(tmpdir(), 'fake-electron-'));
  return {
    ready: false,
    quitting: false,
    quitted: false,
    otherInstance: false,
    appUserModelId: null,
    badgeCount: 0,
    privilegedSchemes: [],
    handlers: new Map(),
    ipc: new Map(),
    netFetches: [],
    proxy: () => 'DIRECT',
    encryptionAvailable: true,
    storageBackend: 'gnome_libsecret',
    syncSafeStorageCalls: 0,
    asyncSafeStorageCalls: 0,
    applicationMenu: null,
    trays: [],
    notifications: [],
    blockers: new Map(),
    nextBlockerId: 1,
    messageBoxes: [],
    messageBoxResponse: 0,
    externalOpened: [],
    paths: {
      appData: join(base, 'appData'),
      pictures: join(base, 'Pictures'),
      temp: join(base, 'temp'),
      home: base,
      exe: join(base, 'aizhao'),
    },
    version: '0.1.0',
    packaged: false,
  };
};

let state = newState();
let readyResolve: () => void = () => {};
let readyPromise = new Promise<void>((r) => (readyResolve = r));
const windows: FakeBrowserWindow[] = [];

// ---- app

function appName(): string {
  const pkg = JSON.parse(readFileSync(DESKTOP_PACKAGE, 'utf8')) as { name: string; productName?: string };
  return pkg.productName ?? pkg.name;
}

class FakeApp extends EventEmitter {
  get isPackaged(): boolean {
    return state.packaged;
  }
  get name(): string {
    return appName();
  }
  getName(): string {
    return appName();
  }
  getVersion(): string {
    return state.version;
  }
  getAppPath(): string {
    return fileURLToPath(new URL('../..', import.meta.url));
  }
  getPath(name: string): string {
    if (name === 'userData') return join(state.paths.appData!, appName());
    const p = state.paths[name];
    if (!p) throw new Error(`Failed to get '${name}' path`);
    return p;
  }
  isReady(): boolean {
    return state.ready;
  }
  whenReady(): Promise<void> {
    return readyPromise;
  }
  requestSingleInstanceLock(): boolean {
    return !state.otherInstance;
  }
  setAppUserModelId(id: string): void {
    state.appUserModelId = id;
  }
  setBadgeCount(count?: number): boolean {
    state.badgeCount = count ?? 0;
    return true;
  }
  getBadgeCount(): number {
    return state.badgeCount;
  }
  quit(): void {
    if (state.quitted) return;
    const before = new PreventableEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    state.quitting = true;
    for (const w of [...windows]) {
      w.close();
      if (!w.isDestroyed()) {
        state.quitting = false; // a window refused to close: the quit is cancelled
        return;
      }
    }
    const will = new PreventableEvent();
    this.emit('will-quit', will);
    state.quitting = false;
    if (will.defaultPrevented) return;
    state.quitted = true;
    this.emit('quit', {}, 0);
  }
  exit(): void {
    state.quitted = true;
  }
  relaunch(): void {}
  readonly dock = {
    setBadge: (_text: string) => {},
    show: async () => {},
    hide: () => {},
  };
}

export const app = new FakeApp();

// ---- windows

let nextId = 1;

class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  loading = false;
  destroyed = false;
  sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  /** what the last load answered */
  lastLoad: { status: number; body: string } | null = null;

  private alive(): void {
    if (this.destroyed) throw destroyedError();
  }
  send(channel: string, ...args: unknown[]): void {
    this.alive();
    this.sent.push({ channel, args: structuredClone(args) });
  }
  getURL(): string {
    this.alive();
    return this.url;
  }
  isLoading(): boolean {
    this.alive();
    return this.loading;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.alive();
    this.windowOpenHandler = h;
  }
  get mainFrame() {
    return { url: this.url };
  }
}

export interface BrowserWindowOptions {
  show?: boolean;
  webPreferences?: Record<string, unknown>;
  [k: string]: unknown;
}

class FakeBrowserWindow extends EventEmitter {
  readonly id = nextId++;
  readonly webContents = new FakeWebContents();
  private destroyed = false;
  private visible: boolean;
  private minimized = false;
  focused = false;
  progress = -1;
  readonly options: BrowserWindowOptions;

  constructor(options: BrowserWindowOptions = {}) {
    super();
    if (!state.ready) throw new Error('Cannot create BrowserWindow before app is ready');
    this.options = options;
    this.visible = options.show !== false;
    windows.push(this);
    app.emit('web-contents-created', {}, this.webContents);
    app.emit('browser-window-created', {}, this);
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return [...windows];
  }

  private alive(): void {
    if (this.destroyed) throw destroyedError();
  }

  async loadURL(url: string): Promise<void> {
    this.alive();
    const wc = this.webContents;
    wc.url = url;
    wc.loading = true;
    let res: Response;
    try {
      res = await load(url);
    } catch (e) {
      wc.loading = false;
      wc.lastLoad = { status: 0, body: String(e) };
      throw e;
    }
    const body = await res.text();
    wc.lastLoad = { status: res.status, body };
    if (this.destroyed) return;
    wc.loading = false;
    if (res.status >= 400) throw new Error(`ERR_FAILED (-2) loading '${url}'`);
    wc.emit('did-finish-load');
    this.emit('ready-to-show');
  }
  show(): void {
    this.alive();
    this.visible = true;
    this.minimized = false;
    this.focused = true;
    this.emit('show');
  }
  hide(): void {
    this.alive();
    this.visible = false;
  }
  focus(): void {
    this.alive();
    this.focused = true;
  }
  restore(): void {
    this.alive();
    this.minimized = false;
    this.visible = true;
  }
  minimize(): void {
    this.alive();
    this.minimized = true;
  }
  isMinimized(): boolean {
    this.alive();
    return this.minimized;
  }
  isVisible(): boolean {
    this.alive();
    return this.visible;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setProgressBar(progress: number): void {
    this.alive();
    this.progress = progress;
  }
  setTitle(): void {
    this.alive();
  }
  /** like the user clicking the close button */
  close(): void {
    if (this.destroyed) return;
    const e = new PreventableEvent();
    this.emit('close', e);
    if (!e.defaultPrevented) this.destroy();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    windows.splice(windows.indexOf(this), 1);
    this.emit('closed');
    if (windows.length === 0 && !state.quitting) {
      if (app.listenerCount('window-all-closed') > 0) app.emit('window-all-closed');
      else app.quit();
    }
  }
}

export const BrowserWindow = FakeBrowserWindow;

async function load(url: string): Promise<Response> {
  const u = new URL(url);
  const scheme = u.protocol.slice(0, -1);
  const handler = state.handlers.get(scheme);
  if (handler) return handler(new Request(url));
  if (u.protocol === 'file:') return fileResponse(fileURLToPath(u));
  if (u.protocol === 'http:' || u.protocol === 'https:') return fetch(url);
  throw new Error(`ERR_UNKNOWN_URL_SCHEME loading '${url}'`);
}

async function fileResponse(path: string): Promise<Response> {
  try {
    const body = await readFile(path);
    return new Response(body, { status: 200, headers: { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' } });
  } catch {
    throw new Error(`net::ERR_FILE_NOT_FOUND ${path}`);
  }
}

// ---- protocol, net, session

export const protocol = {
  registerSchemesAsPrivileged(schemes: { scheme: string; privileges?: Record<string, boolean> }[]): void {
    if (state.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    state.privilegedSchemes.push(...schemes);
  },
  handle(scheme: string, handler: (req: Request) => Response | Promise<Response>): void {
    if (!state.ready) throw new Error('protocol.handle can only be used after app is ready');
    if (state.handlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    state.handlers.set(scheme, handler);
  },
  unhandle(scheme: string): void {
    state.handlers.delete(scheme);
  },
  isProtocolHandled(scheme: string): boolean {
    return state.handlers.has(scheme);
  },
};

export const net = {
  async fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input.url;
    state.netFetches.push(url);
    const u = new URL(url);
    if (u.protocol === 'file:') return fileResponse(fileURLToPath(u));
    const handler = state.handlers.get(u.protocol.slice(0, -1));
    if (handler) return handler(new Request(url, init));
    return fetch(input, init);
  },
  /** Electron's `net.request`: a ClientRequest emitting `response` with an IncomingMessage (Node's http, here) */
  request(options: Record<string, unknown> | string) {
    const o: Record<string, unknown> = typeof options === 'string' ? { url: options } : { ...options };
    delete o.session;
    delete o.redirect;
    const url = typeof o.url === 'string' ? new URL(o.url) : null;
    const https = url ? url.protocol === 'https:' : o.protocol === 'https:';
    state.netFetches.push(
      url?.href ?? `${String(o.protocol ?? 'http:')}//${String(o.hostname ?? o.host)}:${String(o.port ?? '')}${String(o.path ?? '/')}`,
    );
    const req = url ? (https ? httpsRequest(url, o) : httpRequest(url, o)) : https ? httpsRequest(o) : httpRequest(o);
    return Object.assign(req, { followRedirect: () => {} });
  },
  isOnline: () => true,
};

const fakeSession = {
  resolveProxy: async (url: string) => state.proxy(url),
  setPermissionRequestHandler: (_h: unknown) => {},
  setPermissionCheckHandler: (_h: unknown) => {},
  setProxy: async () => {},
  clearCache: async () => {},
  on: () => {},
};

export const session = {
  defaultSession: fakeSession,
  fromPartition: (_partition: string, _o?: unknown) => fakeSession,
};

// ---- safeStorage

const seal = (plain: string) => Buffer.concat([Buffer.from('v11'), Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]);
const unseal = (cipher: Buffer) => {
  if (cipher.subarray(0, 3).toString() !== 'v11')
    throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
  return Buffer.from(cipher.subarray(3).map((b) => b ^ 0x5a)).toString('utf8');
};

export const safeStorage = {
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    state.asyncSafeStorageCalls++;
    return state.ready && state.encryptionAvailable;
  },
  async encryptStringAsync(plain: string): Promise<Buffer> {
    state.asyncSafeStorageCalls++;
    return seal(plain);
  },
  async decryptStringAsync(cipher: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    state.asyncSafeStorageCalls++;
    return { shouldReEncrypt: false, result: unseal(cipher) };
  },
  getSelectedStorageBackend(): string {
    return state.ready ? state.storageBackend : 'unknown';
  },
  /** @deprecated in Electron 45, removed in 46 */
  isEncryptionAvailable(): boolean {
    state.syncSafeStorageCalls++;
    return state.ready && state.encryptionAvailable;
  },
  /** @deprecated */
  encryptString(plain: string): Buffer {
    state.syncSafeStorageCalls++;
    return seal(plain);
  },
  /** @deprecated */
  decryptString(cipher: Buffer): string {
    state.syncSafeStorageCalls++;
    return unseal(cipher);
  },
};

// ---- tray, menu, notifications, power

interface MenuItemLike {
  label?: string;
  role?: string;
  type?: string;
  click?: () => void;
  submenu?: MenuItemLike[];
}

export class FakeMenu {
  constructor(readonly items: MenuItemLike[]) {}
  /** every item, depth first */
  flat(): MenuItemLike[] {
    const out: MenuItemLike[] = [];
    const walk = (items: MenuItemLike[]) => {
      for (const i of items) {
        out.push(i);
        if (i.submenu) walk(i.submenu);
      }
    };
    walk(this.items);
    return out;
  }
}

export const Menu = {
  buildFromTemplate(template: MenuItemLike[]): FakeMenu {
    for (const i of new FakeMenu(template).flat())
      if (!i.label && !i.role && i.type !== 'separator')
        throw new Error('Invalid template for MenuItem: must have at least one of label, role or type');
    return new FakeMenu(template);
  },
  setApplicationMenu(menu: FakeMenu | null): void {
    state.applicationMenu = menu;
  },
  getApplicationMenu(): FakeMenu | null {
    return state.applicationMenu;
  },
};

export class FakeTray extends EventEmitter {
  tooltip = '';
  menu: FakeMenu | null = null;
  private destroyed = false;
  constructor(readonly image: unknown) {
    super();
    if (!state.ready) throw new Error('Cannot create Tray before app is ready');
    state.trays.push(this);
  }
  setToolTip(text: string): void {
    if (this.destroyed) throw destroyedError();
    this.tooltip = text;
  }
  setContextMenu(menu: FakeMenu | null): void {
    if (this.destroyed) throw destroyedError();
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}
export const Tray = FakeTray;

export class FakeNotification extends EventEmitter {
  shown = false;
  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    this.shown = true;
    state.notifications.push(this);
  }
  close(): void {
    this.emit('close', {});
  }
}
export const Notification = FakeNotification;

export const powerSaveBlocker = {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number {
    const id = state.nextBlockerId++;
    state.blockers.set(id, type);
    return id;
  },
  stop(id: number): boolean {
    return state.blockers.delete(id);
  },
  isStarted(id: number): boolean {
    return state.blockers.has(id);
  },
};

// ---- dialog, shell, nativeImage, ipcMain

export const dialog = {
  async showMessageBox(a: unknown, b?: unknown): Promise<{ response: number; checkboxChecked: boolean }> {
    const options = (b ?? a) as Record<string, unknown>;
    state.messageBoxes.push({ options });
    return { response: state.messageBoxResponse, checkboxChecked: false };
  },
  async showOpenDialog(): Promise<{ canceled: boolean; filePaths: string[] }> {
    return { canceled: true, filePaths: [] };
  },
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    state.externalOpened.push(url);
  },
  async openPath(): Promise<string> {
    return '';
  },
  showItemInFolder(): void {},
};

class FakeNativeImage {
  constructor(private readonly bytes: Buffer | null) {}
  isEmpty(): boolean {
    return this.bytes === null;
  }
  resize(): FakeNativeImage {
    return this;
  }
  toDataURL(): string {
    return this.bytes ? `data:image/png;base64,${this.bytes.toString('base64')}` : 'data:image/png;base64,';
  }
  getSize() {
    return { width: this.bytes ? 1 : 0, height: this.bytes ? 1 : 0 };
  }
}

export const nativeImage = {
  /** PNG and JPEG only (Linux): anything else is an empty image */
  createFromPath(path: string): FakeNativeImage {
    try {
      const b = readFileSync(path);
      const png = b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const jpeg = b[0] === 0xff && b[1] === 0xd8;
      return new FakeNativeImage(png || jpeg ? b : null);
    } catch {
      return new FakeNativeImage(null);
    }
  },
  async createThumbnailFromPath(path: string): Promise<FakeNativeImage> {
    if (process.platform === 'linux') throw new Error('createThumbnailFromPath is not supported on Linux');
    return nativeImage.createFromPath(path);
  },
  createEmpty: () => new FakeNativeImage(null),
};

export const ipcMain = {
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => unknown): void {
    if (state.ipc.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    state.ipc.set(channel, fn);
  },
  removeHandler(channel: string): void {
    state.ipc.delete(channel);
  },
  on: () => {},
};

export const autoUpdater = new EventEmitter(); // Squirrel's, used by electron-updater on macOS only

// ---- the test's controls

export const fake = {
  get state(): FakeState {
    return state;
  },
  windows: () => [...windows],
  /** `app` becomes ready (`whenReady` resolves) */
  async ready(): Promise<void> {
    state.ready = true;
    readyResolve();
    app.emit('ready');
    await readyPromise;
  },
  /** a fresh app (listeners, windows, handlers): call between tests */
  reset(): void {
    for (const w of [...windows]) w.destroy();
    windows.length = 0;
    app.removeAllListeners();
    state = newState();
    readyPromise = new Promise<void>((r) => (readyResolve = r));
  },
  /** an IPC call from `win`'s page (`senderFrame.url` is the page's URL) */
  async invoke(win: FakeBrowserWindow | { url: string }, channel: string, ...args: unknown[]): Promise<unknown> {
    const handler = state.ipc.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    const url = 'url' in win ? win.url : win.webContents.getURL();
    return handler({ sender: 'webContents' in win ? win.webContents : null, senderFrame: { url } }, ...args);
  },
  clickNotification(n: FakeNotification): void {
    n.emit('click', {});
  },
  /** the user picks the Dock icon (macOS) */
  activate(): void {
    app.emit('activate', {}, false);
  },
  /** a second launch of the app */
  secondInstance(): void {
    app.emit('second-instance', {}, [], process.cwd(), {});
  },
  seal,
};

export type { FakeBrowserWindow, FakeWebContents };

const electron = {
  app,
  BrowserWindow,
  protocol,
  net,
  session,
  safeStorage,
  Menu,
  Tray,
  Notification,
  powerSaveBlocker,
  dialog,
  shell,
  nativeImage,
  ipcMain,
  autoUpdater,
};
export default electron;

/** Makes `require('electron')` from CommonJS modules (electron-updater) return this fake, as Electron's own does. */
export function installRequireHook(): void {
  const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown; __fakeElectron?: boolean };
  if (M.__fakeElectron) return;
  const original = M._load;
  M._load = function (request: string, ...rest: unknown[]) {
    if (request === 'electron') return electron;
    return original.call(this, request, ...rest);
  };
  M.__fakeElectron = true;
}
