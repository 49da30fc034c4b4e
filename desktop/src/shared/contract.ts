/**
 * The one IPC contract between the renderer and the main process.
 *
 * Every call is a method of `DesktopApi`; its channel name is the method name. The preload exposes exactly one
 * function per name in `INVOKE_CHANNELS` (no generic invoke), main validates the arguments (see
 * `core/ipc-schemas.ts`) and answers with an `IpcResult` envelope, so no raw Error object crosses the bridge.
 * Main pushes a `StateMessage` on the `STATE_EVENT` channel whenever the state changes: a patch with only what
 * changed (items by id, removed ids, top-level fields), numbered, so that a renderer that missed one asks for a
 * `getSnapshot`.
 *
 * This file is compiled into both the Node side and the renderer: types and plain constants only.
 */
import type { Category, Model, PaymentChannelId, Plan, PlanView, Scene, TaskStatus, TaskType } from '@aizhao/shared';

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

export type ItemStage = 'waiting' | 'uploading' | 'creating' | 'processing' | 'downloading' | 'done' | 'failed' | 'cancelled';

export interface TaskParams {
  scene?: Scene;
  category?: Category;
  model?: Model;
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
  /** the input's path relative to the dropped folder (`SKU123/正面.jpg`), mirrored in the output */
  relPath: string;
  /** the latest marketplace exports of this item, each with its compliance check */
  exports: ExportedFile[];
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
  /** the batch folder's editable part (`2026-03-08 春装`: 春装) and the folder itself */
  name: string;
  dir: string | null;
  /** the presets chosen for this batch, exported as each item is done */
  presets: ExportPreset[];
  flat: boolean;
}

export interface DraftFile {
  path: string;
  name: string;
  size: number;
  /** the dropped folder's name ('' for a dropped file): the batch folder's default name */
  source?: string;
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
  /** the marketplace exports made as each photo of this folder is done (as in a batch's layout) */
  presets: ExportPreset[];
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
  /** the channel of this order (微信支付 / 支付宝) and the channels the operator offers */
  channel: PaymentChannelId;
  channels: PaymentChannelId[];
  /** what is on sale (GET /plans; empty from a server without plans) and the plan of this order */
  plans: PlanView[];
  planId: string | null;
  /** how many 次 the batch that opened the dialog lacks (「本批还差 N 次」), null otherwise */
  shortfall: number | null;
}

export interface PaymentChoice {
  channel?: PaymentChannelId;
  planId?: string;
}

export interface ClientOptions {
  sandbox: boolean;
  plan: Plan;
  taskTypes: { type: TaskType; cost: number; label: string }[];
  scenes: { id: Scene; label: string }[];
  categories: { id: Category; label: string }[];
  /** model_pose12's model choice (女 / 男 / 童), from the shared catalogue */
  models?: { id: Model; label: string }[];
  /** the model suggested for a category when the merchant has not chosen one (童 for 童装; absent: 女) */
  modelSuggestions?: Partial<Record<Category, Model>>;
  /** per category whose on-model images some marketplaces forbid: the warning shown before a model_pose12 batch */
  modelImageWarnings?: Partial<Record<Category, string>>;
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
  settings: { resultRoot: string; exportDefaults: ExportDefaults };
  /** this app: its version, and the help link the operator configured (null: none) */
  about: { version: string; helpUrl: string | null };
  update: UpdateView;
  /** null until the server said which terms apply (logged in only) */
  consent: ConsentView | null;
  /** the merchant's watched folders (logged in only) */
  hotFolders?: HotFolderView[];
}

/** A batch without its items (what a patch carries for a batch whose own fields changed). */
export type BatchHead = Omit<BatchView, 'items'>;

/** The whole state at `version` (the answer of `getSnapshot`). */
export interface StateSnapshot {
  kind: 'snapshot';
  version: number;
  state: AppState;
}

/**
 * What changed from the state at `base` to the state at `version` (= base + 1). Unchanged items, batches and
 * top-level fields are not in it. A new batch comes with its head and all its items; items new to a batch are
 * appended in the order given; a removed batch takes its items with it.
 */
export interface StatePatch {
  kind: 'patch';
  version: number;
  base: number;
  /** top-level fields that changed, each whole */
  fields: Partial<Omit<AppState, 'batches'>>;
  batches: {
    /** new batches, and batches whose own fields changed */
    changed: BatchHead[];
    removed: string[];
    /** the batches' ids in order, when the order or the set changed; null: as before */
    order: string[] | null;
  };
  items: { changed: ItemView[]; removed: string[] };
}

export type StateMessage = StateSnapshot | StatePatch;

/** How large a local preview is made: a list thumbnail, a review grid tile, the detail view (zoomable). */
export type PreviewSize = 'thumb' | 'grid' | 'detail';

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
  /** the batch folder's name after the date (default: the dropped folder's name) */
  name?: string;
  /** marketplace exports made as each item is done (default: 设置's default presets) */
  presets?: ExportPreset[];
  /** all exports of a preset in one folder, without the SKU sub-folders */
  flat?: boolean;
}

// ---- marketplace exports (composed locally from the cut-out; see core/exports/)

/** The fixed marketplace presets (their numbers and sources: core/exports/presets.ts). */
export const MARKET_PRESET_IDS = ['taobao', 'jd', 'pdd', 'douyin', 'amazon', 'transparent'] as const;
export type MarketPresetId = (typeof MARKET_PRESET_IDS)[number];
export const POSE_ASPECTS = ['1:1', '3:4'] as const;
export type PoseAspect = (typeof POSE_ASPECTS)[number];

/**
 * One export the merchant can choose: a marketplace preset, a custom size (from the cut-out of 基础修图 results),
 * or model images cropped around the model to an aspect and width (AI模特12图 results).
 */
export type ExportPreset =
  | { id: MarketPresetId }
  | {
      id: 'custom';
      width: number;
      height: number;
      /** the subject's longer side as a share of the canvas, 0.3…0.98 */
      fill: number;
      /** `#rrggbb`, or `transparent` (PNG only) */
      background: string;
      format: 'jpeg' | 'png';
    }
  | { id: 'pose'; aspect: PoseAspect; width: number };

/** What the dialog lists for a preset. */
export interface ExportPresetView {
  preset: ExportPreset;
  label: string;
  /** e.g. 800×800 JPG · 38–300 KB · 纯白底 */
  summary: string;
  /** applies to `basic_clean` results (from the cut-out) or `model_pose12` results */
  appliesTo: TaskType;
  /** some of its numbers come from secondary sources (not the marketplace's own pages) */
  unconfirmed: boolean;
}

export interface ExportDefaults {
  presets: ExportPreset[];
  flat: boolean;
}

export interface ExportItemsInput {
  itemIds: string[];
  presets: ExportPreset[];
  flat?: boolean;
  /** also one JPEG per SKU folder with all its results, labelled */
  contactSheet?: boolean;
}

export interface ExportResultInput {
  itemId: string;
  /** which of the item's result files (a pose), default the first */
  file?: string;
  preset: ExportPreset;
}

/** One exported file and its compliance check (read back from the file on disk). */
export interface ExportedFile {
  itemId: string;
  /** the result it was made from (its name, for the merchant) */
  source: string;
  presetLabel: string;
  path: string;
  ok: boolean;
  /** each failed rule in Chinese, e.g. 主体占比 72%，亚马逊要求 ≥ 85% */
  failures: string[];
}

export interface ExportReport {
  /** the folder to open (打开文件夹) */
  dir: string;
  files: ExportedFile[];
  /** contact sheets written (one per SKU folder) */
  sheets: string[];
  /** items that could not be exported, with the reason in Chinese */
  skipped: { itemId: string; name: string; reason: string }[];
}

/** Everything the renderer may ask of the main process. */
export interface DesktopApi {
  getState(): Promise<IpcResult<AppState>>;
  /** the whole state and its version (at the start, and when a patch was missed) */
  getSnapshot(): Promise<IpcResult<StateSnapshot>>;
  /** `sandboxCode`: in sandbox mode (no real SMS) the code the sandbox "sent", so that anyone can try the app */
  sendCode(phone: string): Promise<IpcResult<{ cooldownSeconds: number; sandboxCode: string | null }>>;
  login(phone: string, code: string): Promise<IpcResult<null>>;
  logout(): Promise<IpcResult<null>>;
  refreshMembership(): Promise<IpcResult<null>>;
  /** `shortfall`: the 次 the current batch lacks (the dialog suggests the pack that covers it) */
  startPurchase(shortfall?: number): Promise<IpcResult<null>>;
  /** another channel or plan: the order is made again with it (the channel is remembered) */
  choosePayment(choice: PaymentChoice): Promise<IpcResult<null>>;
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
  /** processes these items' input photos again as a new batch (new tasks, charged again) */
  redoItems(itemIds: string[]): Promise<IpcResult<{ batchId: string }>>;
  listTasks(filter: TaskFilter): Promise<IpcResult<TaskPage>>;
  redownload(taskId: string): Promise<IpcResult<{ files: string[] }>>;
  openFolder(path: string): Promise<IpcResult<null>>;
  revealFile(path: string): Promise<IpcResult<null>>;
  chooseResultRoot(): Promise<IpcResult<null>>;
  /** a JPEG preview (data URL) of a local image, at most `size`'s pixels (never the full file) */
  thumbnail(path: string, size?: PreviewSize): Promise<IpcResult<string | null>>;
  checkForUpdates(): Promise<IpcResult<null>>;
  /** quits and installs the downloaded update */
  installUpdate(): Promise<IpcResult<null>>;
  /** the text of the terms or the privacy policy, as the server serves it */
  legalText(kind: 'terms' | 'privacy'): Promise<IpcResult<LegalDocView & { body: string }>>;
  /** records that the merchant accepted the versions shown */
  acceptConsent(): Promise<IpcResult<null>>;
  /** the export presets (fixed ones; custom and model crops are built in the dialog) */
  listExportPresets(): Promise<IpcResult<ExportPresetView[]>>;
  /** exports items (a whole batch, or a selection of it) to presets, locally from the cached cut-outs: free, offline */
  exportItems(input: ExportItemsInput): Promise<IpcResult<ExportReport>>;
  /** exports one result to one preset */
  exportResult(input: ExportResultInput): Promise<IpcResult<ExportReport>>;
  /** 设置: the presets a new batch starts with, and the flat layout */
  setExportDefaults(defaults: ExportDefaults): Promise<IpcResult<null>>;
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
  'getSnapshot',
  'sendCode',
  'login',
  'logout',
  'refreshMembership',
  'startPurchase',
  'choosePayment',
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
  'redoItems',
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
  'listExportPresets',
  'exportItems',
  'exportResult',
  'setExportDefaults',
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

/** The most items one `redoItems` call takes. */
export const MAX_REDO_ITEMS = 1000;

/** What the preload puts on `window.api`. */
export type BridgeApi = DesktopApi & {
  /** the local path of a dropped File (webUtils.getPathForFile); '' when it has none */
  pathForFile(file: File): string;
  /** subscribes to state pushes (patches, see `StatePatch`); returns the unsubscribe function */
  onState(listener: (message: StateMessage) => void): () => void;
  /** subscribes to "show this batch" requests (notification clicks); returns the unsubscribe function */
  onNavigate(listener: (target: NavigateTarget) => void): () => void;
};
