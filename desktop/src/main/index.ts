/** The entry of the main process: the store, the updater and the API server this build talks to. */
import { join } from 'node:path';
import electronUpdater from 'electron-updater';
import { app } from 'electron';
import { startApp } from './app.js';
import { electronStore } from './store.js';

/** The API server: `API_BASE_URL` at run time (npm start), else the one the build was made for. */
const apiBaseUrl = process.env.API_BASE_URL ?? import.meta.env.MAIN_VITE_API_BASE_URL ?? 'http://127.0.0.1:3000';

// only a packaged app updates itself (electron-updater reads app-update.yml from its resources, written by
// electron-builder's `publish` setting); download in the background, install when the merchant restarts
const { autoUpdater } = electronUpdater;
autoUpdater.autoDownload = true;
autoUpdater.autoInstallOnAppQuit = true;

// the tray icon: a resource of the installed app (electron-builder `extraResources`), the repository's icon in development
const trayIcon = app.isPackaged ? join(process.resourcesPath, 'tray.png') : join(app.getAppPath(), '..', 'build', 'icon.png');

void startApp({ apiBaseUrl, store: electronStore(), updater: app.isPackaged ? autoUpdater : null, trayIcon });
