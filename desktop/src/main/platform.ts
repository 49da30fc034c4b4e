/** The Electron side of the platform port: dialogs, shell, notifications, previews, safeStorage and the store. */
import { type BrowserWindow, Notification, dialog, nativeImage, safeStorage, shell } from 'electron';
import Store from 'electron-store';
import type { KeyValueStore, Platform, SecretBox } from '../core/ports.js';

export function electronStore(): KeyValueStore {
  // atomic writes; a corrupt file starts empty instead of crashing the app
  return new Store<Record<string, unknown>>({ name: 'aizhao', clearInvalidConfig: true }) as unknown as KeyValueStore;
}

export function electronSecretBox(): SecretBox {
  return {
    // Linux without a keyring falls back to a hard-coded key ("basic_text"): no real protection, so we keep the
    // token in memory only there
    isSecure: () =>
      safeStorage.isEncryptionAvailable() && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  };
}

export function electronPlatform(window: () => BrowserWindow | null): Platform {
  const parent = () => window() ?? undefined;
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
    notify(title, body) {
      if (Notification.isSupported()) new Notification({ title, body }).show();
    },
    async thumbnail(path) {
      const size = { width: 160, height: 160 };
      const image =
        process.platform === 'linux'
          ? nativeImage.createFromPath(path)
          : await nativeImage.createThumbnailFromPath(path, size).catch(() => nativeImage.createFromPath(path));
      if (image.isEmpty()) return null;
      return image.resize({ width: size.width, quality: 'good' }).toDataURL();
    },
  };
}
