/** The Electron side of the platform port: dialogs, shell, notifications, previews, safeStorage and the network. */
import tls from 'node:tls';
import { type BrowserWindow, Notification, dialog, net, safeStorage, session, shell } from 'electron';
import type { Platform, SecretBox } from '../core/ports.js';
import { PREVIEW_PIXELS, makeThumbnail } from '../core/thumbnail.js';

/**
 * safeStorage's asynchronous API (Electron 45; the synchronous one is deprecated and removed in 46:
 * https://www.electronjs.org/docs/latest/api/safe-storage). Linux without a keyring falls back to a hard-coded key
 * ("basic_text"): no real protection, so the token stays in memory only there.
 */
export function electronSecretBox(): SecretBox {
  return {
    isSecure: async () =>
      (await safeStorage.isAsyncEncryptionAvailable()) &&
      (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: async (cipher) => (await safeStorage.decryptStringAsync(cipher)).result,
  };
}

/**
 * The network as the merchant's browser sees it. `net.fetch` is Chromium's stack: the system proxy (including PAC
 * and WPAD) and the OS certificate store (https://www.electronjs.org/docs/latest/api/net). The COS SDK cannot use
 * it, so it gets the proxy `session.resolveProxy` picks for its endpoint, and Node's TLS is given the OS
 * certificates as well (`tls.getCACertificates('system')` + `tls.setDefaultCACertificates`, Node ≥ 24.5; Electron 45
 * ships Node 24: https://www.electronjs.org/blog/electron-40-0 moved it to 24).
 */
export function electronNetwork(): { fetch: typeof fetch; resolveProxy: (url: string) => Promise<string> } {
  trustSystemCertificates(tls as unknown as TlsWithSystemCa);
  return {
    fetch: ((input: string | URL | Request, init?: RequestInit) =>
      net.fetch(input instanceof URL ? input.href : input, init)) as typeof fetch,
    resolveProxy: (url) => session.defaultSession.resolveProxy(url),
  };
}

type TlsWithSystemCa = {
  getCACertificates?: (type?: 'default' | 'system' | 'bundled' | 'extra') => string[];
  setDefaultCACertificates?: (certs: string[]) => void;
};

/** Adds the OS trust store to Node's default CAs (where this Node can read it); returns how many were added. */
export function trustSystemCertificates(t: TlsWithSystemCa): number {
  if (!t.getCACertificates || !t.setDefaultCACertificates) return 0;
  const system = t.getCACertificates('system');
  const current = new Set(t.getCACertificates('default'));
  const added = system.filter((c) => !current.has(c));
  if (added.length) t.setDefaultCACertificates([...current, ...added]);
  return added.length;
}

export function electronPlatform(window: () => BrowserWindow | null, onNotificationClick: (batchId: string) => void): Platform {
  const parent = () => window() ?? undefined;
  // a notification that is garbage-collected loses its click handler: keep them until they are done
  const shown = new Set<Notification>();
  return {
    async pickImages() {
      const options: Electron.OpenDialogOptions = {
        title: '选择商品图片',
        properties: ['openFile', 'multiSelections'],
        filters: [{ name: '图片', extensions: ['jpg', 'jpeg', 'png', 'webp'] }],
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? [] : r.filePaths;
    },
    async pickFolder(defaultPath) {
      const options: Electron.OpenDialogOptions = {
        title: '选择结果保存位置',
        defaultPath,
        properties: ['openDirectory', 'createDirectory'],
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, options) : await dialog.showOpenDialog(options);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async openFolder(path) {
      const error = await shell.openPath(path);
      if (error) throw new Error(error);
    },
    revealFile: (path) => shell.showItemInFolder(path),
    notify(title, body, batchId) {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body });
      shown.add(n);
      const done = () => shown.delete(n);
      n.on('click', () => {
        done();
        if (batchId) onNotificationClick(batchId);
      });
      n.on('close', done);
      n.show();
    },
    // sharp decodes on libuv's thread pool (not the main thread) and reads JPEG, PNG and WebP alike; nativeImage
    // decodes on the main thread and reads neither WebP nor, on Linux, anything but PNG/JPEG
    thumbnail: (path, size) => makeThumbnail(path, PREVIEW_PIXELS[size ?? 'thumb']),
  };
}
