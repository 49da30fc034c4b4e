/**
 * The one IPC contract between the renderer and the main process.
 *
 * Every call is a method of `DesktopApi`; its channel name is the method name. The preload exposes exactly one
 * function per name in `INVOKE_CHANNELS` (no generic invoke), main validates the arguments (see
 * `core/ipc-schemas.ts`) and answers with an `IpcResult` envelope, so no raw Error object crosses the bridge.
 * Main pushes the whole `AppState` on the `STATE_EVENT` channel whenever it changes.
 *
 * This file is compiled into both the Node side and the renderer: types and plain constants only.
 */
import type { Category, Plan, Scene, TaskStatus, TaskType } from '@aizhao/shared';

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export type ItemStage = 'waiting' | 'uploading' | 'creating' | 'processing' | 'downloading' | 'done' | 'failed' | 'cancelled';

export interface TaskParams {
  scene?: Scene;
  category?: Category;
}

/** One file of a batch, as the merchant sees it. */
export interface ItemView {
  id: string;
  batchId: string;
  name: string;
  path: string;
  size: number;
  stage: ItemStage;
  uploadedBytes: number;
  taskId: string | null;
  /** why the item failed (Chinese, for the merchant) */
  errorReason: string | null;
  /** true when a task was charged and then failed: its quota came back */
  refunded: boolean;
  /** failed, and 重试 can help (not when the server no longer keeps the results) */
  retryable: boolean;
  /** where the results go */
  outputDir: string;
  /** result files on disk, once downloaded */
  files: string[];
  /** not charged (no task yet, or its task failed and was refunded): 移除 takes it out of the batch */
  removable: boolean;
  /** the batch was cancelled after this item was charged: it goes on, its results are saved, refunded only if it fails */
  keptAfterCancel: boolean;
  /** an exact duplicate of a photo processed before: its earlier results were reused, nothing was charged */
  reused?: boolean;
}

export interface BatchView {
  id: string;
  createdAt: string;
  type: TaskType;
  params: TaskParams;
  items: ItemView[];
  /** done + failed + cancelled, of items.length */
  finished: number;
  /** paused by the merchant (kept across restarts) */
  paused: boolean;
  cancelled: boolean;
}

export interface DraftFile {
  path: string;
  name: string;
  size: number;
  /** earlier runs of exactly this photo (same bytes), one per task type and parameters */
  previous?: PreviousRun[];
  /** an earlier photo that looks the same (resized or re-encoded): flagged, charged as usual */
  similar?: SimilarPhoto | null;
  /** the merchant chose 仍然重新处理: charged even though an earlier result could be reused */
  reprocess?: boolean;
}

/** An earlier task made from the same bytes. */
export interface PreviousRun {
  type: TaskType;
  params: TaskParams;
  taskId: string;
  name: string;
  at: string;
  /** its results can still be had (the local files, or the server before its retention ends): reused, not charged */
  available: boolean;
}

export interface SimilarPhoto {
  name: string;
  at: string;
  taskId: string;
}

/** What the merchant sets for a watched folder (设置 → 自动处理文件夹). */
export interface WatchedFolderInput {
  type: TaskType;
  params: TaskParams;
  /** export preset ids (defined by the exports module), kept as given */
  presets: string[];
  /** the most 次 this folder may spend per day */
  dailyLimit: number;
}

export interface HotFolderView extends WatchedFolderInput {
  id: string;
  path: string;
  paused: boolean;
  /** 次 spent today */
  usedToday: number;
  /** photos waiting (over today's limit, or they could not start) */
  waiting: number;
  /** why the last photos could not start */
  lastError: string | null;
  /** being watched now */
  watching: boolean;
}

export interface RejectedFile {
  path: string;
  name: string;
  reason: string;
}

/** The merchant's latest refunded order and what the refund took back (server: GET /membership/status). */
export interface RefundNoticeView {
  orderId: string;
  refundFen: number;
  quotaTaken: number;
  expiryShortenedSeconds: number;
  at: string;
}

export interface MembershipView {
  isMember: boolean;
  quotaRemaining: number;
  quotaExpireAt: string | null;
  plan: Plan;
  lastRefund?: RefundNoticeView | null;
}

export type PaymentStatus = 'creating' | 'waiting' | 'paid' | 'expired' | 'closed' | 'failed' | 'error';

export interface PaymentView {
  status: PaymentStatus;
  orderId: string | null;
  amountFen: number;
  expiresAt: string | null;
  /** the WeChat Native code as an image (data URL) */
  qrDataUrl: string | null;
  /** the last poll could not reach the server; polling goes on */
  networkError: boolean;
  /** set when status is 'error' */
  message: string | null;
  /** the balance after a successful payment */
  quotaAfter: number | null;
}

export interface ClientOptions {
  sandbox: boolean;
  plan: Plan;
  taskTypes: { type: TaskType; cost: number; label: string }[];
  scenes: { id: Scene; label: string }[];
  categories: { id: Category; label: string }[];
  maxUploadBytes: number;
  /** days results stay downloadable from the server after a task ends (null: the server does not say) */
  resultRetentionDays: number | null;
}

export type UpdateStatus = 'idle' | 'checking' | 'latest' | 'downloading' | 'ready' | 'error';

/** The app's own updates (electron-updater against the operator's feed). */
export interface UpdateView {
  status: UpdateStatus;
  /** the version on offer (downloading / ready) */
  version: string | null;
  /** download progress 0…100 while downloading */
  percent: number | null;
  /** the server refuses this version (426 UPGRADE_REQUIRED): the app must update before it can go on */
  required: boolean;
  /** the lowest version the server takes, when it said so */
  minVersion: string | null;
  /** why the last check or download failed (Chinese) */
  message: string | null;
}

export interface LegalDocView {
  kind: 'terms' | 'privacy';
  title: string;
  version: string;
}

/** The terms and privacy policy the merchant must accept (shown at the first login, and again when they change). */
export interface ConsentView {
  required: boolean;
  terms: LegalDocView;
  privacy: LegalDocView;
}

export interface AppState {
  /** false until the first contact with the server (client config) succeeded */
  ready: boolean;
  /** the server could not be reached at the last attempt */
  offline: boolean;
  options: ClientOptions | null;
  user: { id: string; phone: string } | null;
  /** false when the OS offers no safe storage: the login lasts until the app quits */
  sessionPersisted: boolean;
  membership: MembershipView | null;
  payment: PaymentView | null;
  draft: { files: DraftFile[]; rejected: RejectedFile[] };
  batches: BatchView[];
  settings: { resultRoot: string };
  /** this app: its version, and the help link the operator configured (null: none) */
  about: { version: string; helpUrl: string | null };
  update: UpdateView;
  /** null until the server said which terms apply (logged in only) */
  consent: ConsentView | null;
  /** the merchant's watched folders (logged in only) */
  hotFolders?: HotFolderView[];
}

export interface TaskFilter {
  status?: TaskStatus;
  type?: TaskType;
  cursor?: string;
}

export interface TaskRow {
  id: string;
  type: TaskType;
  status: TaskStatus;
  params: TaskParams;
  errorReason: string | null;
  createdAt: string;
  updatedAt: string;
  resultCount: number;
  /** the server deleted the results after its retention period (local files are not affected) */
  resultsExpired: boolean;
  /** the local input name when this computer made the task */
  name: string | null;
  /** local result files that exist on disk */
  files: string[];
  outputDir: string | null;
}

export interface TaskPage {
  items: TaskRow[];
  nextCursor: string | null;
}

export interface StartBatchInput {
  type: TaskType;
  params: TaskParams;
  /** 先处理前 N 张: start only the first N photos that will be charged; the rest stay in the draft */
  limit?: number;
}

/** Everything the renderer may ask of the main process. */
export interface DesktopApi {
  getState(): Promise<IpcResult<AppState>>;
  /** `sandboxCode`: in sandbox mode (no real SMS) the code the sandbox "sent", so that anyone can try the app */
  sendCode(phone: string): Promise<IpcResult<{ cooldownSeconds: number; sandboxCode: string | null }>>;
  login(phone: string, code: string): Promise<IpcResult<null>>;
  logout(): Promise<IpcResult<null>>;
  refreshMembership(): Promise<IpcResult<null>>;
  startPurchase(): Promise<IpcResult<null>>;
  simulatePayment(): Promise<IpcResult<null>>;
  closePurchase(): Promise<IpcResult<null>>;
  addFiles(paths: string[]): Promise<IpcResult<null>>;
  pickFiles(): Promise<IpcResult<null>>;
  removeDraftFile(path: string): Promise<IpcResult<null>>;
  clearDraft(): Promise<IpcResult<null>>;
  startBatch(input: StartBatchInput): Promise<IpcResult<{ batchId: string }>>;
  retryItem(itemId: string): Promise<IpcResult<null>>;
  pauseBatch(batchId: string): Promise<IpcResult<null>>;
  resumeBatch(batchId: string): Promise<IpcResult<null>>;
  cancelBatch(batchId: string): Promise<IpcResult<null>>;
  /** takes an item that was not charged out of its batch */
  removeItem(itemId: string): Promise<IpcResult<null>>;
  clearFinishedBatches(): Promise<IpcResult<null>>;
  listTasks(filter: TaskFilter): Promise<IpcResult<TaskPage>>;
  redownload(taskId: string): Promise<IpcResult<{ files: string[] }>>;
  openFolder(path: string): Promise<IpcResult<null>>;
  revealFile(path: string): Promise<IpcResult<null>>;
  chooseResultRoot(): Promise<IpcResult<null>>;
  thumbnail(path: string): Promise<IpcResult<string | null>>;
  checkForUpdates(): Promise<IpcResult<null>>;
  /** quits and installs the downloaded update */
  installUpdate(): Promise<IpcResult<null>>;
  /** the text of the terms or the privacy policy, as the server serves it */
  legalText(kind: 'terms' | 'privacy'): Promise<IpcResult<LegalDocView & { body: string }>>;
  /** records that the merchant accepted the versions shown */
  acceptConsent(): Promise<IpcResult<null>>;
  /** 仍然重新处理 (true) or back to reusing the earlier result (false) for a draft photo */
  setReprocess(path: string, reprocess: boolean): Promise<IpcResult<null>>;
  /** picks a folder and watches it with these settings */
  addWatchedFolder(input: WatchedFolderInput): Promise<IpcResult<null>>;
  updateWatchedFolder(id: string, change: Partial<WatchedFolderInput> & { paused?: boolean }): Promise<IpcResult<null>>;
  removeWatchedFolder(id: string): Promise<IpcResult<null>>;
}

export type InvokeChannel = keyof DesktopApi;

/** The calls the preload exposes, one function each (a test checks this list against DesktopApi and the schemas). */
export const INVOKE_CHANNELS = [
  'getState',
  'sendCode',
  'login',
  'logout',
  'refreshMembership',
  'startPurchase',
  'simulatePayment',
  'closePurchase',
  'addFiles',
  'pickFiles',
  'removeDraftFile',
  'clearDraft',
  'startBatch',
  'retryItem',
  'pauseBatch',
  'resumeBatch',
  'cancelBatch',
  'removeItem',
  'clearFinishedBatches',
  'listTasks',
  'redownload',
  'openFolder',
  'revealFile',
  'chooseResultRoot',
  'thumbnail',
  'checkForUpdates',
  'installUpdate',
  'legalText',
  'acceptConsent',
  'setReprocess',
  'addWatchedFolder',
  'updateWatchedFolder',
  'removeWatchedFolder',
] as const satisfies readonly InvokeChannel[];

export const STATE_EVENT = 'state-changed';

/** main → renderer: show a batch (a notification about it was clicked) */
export const NAVIGATE_EVENT = 'navigate';

export interface NavigateTarget {
  tab: 'progress';
  batchId: string;
}

/** The most paths one `addFiles` call takes (a folder counts as one path). */
export const MAX_PATHS_PER_CALL = 1000;

/** What the preload puts on `window.api`. */
export type BridgeApi = DesktopApi & {
  /** the local path of a dropped File (webUtils.getPathForFile); '' when it has none */
  pathForFile(file: File): string;
  /** subscribes to state pushes; returns the unsubscribe function */
  onState(listener: (state: AppState) => void): () => void;
  /** subscribes to "show this batch" requests (notification clicks); returns the unsubscribe function */
  onNavigate(listener: (target: NavigateTarget) => void): () => void;
};
