/** The main window, locked down: isolated, sandboxed preload; no Node; navigation and new windows denied. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, app, net, protocol, session, shell } from 'electron';
import { RENDERER_SCHEME, RENDERER_URL, isAllowedExternal, rendererFile } from '../core/trust.js';

/** The URL the renderer is served from (the dev server in development, the app scheme otherwise). */
export function rendererUrl(): string {
  const dev = process.env.ELECTRON_RENDERER_URL;
  if (dev && !app.isPackaged) return dev;
  return RENDERER_URL;
}

/**
 * Registers the renderer's scheme as standard and secure (a real origin, `'self'` in the CSP, fetch and modules
 * work). Electron allows this only before the app is ready:
 * https://www.electronjs.org/docs/latest/api/protocol#protocolregisterschemesasprivilegedcustomschemes
 */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/**
 * Serves the built renderer (`outDir/renderer`, inside app.asar) on the scheme, and nothing outside it — the
 * pattern of https://www.electronjs.org/docs/latest/api/protocol#protocolhandlescheme-handler.
 */
export function serveRenderer(outDir: string): void {
  const root = join(outDir, 'renderer');
  protocol.handle(RENDERER_SCHEME, (request) => {
    const notFound = () => new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const file = rendererFile(request.url, root);
    if (!file) return notFound();
    return net.fetch(pathToFileURL(file).href).catch(notFound);
  });
}

/** Rules for every web contents the app ever creates; `extraOrigins`: sites the operator configured (help page). */
export function lockDownWebContents(extraOrigins: () => readonly string[]): void {
  // no permission (camera, geolocation, notifications from the page…) is ever granted to web content
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-redirect', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternal(url, extraOrigins())) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

export function createMainWindow(outDir: string): BrowserWindow {
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
      preload: join(outDir, 'preload/index.cjs'),
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
