/**
 * The Electron main process: the thin glue between Electron and the services in `core/` (which never import
 * electron). One instance at a time, so two processes never work on the same local queue.
 *
 * Lifecycle (https://www.electronjs.org/docs/latest/api/app): every window gets its own `closed` handler, so the
 * window made by the Dock (`activate`) or by a second launch (`second-instance`) is tracked like the first. Closing
 * the window while a batch runs keeps the app in the tray (Windows/Linux) or the Dock (macOS) with its progress;
 * quitting with work in flight asks first.
 */
import { join } from 'node:path';
import { type BrowserWindow, Menu, Tray, app, dialog, nativeImage, powerSaveBlocker } from 'electron';
import { AppService } from '../core/app-service.js';
import { trayTooltip, workSummary, type WorkSummary } from '../core/background.js';
import { createDispatcher } from '../core/dispatcher.js';
import type { KeyValueStore, Platform } from '../core/ports.js';
import type { UpdaterPort } from '../core/updates.js';
import { NAVIGATE_EVENT, type AppState, type NavigateTarget } from '../shared/contract.js';
import { registerIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { electronNetwork, electronPlatform, electronSecretBox } from './platform.js';
import { createMainWindow, lockDownWebContents, registerRendererScheme, rendererUrl, serveRenderer } from './window.js';

/** The installer's id (electron-builder `appId`): Windows attributes notifications to it (AppUserModelID). */
export const APP_ID = 'cn.aizhao.desktop';

export interface StartOptions {
  apiBaseUrl: string;
  store: KeyValueStore;
  /** electron-updater's `autoUpdater`, or null where the build does not update itself */
  updater: (UpdaterPort & { autoDownload?: boolean }) | null;
  /** the built app (`out/`: main, preload, renderer) */
  outDir?: string;
  /** icon of the tray */
  trayIcon?: string;
}

/** One main window at a time, whichever event made it. */
export class MainWindow {
  private win: BrowserWindow | null = null;
  private pending: NavigateTarget | null = null;

  constructor(private readonly create: () => BrowserWindow) {}

  get current(): BrowserWindow | null {
    return this.win && !this.win.isDestroyed() ? this.win : null;
  }

  /** Shows the window, making a new one when there is none (closed, or never opened). */
  show(): BrowserWindow {
    const open = this.current;
    if (open) {
      if (open.isMinimized()) open.restore();
      open.show();
      open.focus();
      return open;
    }
    const win = this.create();
    this.win = win;
    win.on('closed', () => {
      if (this.win === win) this.win = null;
    });
    win.webContents.on('did-finish-load', () => {
      const target = this.pending;
      this.pending = null;
      if (target && !win.isDestroyed()) win.webContents.send(NAVIGATE_EVENT, target);
    });
    return win;
  }

  /** Shows the window on a batch (a new window gets it once its page has loaded). */
  navigate(target: NavigateTarget): void {
    const open = this.current;
    if (open && !open.webContents.isLoading()) {
      this.show();
      open.webContents.send(NAVIGATE_EVENT, target);
      return;
    }
    this.pending = target;
    this.show();
  }
}

export interface RunningApp {
  service: AppService;
  window: MainWindow;
  platform: Platform;
  tray: Tray | null;
}

export function startApp(o: StartOptions): Promise<RunningApp> | null {
  const outDir = o.outDir ?? join(import.meta.dirname, '..');
  registerRendererScheme(); // before ready
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // Windows attributes notifications and the taskbar entry to this id; it must be the installer's appId
  // (https://www.electronjs.org/docs/latest/tutorial/notifications#windows)
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);

  let work: WorkSummary = workSummary({ batches: [] });
  // a window made again (Dock, second instance) shows the work in flight at once, not at the next state change
  const window = new MainWindow(() => {
    const w = createMainWindow(outDir);
    w.setProgressBar(work.fraction);
    return w;
  });
  let service: AppService | null = null;
  let tray: Tray | null = null;
  let quitConfirmed = false;
  let asking = false;
  let blocker: number | null = null;

  app.on('second-instance', () => {
    if (app.isReady()) window.show();
  });
  app.on('activate', () => {
    if (app.isReady()) window.show();
  });
  // no window left: quit, unless a batch is running (the tray, or the Dock on macOS, keeps the app and its progress)
  app.on('window-all-closed', () => {
    if (process.platform === 'darwin' || work.active > 0) return;
    app.quit();
  });
  app.on('before-quit', (event) => {
    if (!quitConfirmed && work.active > 0) {
      event.preventDefault();
      if (!asking) void confirmQuit();
      return;
    }
    if (blocker !== null) powerSaveBlocker.stop(blocker);
    blocker = null;
    void service?.close();
  });

  async function confirmQuit(): Promise<void> {
    asking = true;
    const options: Electron.MessageBoxOptions = {
      type: 'question',
      title: '退出 AI照',
      message: `还有 ${work.active} 张图片正在处理`,
      detail: '退出后，未完成的图片会在下次打开 AI照 时接着处理，已扣的次数不会重复扣。',
      buttons: ['继续处理', '退出'],
      defaultId: 0,
      cancelId: 0,
      noLink: true,
    };
    const w = window.current;
    const { response } = w ? await dialog.showMessageBox(w, options) : await dialog.showMessageBox(options);
    asking = false;
    if (response === 1) {
      quitConfirmed = true;
      app.quit();
    }
  }

  /** Taskbar/Dock progress, tray tooltip, the badge, and no sleep while a batch runs. */
  function showWork(state: AppState): void {
    work = workSummary(state);
    const w = window.current;
    if (w) w.setProgressBar(work.fraction);
    if (process.platform !== 'win32') app.setBadgeCount(work.active); // Dock (macOS) and Unity launchers (Linux)
    tray?.setToolTip(trayTooltip(work));
    if (work.active > 0 && blocker === null) blocker = powerSaveBlocker.start('prevent-app-suspension');
    if (work.active === 0 && blocker !== null) {
      powerSaveBlocker.stop(blocker);
      blocker = null;
    }
  }

  const ready = app.whenReady().then(() => {
    const network = electronNetwork();
    const platform = electronPlatform(
      () => window.current,
      (batchId) => window.navigate({ tab: 'progress', batchId }),
    );
    service = new AppService({
      apiBaseUrl: o.apiBaseUrl,
      store: o.store,
      secrets: electronSecretBox(),
      platform,
      defaultResultRoot: join(app.getPath('pictures'), 'AI照'),
      dataDir: app.getPath('userData'),
      appVersion: app.getVersion(),
      fetch: network.fetch,
      resolveProxy: network.resolveProxy,
      updater: o.updater
        ? {
            on: o.updater.on.bind(o.updater) as UpdaterPort['on'],
            checkForUpdates: () => o.updater!.checkForUpdates(),
            // the merchant chose to restart: no second question about work in flight (it resumes after the update)
            quitAndInstall: (silent, runAfter) => {
              quitConfirmed = true;
              o.updater!.quitAndInstall(silent, runAfter);
            },
          }
        : null,
    });
    const s = service;
    lockDownWebContents(() => {
      const help = s.getState().about.helpUrl;
      try {
        return help ? [new URL(help).origin] : [];
      } catch {
        return [];
      }
    });
    serveRenderer(outDir);
    registerIpc(s, createDispatcher(s), rendererUrl(), () => window.current);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          packaged: app.isPackaged,
          platform: process.platform,
          appName: app.getName(),
          actions: { showWindow: () => window.show(), checkForUpdates: () => void s.checkForUpdates().catch(() => {}) },
        }),
      ),
    );
    if (process.platform !== 'darwin') tray = createTray(o.trayIcon ?? join(outDir, '..', 'build', 'tray.png'), window, () => app.quit());
    s.onState(showWork);
    window.show();
    void s.init();
    return { service: s, window, platform, tray };
  });
  return ready;
}

function createTray(icon: string, window: MainWindow, quit: () => void): Tray {
  const image = nativeImage.createFromPath(icon);
  const tray = new Tray(image.isEmpty() ? nativeImage.createEmpty() : image.resize({ width: 32, height: 32, quality: 'best' }));
  tray.setToolTip('AI照');
  tray.setContextMenu(
    Menu.buildFromTemplate([{ label: '打开 AI照', click: () => window.show() }, { type: 'separator' }, { label: '退出', click: quit }]),
  );
  tray.on('click', () => window.show());
  return tray;
}
