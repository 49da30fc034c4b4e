/**
 * The app's own updates: electron-updater (`autoUpdater`, generic provider: the operator's feed) behind a small
 * port, so that the flow is plain code. It checks at start and then daily, downloads in the background
 * (electron-updater's `autoDownload`), and offers 「新版本已就绪，重启更新」 once the download is verified. When the
 * server refuses this version (426 UPGRADE_REQUIRED) the update becomes required and a check starts at once.
 * Event names and payloads: https://www.electron.build/auto-update#events
 */
import type { UpdateView } from '../shared/contract.js';

/** The part of electron-updater's `AppUpdater` the app uses. */
export interface UpdaterPort {
  on(event: 'checking-for-update' | 'update-not-available', listener: () => void): unknown;
  on(event: 'update-available' | 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'download-progress', listener: (p: { percent: number }) => void): unknown;
  on(event: 'error', listener: (e: Error) => void): unknown;
  /** with `autoDownload`, the result carries the download's promise */
  checkForUpdates(): Promise<{ downloadPromise?: Promise<unknown> | null } | null | unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
}

export const UPDATE_CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

const IDLE: UpdateView = { status: 'idle', version: null, percent: null, required: false, minVersion: null, message: null };

export class UpdateFlow {
  private state: UpdateView = IDLE;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly updater: UpdaterPort | null,
    private readonly changed: () => void,
    private readonly intervalMs = UPDATE_CHECK_INTERVAL_MS,
  ) {
    if (!updater) {
      this.state = { ...IDLE, message: '这个版本不能自动更新（开发版本）' };
      return;
    }
    updater.on('checking-for-update', () => this.set({ status: this.state.status === 'ready' ? 'ready' : 'checking', message: null }));
    updater.on('update-not-available', () => this.set({ status: 'latest', version: null, percent: null }));
    updater.on('update-available', (info) => this.set({ status: 'downloading', version: info.version, percent: 0 }));
    updater.on('download-progress', (p) => this.set({ status: 'downloading', percent: Math.floor(p.percent) }));
    updater.on('update-downloaded', (info) => this.set({ status: 'ready', version: info.version, percent: 100 }));
    updater.on('error', () => {
      if (this.state.status !== 'ready') this.set({ status: 'error', percent: null, message: '检查或下载更新失败，请检查网络后重试' });
    });
  }

  get view(): UpdateView {
    return this.state;
  }

  /** Checks now and then every `intervalMs` (daily). */
  start(): void {
    if (!this.updater || this.timer) return;
    void this.check().catch(() => {});
    this.timer = setInterval(() => void this.check().catch(() => {}), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check (a second call while one runs joins it); the download follows by itself. */
  check(): Promise<void> {
    if (!this.updater) {
      this.set({ status: 'error', message: '这个版本不能自动更新（开发版本）' });
      return Promise.resolve();
    }
    if (this.state.status === 'ready' || this.state.status === 'downloading') return Promise.resolve();
    this.checking ??= this.updater
      .checkForUpdates()
      .then(
        (result) => {
          // a failed download (network, sha512 mismatch) rejects this promise and is reported by `error` as well
          (result as { downloadPromise?: Promise<unknown> | null } | null)?.downloadPromise?.catch(() => {});
        },
        () => {
          // electron-updater also emits `error`; the state is set there
        },
      )
      .finally(() => (this.checking = null));
    return this.checking;
  }

  /** The server refuses this version: the update is required, and looked for at once. */
  require(minVersion: string | null): void {
    if (this.state.required && this.state.minVersion === minVersion) return;
    this.set({ required: true, minVersion });
    void this.check();
  }

  /** Quits and installs the downloaded update. */
  install(): boolean {
    if (!this.updater || this.state.status !== 'ready') return false;
    this.updater.quitAndInstall(false, true);
    return true;
  }

  private set(change: Partial<UpdateView>): void {
    this.state = { ...this.state, ...change };
    this.changed();
  }
}
