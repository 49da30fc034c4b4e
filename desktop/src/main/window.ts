/** The main window, locked down: isolated, sandboxed preload; no Node; navigation and new windows denied. */
import { join } from 'node:path';
import { BrowserWindow, app, session, shell } from 'electron';
import { isAllowedExternal } from '../core/trust.js';

/** The URL the renderer is served from (dev server in development, the built file otherwise). */
export function rendererUrl(): string {
  const dev = process.env.ELECTRON_RENDERER_URL;
  if (dev && !app.isPackaged) return dev;
  return new URL(`file://${join(import.meta.dirname, '../renderer/index.html')}`).href;
}

/** Rules for every web contents the app ever creates. */
export function lockDownWebContents(): void {
  // no permission (camera, geolocation, notifications from the page…) is ever granted to web content
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternal(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 1100,
    minHeight: 720,
    show: false,
    title: 'AI照',
    backgroundColor: '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // middle-click would open links in new windows around setWindowOpenHandler
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(rendererUrl());
  return win;
}
