/**
 * The desktop's main-process service: one object behind the IPC contract. It owns the session, the membership,
 * the purchase flow, the draft of dropped files, the queue engine and the settings, and publishes one `AppState`
 * to the renderer whenever something changes. It never imports `electron`: the platform is injected.
 */
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { versionBelow, type ClientConfig, type ConsentStatus, type PaymentChannelId, type Task } from '@aizhao/shared';
import { modelImageWarnings, modelOptions, modelSuggestions } from './model-options.js';
import type {
  AppState,
  BatchView,
  ClientOptions,
  ConsentView,
  DraftFile,
  ExportDefaults,
  ExportItemsInput,
  ExportPresetView,
  ExportReport,
  ExportResultInput,
  ItemView,
  LegalDocView,
  MembershipView,
  PaymentChoice,
  PreviewSize,
  StartBatchInput,
  StateMessage,
  StateSnapshot,
  TaskFilter,
  WatchedFolderInput,
  TaskPage,
  TaskRow,
} from '../shared/contract.js';
import { createApiClient, type ApiClient } from './api-client.js';
import { downloadAll } from './downloader.js';
import { Engine, type EngineOptions } from './engine.js';
import { ExportService } from './exports/export-service.js';
import { presetViews } from './exports/presets.js';
import { checkAffordable, checkedBatch } from './batch-plan.js';
import { PhotoHistory, historyEntry, withHistory, type DraftEntry } from './duplicates.js';
import { DesktopError, resultExpired } from './errors.js';
import { HotFolders, type HotFolderOptions, type WatchedFolder } from './hot-folder.js';
import { placeUnder, scanPaths, type InputFile, type RejectedInput } from './input-files.js';
import { isPathInside } from './path-guard.js';
import { PaymentFlow } from './payment.js';
import { planRedo } from './redo.js';
import type { KeyValueStore, Platform, SecretBox } from './ports.js';
import { QueueStore, isFinished, isRetryable, type QueueItem } from './queue-store.js';
import { allocateOutputDirs, defaultBatchName, resultFileNames, savedResults } from './result-paths.js';
import { SessionStore } from './session-store.js';
import { StatePublisher } from './state-patch.js';
import { StsCache, Uploader } from './uploader.js';
import { UpdateFlow, type UpdaterPort } from './updates.js';

export interface AppServiceOptions {
  apiBaseUrl: string;
  store: KeyValueStore;
  secrets: SecretBox;
  platform: Platform;
  /** default result root, e.g. `<Pictures>/AI照` */
  defaultResultRoot: string;
  /** the app's own data folder (Electron's `userData`): the cut-out cache lives there, not in the merchant's folders */
  dataDir: string;
  engine?: Partial<EngineOptions>;
  paymentPollMs?: number;
  /** retry delay while the server cannot be reached at start */
  connectRetryMs?: number;
  /** how often the membership is refreshed while logged in */
  membershipRefreshMs?: number;
  /** uploads above this size go multipart */
  uploadSliceSize?: number;
  /** this app's version (Electron's `app.getVersion()`), sent to the server and shown in 设置 */
  appVersion?: string;
  /** the HTTP stack for the API and downloads: Electron's `net.fetch` in the app; Node's `fetch` by default */
  fetch?: typeof fetch;
  /** the system proxy for a URL in PAC syntax (`session.resolveProxy`), for the COS SDK's own requests */
  resolveProxy?: (url: string) => Promise<string>;
  /** electron-updater's `autoUpdater` (null or absent: this build does not update itself, e.g. in development) */
  updater?: UpdaterPort | null;
  /** how often updates are looked for (daily) */
  updateIntervalMs?: number;
  /** the hot folders' timings (stability check, batching, daily recheck) */
  hotFolder?: Partial<HotFolderOptions>;
}

const DEFAULT_ENGINE: EngineOptions = {
  uploadConcurrency: 3,
  downloadConcurrency: 3,
  syncIntervalMs: 2000,
  createRetries: 4,
  retryDelayMs: 1000,
};
const SETTINGS_KEY = 'settings';
/** the payment channel last chosen (微信支付 / 支付宝), offered first next time */
const PAYMENT_KEY = 'payment';
const STATE_COALESCE_MS = 50;

function toOptions(c: ClientConfig): ClientOptions {
  return {
    sandbox: c.sandbox,
    plan: c.plan,
    taskTypes: c.taskTypes,
    scenes: c.scenes,
    categories: c.categories,
    models: modelOptions(),
    modelSuggestions: modelSuggestions(c.categories.map((x) => x.id)),
    modelImageWarnings: modelImageWarnings(c.categories.map((x) => x.id)),
    maxUploadBytes: c.upload.maxBytes,
    resultRetentionDays: c.resultRetentionDays ?? null,
  };
}

export class AppService {
  readonly api: ApiClient;
  private readonly session: SessionStore;
  private readonly queue: QueueStore;
  private readonly engine: Engine;
  private readonly payment: PaymentFlow;
  private readonly exports: ExportService;
  private config: ClientConfig | null = null;
  private offline = false;
  private user: { id: string; phone: string } | null = null;
  private membership: MembershipView | null = null;
  private draft: { files: DraftEntry[]; rejected: RejectedInput[] } = { files: [], rejected: [] };
  private readonly history: PhotoHistory;
  /** history look-ups of dropped photos under way */
  private readonly lookups = new Set<Promise<void>>();
  private readonly hotFolders: HotFolders;
  private uploaderFor: { userId: string; uploader: Uploader } | null = null;
  private listeners = new Set<(s: AppState) => void>();
  private messageListeners = new Set<(m: StateMessage) => void>();
  private readonly publisher = new StatePublisher();
  /** the settings, read from the store once (this process is the only writer) */
  private settings: { resultRoot?: string };
  private emitTimer: NodeJS.Timeout | null = null;
  private membershipTimer: NodeJS.Timeout | null = null;
  /** how many balances task creations have reported (to order them against membership reads) */
  private quotaReports = 0;
  private readonly backgroundReads = new Set<Promise<void>>();
  private closed = false;
  private initDone: Promise<void> | null = null;
  private readonly updates: UpdateFlow;
  private consent: (ConsentView & { termsVersion: string; privacyVersion: string }) | null = null;

  constructor(private readonly o: AppServiceOptions) {
    this.session = new SessionStore(o.store, o.secrets);
    this.settings = { ...((o.store.get(SETTINGS_KEY) as { resultRoot?: string } | undefined) ?? {}) };
    this.updates = new UpdateFlow(o.updater ?? null, () => this.emit(), o.updateIntervalMs);
    this.api = createApiClient({
      baseUrl: o.apiBaseUrl,
      token: () => this.session.current?.token ?? null,
      onUnauthenticated: () => this.endSession(),
      fetch: o.fetch,
      clientVersion: o.appVersion,
      onUpgradeRequired: (min) => this.updates.require(min),
    });
    this.queue = new QueueStore(o.store);
    this.exports = new ExportService({
      queue: this.queue,
      store: o.store,
      dataDir: o.dataDir,
      task: async (taskId) => (await this.api.task(taskId)).task,
      userId: () => this.user?.id ?? null,
      changed: () => this.emit(),
      fetch: o.fetch,
    });
    this.engine = new Engine(
      this.api,
      () => this.uploader(),
      this.queue,
      o.platform,
      {
        changed: () => this.emit(),
        // Creations answer in any order, each with the balance right after its own deduct: between two reads of
        // the membership the lowest one is the newest. Anything that raises the balance (refund, payment, batch
        // end) reads the membership again.
        quota: (quotaRemaining) => {
          this.quotaReports++;
          if (this.membership) {
            this.membership = { ...this.membership, quotaRemaining: Math.min(this.membership.quotaRemaining, quotaRemaining) };
          }
          this.emit();
        },
        refunded: () => this.refreshInBackground(),
        batchFinished: () => this.refreshInBackground(),
        online: (ok) => this.setOffline(!ok),
        // one event for what follows a done item (fresh or reused): its exports, and the photo history
        itemDone: (item) => {
          const entry = historyEntry(item);
          if (entry) this.history.record(item.userId, entry);
          this.exports.itemDone(item);
        },
      },
      {
        ...DEFAULT_ENGINE,
        ...o.engine,
        fetch: o.fetch,
        cutouts: this.exports.cutouts,
        costOf: (type) => this.config?.taskTypes.find((t) => t.type === type)?.cost ?? null,
      },
    );
    this.history = new PhotoHistory(o.store);
    this.hotFolders = new HotFolders(
      o.store,
      {
        scan: (paths) => scanPaths(paths, this.requireConfig().upload.maxBytes),
        cost: (type) => this.config?.taskTypes.find((t) => t.type === type)?.cost ?? 1,
        submit: (folder, files) => this.startHotFiles(folder, files),
        changed: () => this.emit(),
        ignore: (path) => isPathInside(path, this.resultRoot),
      },
      o.hotFolder,
    );
    this.payment = new PaymentFlow(
      this.api,
      { changed: () => this.emit(), paid: async () => (await this.refreshMembership().catch(() => null))?.quotaRemaining ?? null },
      o.paymentPollMs ?? 2000,
    );
  }

  // ---- lifecycle

  /** Connects to the server (retrying until it answers) and restores a saved session. */
  init(): Promise<void> {
    this.initDone ??= this.connect();
    return this.initDone;
  }

  private async connect(): Promise<void> {
    void this.exports.prune();
    await this.session.load();
    this.updates.start();
    while (!this.closed) {
      try {
        this.config = await this.api.clientConfig();
        this.setOffline(false);
        const min = this.config.minClientVersion;
        if (min && this.o.appVersion && versionBelow(this.o.appVersion, min)) this.updates.require(min);
        break;
      } catch {
        this.setOffline(true);
        await new Promise((r) => setTimeout(r, this.o.connectRetryMs ?? 3000));
      }
    }
    // a saved session: ask who it is until the server answers (a brief outage must not log the merchant out)
    while (this.session.current && !this.user && !this.closed) {
      try {
        const { user } = await this.api.me();
        await this.beginSession(user);
      } catch (e) {
        if (!(e instanceof DesktopError) || !e.transient) {
          this.endSession();
          break;
        }
        this.setOffline(true);
        await new Promise((r) => setTimeout(r, this.o.connectRetryMs ?? 3000));
      }
    }
    this.emit();
  }

  /** Stops timers and the queue; used on quit and by tests. */
  async close(): Promise<void> {
    this.closed = true;
    this.updates.stop();
    await this.hotFolders.stop();
    this.engine.stop();
    this.queue.flush(); // now, synchronously: the app may be gone before the running steps end
    this.payment.close();
    if (this.membershipTimer) clearInterval(this.membershipTimer);
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.listeners.clear();
    this.messageListeners.clear();
    await this.engine.whenIdle();
    await this.exports.whenIdle();
    this.queue.flush();
  }

  /** Resolves when the queue has nothing left to do and the balance it changed has been read again (tests). */
  async whenIdle(): Promise<void> {
    await this.hotFolders.settled();
    await this.engine.whenIdle();
    await this.exports.whenIdle();
    await Promise.all(this.backgroundReads);
  }

  /** Reads the membership again without waiting for it (after a refund or a finished batch). */
  private refreshInBackground(): void {
    const read: Promise<void> = this.refreshMembership()
      .then(
        () => {},
        () => {},
      )
      .finally(() => this.backgroundReads.delete(read));
    this.backgroundReads.add(read);
  }

  onState(listener: (s: AppState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to state changes as numbered patches (what main pushes to the window); see `getSnapshot`. */
  onStateMessage(listener: (m: StateMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  // ---- state

  /**
   * The current state and its version. A change not pushed yet is published first (as a patch to the listeners),
   * so that the next patch applies onto this snapshot.
   */
  getSnapshot(): StateSnapshot {
    this.publish(this.getState());
    return this.publisher.snapshot();
  }

  getState(): AppState {
    const userId = this.user?.id;
    return {
      ready: this.config !== null,
      offline: this.offline,
      options: this.config ? toOptions(this.config) : null,
      user: this.user,
      sessionPersisted: this.session.persisted,
      membership: this.membership,
      payment: this.payment.view,
      draft: {
        files: this.draft.files.map(({ path, name, size, source, previous, similar, reprocess }): DraftFile => ({
          path,
          name,
          size,
          source,
          previous: (previous ?? []).map(({ files: _files, ...run }) => run),
          similar: similar ?? null,
          reprocess: reprocess === true,
        })),
        rejected: this.draft.rejected,
      },
      hotFolders: userId ? this.hotFolders.views(userId) : [],
      batches: userId ? this.batchViews(userId) : [],
      settings: { resultRoot: this.resultRoot, exportDefaults: this.exports.defaults },
      about: { version: this.o.appVersion ?? '0.0.0', helpUrl: this.config?.helpUrl ?? null },
      update: this.updates.view,
      consent:
        this.user && this.consent ? { required: this.consent.required, terms: this.consent.terms, privacy: this.consent.privacy } : null,
    };
  }

  private batchViews(userId: string): BatchView[] {
    return this.queue
      .batches(userId)
      .map((b) => {
        const items = this.queue.batchItems(b.id).map((i) => this.itemView(i));
        return {
          id: b.id,
          createdAt: b.createdAt,
          type: b.type,
          params: b.params,
          items,
          finished: items.filter((i) => isFinished(i.stage)).length,
          paused: b.paused === true,
          cancelled: b.cancelled === true,
          name: b.name ?? '',
          dir: b.dir ?? null,
          presets: b.presets ?? [],
          flat: b.flat === true,
        };
      })
      .reverse();
  }

  private itemView(i: QueueItem): ItemView {
    const uploadedBytes = i.uploaded ? i.size : this.engine.uploadedBytes(i.id);
    return {
      id: i.id,
      batchId: i.batchId,
      name: i.name,
      path: i.path,
      size: i.size,
      stage: i.stage,
      uploadedBytes,
      taskId: i.taskId,
      errorReason: i.errorReason,
      refunded: i.refunded,
      retryable: isRetryable(i),
      outputDir: i.outputDir,
      files: i.files,
      removable: i.stage !== 'done' && i.stage !== 'cancelled' && (i.taskId === null || i.stage === 'failed'),
      keptAfterCancel: i.keptAfterCancel === true,
      relPath: i.relPath ?? i.name,
      exports: i.exports ?? [],
      reused: i.reusedFrom !== undefined,
    };
  }

  private emit(): void {
    if (this.emitTimer || this.closed) return;
    this.emitTimer = setTimeout(() => {
      this.emitTimer = null;
      const state = this.getState();
      for (const l of this.listeners) l(state);
      this.publish(state);
    }, STATE_COALESCE_MS);
  }

  private publish(state: AppState): void {
    const patch = this.publisher.publish(state);
    if (patch) for (const l of this.messageListeners) l(patch);
  }

  private setOffline(offline: boolean): void {
    if (this.offline === offline) return;
    this.offline = offline;
    this.emit();
  }

  // ---- session

  async sendCode(phone: string): Promise<{ cooldownSeconds: number; sandboxCode: string | null }> {
    const r = await this.api.sendSmsCode(phone);
    const sandboxCode = this.config?.sandbox ? ((await this.api.sandboxOutbox(phone)).messages[0]?.code ?? null) : null;
    return { cooldownSeconds: r.cooldownSeconds, sandboxCode };
  }

  async login(phone: string, code: string): Promise<void> {
    const r = await this.api.login(phone, code);
    await this.session.save(r.token, r.user.id);
    await this.beginSession(r.user);
  }

  logout(): void {
    this.endSession();
  }

  private async beginSession(user: { id: string; phone: string }): Promise<void> {
    this.user = { id: user.id, phone: user.phone };
    await Promise.all([this.refreshMembership().catch(() => {}), this.readConsent().catch(() => {})]);
    if (this.membershipTimer) clearInterval(this.membershipTimer);
    this.membershipTimer = setInterval(() => void this.refreshMembership().catch(() => {}), this.o.membershipRefreshMs ?? 5 * 60_000);
    this.membershipTimer.unref?.();
    this.engine.start(user.id);
    void this.hotFolders.start(user.id);
    this.emit();
  }

  private endSession(): void {
    this.engine.stop();
    void this.hotFolders.stop();
    this.payment.close();
    if (this.membershipTimer) clearInterval(this.membershipTimer);
    this.membershipTimer = null;
    this.session.clear();
    this.user = null;
    this.membership = null;
    this.consent = null;
    this.uploaderFor = null;
    this.draft = { files: [], rejected: [] };
    this.emit();
  }

  private requireUser(): { id: string; phone: string } {
    if (!this.user) throw new DesktopError('UNAUTHENTICATED', '请先登录');
    return this.user;
  }

  private requireConfig(): ClientConfig {
    if (!this.config) throw new DesktopError('NETWORK', '还没有连上服务器，请稍候');
    return this.config;
  }

  // ---- membership and payment

  async refreshMembership(): Promise<MembershipView> {
    this.requireUser();
    const reportsBefore = this.quotaReports;
    let m = await this.api.membership();
    // a creation answered while this read was under way: its deduct may be newer than the read
    if (this.quotaReports !== reportsBefore && this.membership) {
      m = { ...m, quotaRemaining: Math.min(m.quotaRemaining, this.membership.quotaRemaining) };
    }
    this.membership = m;
    this.setOffline(false);
    this.emit();
    return m;
  }

  async startPurchase(shortfall?: number): Promise<void> {
    this.requireUser();
    const channels = this.requireConfig().paymentChannels ?? ['wx'];
    const remembered = (this.o.store.get(PAYMENT_KEY) as { channel?: PaymentChannelId } | undefined)?.channel;
    const channel = remembered && channels.includes(remembered) ? remembered : channels[0]!;
    return this.payment.start({
      channel,
      channels,
      planId: null,
      shortfall: shortfall ?? null,
      isMember: this.membership?.isMember ?? false,
    });
  }

  /** Another channel (remembered for the next purchase) or plan: the order is made again with it. */
  async choosePayment(choice: PaymentChoice): Promise<void> {
    this.requireUser();
    const view = this.payment.view;
    if (!view) throw new DesktopError('NO_ORDER', '没有打开的支付窗口');
    const channels = this.requireConfig().paymentChannels ?? ['wx'];
    if (choice.channel && !channels.includes(choice.channel)) throw new DesktopError('UNSUPPORTED_CHANNEL', '该支付方式暂未开通');
    if (choice.channel) this.o.store.set(PAYMENT_KEY, { channel: choice.channel });
    return this.payment.start({
      channel: choice.channel ?? view.channel,
      channels,
      planId: choice.planId ?? view.planId,
      shortfall: view.shortfall,
      isMember: this.membership?.isMember ?? false,
    });
  }

  async simulatePayment(): Promise<void> {
    if (!this.requireConfig().sandbox) throw new DesktopError('NOT_SANDBOX', '仅在体验模式下可用');
    return this.payment.simulate();
  }

  closePurchase(): void {
    this.payment.close();
  }

  // ---- draft

  async addFiles(paths: string[]): Promise<void> {
    const user = this.requireUser();
    const known = new Set(this.draft.files.map((f) => f.path));
    const scan = await scanPaths(
      paths.filter((p) => !known.has(p)),
      this.requireConfig().upload.maxBytes,
    );
    // a folder dropped again yields files already in the draft; a file checked again replaces its old refusal
    const inDraft = new Set(this.draft.files.map((f) => f.path));
    const added = scan.accepted.filter((f) => !inDraft.has(f.path));
    const scanned = new Set([...scan.accepted, ...scan.rejected].map((f) => f.path));
    this.draft = {
      files: [...this.draft.files, ...added],
      rejected: [...this.draft.rejected.filter((r) => !scanned.has(r.path)), ...scan.rejected],
    };
    this.emit(); // the photos show at once; what the history says of them follows
    await this.lookUp(user.id, added);
  }

  /**
   * Looks the draft's new photos up in the history (hashing them: seconds for a big drop) and shows what it found:
   * reused, or flagged as a look-alike. `startBatch` waits for every look-up, so nothing is paid before it is known.
   */
  private async lookUp(userId: string, files: InputFile[]): Promise<void> {
    const lookup = withHistory(files, this.history, userId, (taskId) => this.serverHasResults(taskId)).then((found) => {
      if (this.user?.id !== userId) return; // logged out meanwhile
      const byPath = new Map(found.map((f) => [f.path, f]));
      this.draft = {
        ...this.draft,
        files: this.draft.files.map((f) => (byPath.has(f.path) ? { ...byPath.get(f.path)!, reprocess: f.reprocess } : f)),
      };
      this.emit();
    });
    this.lookups.add(lookup);
    try {
      await lookup;
    } finally {
      this.lookups.delete(lookup);
    }
  }

  async pickFiles(): Promise<void> {
    const paths = await this.o.platform.pickImages();
    if (paths.length) await this.addFiles(paths);
  }

  /** 仍然重新处理: the photo is processed and charged although its earlier result could be reused (or back). */
  setReprocess(path: string, reprocess: boolean): void {
    this.requireUser();
    this.draft = { ...this.draft, files: this.draft.files.map((f) => (f.path === path ? { ...f, reprocess } : f)) };
    this.emit();
  }

  /** Whether the server still has a task's results (done, not past its retention). */
  private async serverHasResults(taskId: string): Promise<boolean> {
    const { task } = await this.api.task(taskId);
    return task.status === 'done' && !task.resultsExpired && task.results.length > 0;
  }

  removeDraftFile(path: string): void {
    this.draft = { files: this.draft.files.filter((f) => f.path !== path), rejected: this.draft.rejected.filter((r) => r.path !== path) };
    this.emit();
  }

  clearDraft(): void {
    this.draft = { files: [], rejected: [] };
    this.emit();
  }

  // ---- batches

  /**
   * Starts the draft as a batch after checking, against a fresh balance, that it fits: nothing is spent on a batch
   * that cannot finish. The server still decides every charge.
   */
  async startBatch(input: StartBatchInput): Promise<{ batchId: string }> {
    this.requireUser();
    await Promise.allSettled([...this.lookups]); // what is reused and what is charged must be known first
    if (this.draft.files.length === 0) throw new DesktopError('EMPTY_BATCH', '请先添加图片');
    const { batchId, rest } = await this.startFiles(this.draft.files, input);
    if (!batchId) throw new DesktopError('EMPTY_BATCH', '请先添加图片'); // a draft always starts with at least one (limit ≥ 1)
    // 先处理前 N 张: the photos beyond N stay in the draft
    this.draft = { files: rest, rejected: rest.length ? this.draft.rejected : [] };
    this.emit();
    return { batchId };
  }

  /** Checks, against a fresh balance, that `cost` 次 can be spent now. */
  private async checkAffordable(cost: number): Promise<void> {
    await checkAffordable(cost, () => this.refreshMembership());
  }

  /**
   * 重做: the input photos of these items (one batch's) processed again as a new batch of the same type and
   * parameters — new tasks, charged again (the renderer shows the cost first). The photos are checked again: one
   * moved or deleted since is refused.
   */
  async redoItems(itemIds: string[]): Promise<{ batchId: string }> {
    const user = this.requireUser();
    const plan = await planRedo(
      [...new Set(itemIds)].map((id) => this.queue.item(id)),
      user.id,
      this.requireConfig(),
    );
    await this.checkAffordable(plan.cost);
    const source = this.queue.batch(plan.batchId);
    const defaults = this.exports.defaults;
    const batchId = this.engine.addBatch(user.id, plan.files, plan.type, plan.params, this.resultRoot, {
      name: `${source?.name ?? defaultBatchName(plan.files)} 重做`,
      presets: source?.presets ?? defaults.presets,
      flat: source?.flat ?? defaults.flat,
    });
    this.emit();
    return { batchId };
  }

  /** Starts photos as a batch once `checkedBatch` has said what is reused, what is charged and that it fits. */
  private async startFiles(files: DraftEntry[], input: StartBatchInput): Promise<{ batchId: string | null; rest: DraftEntry[] }> {
    const user = this.requireUser();
    const { type, params, plan } = await checkedBatch(this.requireConfig(), files, input, () => this.refreshMembership());
    // nothing fits (a hot folder's photos with no 次 left): no empty batch
    if (!plan.start.length) return { batchId: null, rest: plan.rest };
    const defaults = this.exports.defaults;
    const batchId = this.engine.addBatch(user.id, plan.start, type, params, this.resultRoot, {
      name: input.name?.trim() || defaultBatchName(plan.start),
      presets: input.presets ?? defaults.presets,
      flat: input.flat ?? defaults.flat,
    });
    return { batchId, rest: plan.rest };
  }

  /** A hot folder's new photos (their fingerprints looked up first: a duplicate is reused there too). */
  private async startHotFiles(folder: WatchedFolder, files: InputFile[]): Promise<InputFile[]> {
    const user = this.requireUser();
    // mirrored under the batch folder as they lie in the watched folder (`SKU123/正面.jpg`)
    const placed = files.map((f) => ({ ...f, ...placeUnder(folder.path, f.path) }));
    const entries = await withHistory(placed, this.history, user.id, (taskId) => this.serverHasResults(taskId));
    // the balance may cover only the first photos: those start (先处理前 N 张), the others wait for a renewal
    // (photos queued but not charged yet will take their 次 first)
    const costOf = (type: string) => this.requireConfig().taskTypes.find((t) => t.type === type)?.cost ?? 1;
    const queued = this.queue
      .items(user.id)
      .filter((i) => !isFinished(i.stage) && !i.taskId)
      .reduce((n, i) => n + costOf(i.type), 0);
    const limit = Math.floor(Math.max(0, (await this.refreshMembership()).quotaRemaining - queued) / costOf(folder.type));
    // the batch is named after the watched folder and exported to its presets
    return (
      await this.startFiles(entries, {
        type: folder.type,
        params: folder.params,
        limit,
        name: basename(folder.path),
        presets: folder.presets,
      })
    ).rest;
  }

  // ---- hot folders

  async addWatchedFolder(input: WatchedFolderInput): Promise<void> {
    const user = this.requireUser();
    const dir = await this.o.platform.pickFolder(this.resultRoot);
    if (!dir) return;
    if (isPathInside(dir, this.resultRoot) || isPathInside(this.resultRoot, dir))
      throw new DesktopError('INVALID_INPUT', '不能监视结果保存文件夹（或包含它的文件夹），请选择放原图的文件夹');
    if (this.hotFolders.folders(user.id).some((f) => f.path === dir)) throw new DesktopError('INVALID_INPUT', '这个文件夹已经在自动处理了');
    await this.hotFolders.add(user.id, dir, input);
  }

  async updateWatchedFolder(id: string, change: Partial<WatchedFolderInput> & { paused?: boolean }): Promise<void> {
    const user = this.requireUser();
    if (!this.hotFolders.folders(user.id).some((f) => f.id === id)) throw new DesktopError('NOT_FOUND', '找不到这个文件夹');
    await this.hotFolders.update(user.id, id, change);
  }

  async removeWatchedFolder(id: string): Promise<void> {
    const user = this.requireUser();
    if (!this.hotFolders.folders(user.id).some((f) => f.id === id)) throw new DesktopError('NOT_FOUND', '找不到这个文件夹');
    await this.hotFolders.remove(user.id, id);
  }

  retryItem(itemId: string): void {
    this.requireUser();
    this.engine.retry(itemId);
    this.emit();
  }

  pauseBatch(batchId: string): void {
    this.requireUser();
    this.engine.pause(batchId);
  }

  resumeBatch(batchId: string): void {
    this.requireUser();
    this.engine.resume(batchId);
  }

  cancelBatch(batchId: string): void {
    this.requireUser();
    this.engine.cancel(batchId);
  }

  removeItem(itemId: string): void {
    this.requireUser();
    this.engine.remove(itemId);
    this.emit();
  }

  // ---- updates

  async checkForUpdates(): Promise<void> {
    if (!this.o.updater) throw new DesktopError('UPDATES_UNAVAILABLE', '这个版本不能自动更新（开发版本）');
    await this.updates.check();
  }

  /** Quits and installs the downloaded update; unfinished batches resume at the next start. */
  installUpdate(): void {
    this.queue.flush();
    if (!this.updates.install()) throw new DesktopError('UPDATE_NOT_READY', '新版本还没有下载好，请稍候');
  }

  // ---- terms and privacy

  private async readConsent(): Promise<void> {
    const c: ConsentStatus = await this.api.consent();
    const doc = (kind: LegalDocView['kind'], d: { title: string; version: string }): LegalDocView => ({
      kind,
      title: d.title,
      version: d.version,
    });
    this.consent = {
      required: c.accepted?.termsVersion !== c.terms.version || c.accepted?.privacyVersion !== c.privacy.version,
      terms: doc('terms', c.terms),
      privacy: doc('privacy', c.privacy),
      termsVersion: c.terms.version,
      privacyVersion: c.privacy.version,
    };
    this.emit();
  }

  async legalText(kind: 'terms' | 'privacy'): Promise<LegalDocView & { body: string }> {
    const d = await this.api.legal(kind);
    return { kind, title: d.title, version: d.version, body: d.body };
  }

  /** Records the acceptance of the versions the merchant was shown. */
  async acceptConsent(): Promise<void> {
    this.requireUser();
    if (!this.consent) await this.readConsent();
    const c = this.consent!;
    await this.api.acceptConsent({ termsVersion: c.termsVersion, privacyVersion: c.privacyVersion });
    await this.readConsent();
  }

  clearFinishedBatches(): void {
    this.queue.removeFinished(this.requireUser().id);
    this.emit();
  }

  // ---- history

  async listTasks(filter: TaskFilter): Promise<TaskPage> {
    this.requireUser();
    const page = await this.api.listTasks({ ...filter, limit: 20 });
    return { items: page.items.map((t) => this.taskRow(t)), nextCursor: page.nextCursor };
  }

  private taskRow(t: Task): TaskRow {
    const record = this.queue.taskRecord(t.id);
    const files = record
      ? resultFileNames(t.type, record.stem ?? basename(record.outputDir))
          .map((n) => join(record.outputDir, n))
          .filter((p) => existsSync(p))
      : [];
    return {
      id: t.id,
      type: t.type,
      status: t.status,
      params: t.params,
      errorReason: t.errorReason,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      resultCount: savedResults(t).length,
      resultsExpired: t.resultsExpired ?? false,
      name: record?.name ?? null,
      files,
      outputDir: record?.outputDir ?? null,
    };
  }

  /** Downloads a done task's results again (missing files only) into its folder, or a new one for tasks made elsewhere. */
  async redownload(taskId: string): Promise<{ files: string[] }> {
    this.requireUser();
    const { task } = await this.api.task(taskId);
    if (task.status !== 'done') throw new DesktopError('NOT_DONE', '任务还没有完成，暂无结果可下载');
    if (task.resultsExpired) throw resultExpired();
    let record = this.queue.taskRecord(taskId);
    if (!record) {
      const name = `任务-${taskId.slice(-8)}`;
      const [outputDir] = allocateOutputDirs(this.resultRoot, new Date(task.createdAt), [name], this.queue.reservedDirs());
      record = { name, outputDir: outputDir!, type: task.type };
      this.queue.recordTask(taskId, record);
    }
    const names = resultFileNames(task.type, record.stem ?? basename(record.outputDir));
    try {
      const files = await downloadAll(
        savedResults(task)
          .slice(0, names.length)
          .map((r) => r.url),
        record.outputDir,
        names,
        { fetch: this.o.fetch },
      );
      await this.exports.cutouts.store(task);
      return { files };
    } catch (e) {
      if (e instanceof DesktopError && (e.status === 403 || e.status === 404)) throw resultExpired();
      throw e;
    }
  }

  // ---- files and settings

  get resultRoot(): string {
    return this.settings.resultRoot ?? this.o.defaultResultRoot;
  }

  async chooseResultRoot(): Promise<void> {
    const dir = await this.o.platform.pickFolder(this.resultRoot);
    if (!dir) return;
    this.settings = { ...this.settings, resultRoot: dir };
    this.o.store.set(SETTINGS_KEY, this.settings);
    this.emit();
  }

  /** Folders the renderer may open: the result root and every result folder the queue knows. */
  private allowedPath(path: string): boolean {
    const userId = this.user?.id;
    if (!userId) return false;
    if (isPathInside(path, this.resultRoot)) return true;
    return (
      this.queue.items(userId).some((i) => i.path === path) ||
      [...this.queue.outputDirs(), ...this.queue.batchDirs()].some((dir) => isPathInside(path, dir))
    );
  }

  async openFolder(path: string): Promise<void> {
    if (!this.allowedPath(path)) throw new DesktopError('FORBIDDEN_PATH', '只能打开结果文件夹');
    if (path === this.resultRoot) await mkdir(path, { recursive: true }); // before the first batch it may not exist yet
    if (!existsSync(path)) throw new DesktopError('NOT_FOUND', '文件夹不存在（可能已被移动或删除）');
    await this.o.platform.openFolder(path);
  }

  revealFile(path: string): void {
    if (!this.allowedPath(path)) throw new DesktopError('FORBIDDEN_PATH', '只能显示结果文件');
    if (!existsSync(path)) throw new DesktopError('NOT_FOUND', '文件不存在（可能已被移动或删除）');
    this.o.platform.revealFile(path);
  }

  /** A preview of a draft file, a queued input or a result. */
  async thumbnail(path: string, size?: PreviewSize): Promise<string | null> {
    const known = this.draft.files.some((f) => f.path === path) || this.allowedPath(path);
    if (!known) throw new DesktopError('FORBIDDEN_PATH', '无法预览这个文件');
    return this.o.platform.thumbnail(path, size);
  }

  // ---- exports (core/exports)

  listExportPresets(): ExportPresetView[] {
    return presetViews();
  }

  exportItems(input: ExportItemsInput): Promise<ExportReport> {
    this.requireUser();
    return this.exports.exportItems(input);
  }

  exportResult(input: ExportResultInput): Promise<ExportReport> {
    this.requireUser();
    return this.exports.exportResult(input);
  }

  setExportDefaults(defaults: ExportDefaults): void {
    this.exports.setDefaults(defaults);
  }

  private uploader(): Uploader {
    const user = this.requireUser();
    if (this.uploaderFor?.userId !== user.id) {
      const cos = this.requireConfig().cos;
      this.uploaderFor = {
        userId: user.id,
        uploader: new Uploader(new StsCache(this.api), {
          domain: cos.domain,
          protocol: cos.protocol,
          sliceSize: this.o.uploadSliceSize,
          resolveProxy: this.o.resolveProxy,
        }),
      };
    }
    return this.uploaderFor.uploader;
  }
}
