/**
 * What the main-process services need from the platform. Electron provides them in `main/` (electron-store,
 * safeStorage, dialog, shell, Notification, nativeImage); tests provide plain Node versions. No module here imports
 * `electron`.
 */
import type { PreviewSize } from '../shared/contract.js';

/** A persistent key-value store with atomic writes (electron-store / conf). */
export interface KeyValueStore {
  /** the file it is kept in (the queue keeps its own file next to it) */
  readonly path: string;
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** The OS secret protection (Electron safeStorage's asynchronous API). */
export interface SecretBox {
  /** false when the OS offers no real protection (e.g. Linux without a keyring: safeStorage's basic_text) */
  isSecure(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  decrypt(cipher: Buffer): Promise<string>;
}

export interface Platform {
  /** file picker for images (several) and folders; resolves to the chosen paths, [] when cancelled */
  pickImages(): Promise<string[]>;
  /** folder picker; null when cancelled */
  pickFolder(defaultPath: string): Promise<string | null>;
  openFolder(path: string): Promise<void>;
  revealFile(path: string): void;
  /** a system notification; `batchId`: clicking it opens that batch */
  notify(title: string, body: string, batchId?: string): void;
  /** a preview of a local image (at most `size`'s pixels, `thumb` when absent) as a data URL, or null when it cannot be made */
  thumbnail(path: string, size?: PreviewSize): Promise<string | null>;
}
