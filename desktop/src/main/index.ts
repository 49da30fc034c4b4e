/**
 * The Electron main process: the thin glue between Electron and the services in `core/` (which never import
 * electron). One instance at a time, so two processes never work on the same local queue.
 */
import { join } from 'node:path';
import { app, type BrowserWindow } from 'electron';
import { AppService } from '../core/app-service.js';
import { createDispatcher } from '../core/dispatcher.js';
import { registerIpc } from './ipc.js';
import { electronPlatform, electronSecretBox, electronStore } from './platform.js';
import { createMainWindow, lockDownWebContents, rendererUrl } from './window.js';

/** The API server: `API_BASE_URL` at run time (npm start), else the one the build was made for. */
const apiBaseUrl = process.env.API_BASE_URL ?? import.meta.env.MAIN_VITE_API_BASE_URL ?? 'http://127.0.0.1:3000';

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  void app.whenReady().then(() => {
    lockDownWebContents();
    const service = new AppService({
      apiBaseUrl,
      store: electronStore(),
      secrets: electronSecretBox(),
      platform: electronPlatform(() => mainWindow),
      defaultResultRoot: join(app.getPath('pictures'), 'AI照'),
    });
    registerIpc(service, createDispatcher(service), rendererUrl(), () => mainWindow);
    mainWindow = createMainWindow();
    mainWindow.on('closed', () => (mainWindow = null));
    void service.init();

    app.on('activate', () => {
      mainWindow ??= createMainWindow();
    });
    app.on('before-quit', () => void service.close());
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
