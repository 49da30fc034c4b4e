/**
 * The crash-safe local queue: batches and their items, persisted so that quitting or crashing mid-batch and reopening
 * resumes uploads, task creation and downloads, without paying twice, losing an item or uploading again what the server
 * already has.
 * - Durable points (written and fsynced before the call returns): a new batch and every new `clientRequestId` — on disk
 *   before any request uses them, since a new id lost in a crash could pay twice —, a pause, cancel or removal, and
 *   quitting. Everything else a creation sends is written with the batch (type, params) or made from it: the input key
 *   comes from the item's id (`inputKeyFor`), so a resumed item uploads to and creates with the same key even when the
 *   key itself had not been written.
 * - Everything else is written behind, off the main thread and without fsync, changes together at most every
 *   `flushDelayMs`; the engine waits for that write (`written()`, shared by the items that finish meanwhile) between
 *   an upload and its task creation. A crash of the app loses none of it; a power cut may lose the last of it, and
 *   resuming from a state a moment old only repeats idempotent steps (an upload to the same key, a creation with the
 *   same `clientRequestId`, which the server answers with the task it made, uncharged).
 * The queue is one JSON document in files of its own (`queue.json` next to the settings store; AtomicJsonFile), not a
 * key of the settings store, which rewrites and fsyncs all of its file synchronously on every change. A queue an older
 * version kept in the store is moved into the file once. Upload progress lives in memory only.
 * Also keeps, per task made on this computer, the input name and result folder (for history and re-download).
 */
import { dirname, join } from 'node:path';
import type { TaskType } from '@aizhao/shared';
import type { ExportPreset, ExportedFile, ItemStage, TaskParams } from '../shared/contract.js';
import type { ImageKind } from './input-files.js';
import { AtomicJsonFile } from './atomic-json-file.js';
import type { KeyValueStore } from './ports.js';

/** where an item failed, which decides what a retry does; `expired`: the server no longer keeps its results */
export type FailurePoint = 'upload' | 'create' | 'task' | 'download' | 'expired';

export interface QueueItem {
  id: string;
  batchId: string;
  userId: string;
  path: string;
  name: string;
  size: number;
  mime: ImageKind['mime'];
  ext: ImageKind['ext'];
  type: TaskType;
  params: TaskParams;
  outputDir: string;
  stage: ItemStage;
  /** the object the input is uploaded to (`inputKeyFor`): the same for every attempt, also after a crash */
  inputKey: string | null;
  uploaded: boolean;
  clientRequestId: string;
  taskId: string | null;
  failure: FailurePoint | null;
  errorReason: string | null;
  refunded: boolean;
  files: string[];
  /** the batch was cancelled after this item's task was created (and charged): it goes on and its results are saved */
  keptAfterCancel?: boolean;
  /** the input's path relative to the dropped folder (`SKU123/正面.jpg`), recorded at intake (absent: older items) */
  relPath?: string;
  /** the result files' stem, unique in `outputDir` (absent: older items, whose stem is the folder's name) */
  stem?: string;
  /** the latest exports of this item and their compliance checks */
  exports?: ExportedFile[];
  /** SHA-256 of the input's bytes and its perceptual hash (duplicates.ts), when they were computed */
  sha256?: string;
  phash?: string;
  /** an exact duplicate of an earlier task: its results are reused (`taskId` is that task), nothing was charged */
  reusedFrom?: ReusedResult;
}

/** The earlier task whose results an exact duplicate reuses, and its result files on this computer. */
export interface ReusedResult {
  taskId: string;
  files: string[];
}

export interface QueueBatch {
  id: string;
  userId: string;
  createdAt: string;
  type: TaskType;
  params: TaskParams;
  notified: boolean;
  /** paused by the merchant: nothing of it starts until resumed (kept across restarts) */
  paused?: boolean;
  /** cancelled by the merchant: what was not charged stops; what was charged goes on and is saved */
  cancelled?: boolean;
  /** the batch folder (`<root>/<date> <name>`) and its name part (absent: older batches, in date folders) */
  dir?: string;
  name?: string;
  /** exported as each item is done */
  presets?: ExportPreset[];
  flat?: boolean;
}

export interface TaskRecord {
  name: string;
  outputDir: string;
  type: TaskType;
  /** the result files' stem (absent: the folder's name) */
  stem?: string;
}

interface Persisted {
  batches: QueueBatch[];
  items: QueueItem[];
  tasks: Record<string, TaskRecord>;
}

/** where an older version kept the queue: a key of the settings store */
const LEGACY_KEY = 'queue';
export const QUEUE_FILE = 'queue.json';

/** an item that will not move any more by itself */
export const isFinished = (stage: ItemStage): boolean => stage === 'done' || stage === 'failed' || stage === 'cancelled';
/** a failure 重试 can fix (not one whose results the server no longer keeps) */
export const isRetryable = (item: Pick<QueueItem, 'stage' | 'failure'>): boolean => item.stage === 'failed' && item.failure !== 'expired';
/**
 * The input key of an item: made from the user's upload prefix and the item's id (written with its batch), so it
 * never needs writing before it is used — the same id with another key would be refused as a conflict.
 */
export const inputKeyFor = (prefix: string, item: Pick<QueueItem, 'id' | 'ext'>): string => `${prefix}${item.id}.${item.ext}`;
/**
 * What goes into `POST /task/create` and is not in the batch as first written: written (fsynced) before any request
 * uses it, since a new id lost in a crash could pay twice.
 */
const REQUEST_FIELDS = ['clientRequestId'] as const satisfies readonly (keyof QueueItem)[];
/** how many task records history keeps (oldest dropped first) */
const MAX_TASK_RECORDS = 5000;

export class QueueStore {
  private data: Persisted;
  private readonly file: AtomicJsonFile<Persisted>;
  private flushTimer: NodeJS.Timeout | null = null;
  /** the write behind in flight, and whether something changed since it started */
  private writing: Promise<void> | null = null;
  private changedSinceWrite = false;
  /** changes made, and how many of them are written; `written` callers wait for a count */
  private changes = 0;
  private kept = 0;
  private waiting: { upTo: number; resolve: () => void }[] = [];

  /** `store`: the settings store; the queue file goes next to it. */
  constructor(
    store: KeyValueStore,
    private readonly flushDelayMs = 250,
  ) {
    this.file = new AtomicJsonFile(join(dirname(store.path), QUEUE_FILE));
    const legacy = store.get(LEGACY_KEY) as Partial<Persisted> | undefined;
    const saved = this.file.read() ?? legacy;
    this.data = { batches: saved?.batches ?? [], items: saved?.items ?? [], tasks: saved?.tasks ?? {} };
    if (legacy !== undefined) {
      this.flush(); // in the file before it leaves the store
      store.delete(LEGACY_KEY);
    }
  }

  batches(userId: string): QueueBatch[] {
    return this.data.batches.filter((b) => b.userId === userId);
  }

  items(userId: string): QueueItem[] {
    return this.data.items.filter((i) => i.userId === userId);
  }

  batchItems(batchId: string): QueueItem[] {
    return this.data.items.filter((i) => i.batchId === batchId);
  }

  item(id: string): QueueItem | undefined {
    return this.data.items.find((i) => i.id === id);
  }

  batch(id: string): QueueBatch | undefined {
    return this.data.batches.find((b) => b.id === id);
  }

  taskRecord(taskId: string): TaskRecord | undefined {
    return Object.hasOwn(this.data.tasks, taskId) ? this.data.tasks[taskId] : undefined;
  }

  addBatch(batch: QueueBatch, items: QueueItem[]): void {
    this.data.batches.push(batch);
    this.data.items.push(...items);
    this.flush();
  }

  /** Applies a change to one item and persists it (at once when it changes what a task creation will send). */
  update(id: string, change: Partial<QueueItem>): QueueItem {
    const item = this.item(id);
    if (!item) throw new Error(`unknown queue item ${id}`);
    Object.assign(item, change);
    if (item.taskId) this.data.tasks[item.taskId] = { name: item.name, outputDir: item.outputDir, type: item.type, stem: item.stem };
    if (REQUEST_FIELDS.some((f) => f in change)) this.flush();
    else this.save();
    return item;
  }

  recordTask(taskId: string, record: TaskRecord): void {
    this.data.tasks[taskId] = record;
    this.save();
  }

  /** Changes a batch's flags (paused, cancelled) and writes them at once: a paused batch must stay paused after a crash. */
  updateBatch(batchId: string, change: Partial<Pick<QueueBatch, 'paused' | 'cancelled'>>): void {
    const b = this.batch(batchId);
    if (!b) throw new Error(`unknown batch ${batchId}`);
    Object.assign(b, change);
    this.flush();
  }

  /** Removes one item (and its batch when it was the last one). */
  removeItem(itemId: string): void {
    const item = this.item(itemId);
    if (!item) return;
    this.data.items = this.data.items.filter((i) => i.id !== itemId);
    if (!this.data.items.some((i) => i.batchId === item.batchId))
      this.data.batches = this.data.batches.filter((b) => b.id !== item.batchId);
    this.flush();
  }

  markNotified(batchId: string): void {
    const b = this.batch(batchId);
    if (b) b.notified = true;
    this.save();
  }

  /**
   * Clears the user's batches whose items are all finished, except the failures a retry can still fix (they stay,
   * in their batch, until retried or removed); returns how many batches went.
   */
  removeFinished(userId: string): number {
    const finished = new Set(
      this.batches(userId)
        .filter((b) => this.batchItems(b.id).every((i) => isFinished(i.stage)))
        .map((b) => b.id),
    );
    this.data.items = this.data.items.filter((i) => !finished.has(i.batchId) || isRetryable(i));
    const left = new Set(this.data.items.map((i) => i.batchId));
    const before = this.data.batches.length;
    this.data.batches = this.data.batches.filter((b) => !finished.has(b.id) || left.has(b.id));
    this.save();
    return before - this.data.batches.length;
  }

  /** Every result folder this computer has written or will write. */
  outputDirs(): string[] {
    return [...new Set([...this.data.items.map((i) => i.outputDir), ...Object.values(this.data.tasks).map((t) => t.outputDir)])];
  }

  /** Every batch folder (exports are written under them). */
  batchDirs(): string[] {
    return this.data.batches.flatMap((b) => (b.dir ? [b.dir] : []));
  }

  /** Output folders of items that are not finished yet (they may not exist on disk yet). */
  reservedDirs(): Set<string> {
    return new Set(this.data.items.filter((i) => !isFinished(i.stage)).map((i) => i.outputDir));
  }

  /** Writes everything now and returns once it is on disk (a new batch or id, a pause, and before the app quits). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.changedSinceWrite = false; // a write behind still in flight is older: it will not replace this one
    this.prune();
    this.file.writeNow(this.data);
    this.keptUpTo(++this.changes);
  }

  /**
   * Resolves once every change made so far is written (behind: a crash of the app no longer loses it), without
   * blocking the main thread. The point before a task creation: after a crash, an item the server made a task of is
   * known as uploaded and is not uploaded again. Callers that come while a write is on its way share the next one.
   */
  written(): Promise<void> {
    if (this.kept >= this.changes) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiting.push({ upTo: this.changes, resolve }));
    this.writeBehind();
    return done;
  }

  private keptUpTo(n: number): void {
    this.kept = Math.max(this.kept, n);
    const ready = this.waiting.filter((w) => w.upTo <= this.kept);
    this.waiting = this.waiting.filter((w) => w.upTo > this.kept);
    for (const w of ready) w.resolve();
  }

  private prune(): void {
    const ids = Object.keys(this.data.tasks);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TASK_RECORDS))) delete this.data.tasks[id];
  }

  /** A change that may be written a moment later, together with the others. */
  private save(): void {
    this.changes++;
    this.flushTimer ??= setTimeout(() => this.writeBehind(), this.flushDelayMs);
  }

  private writeBehind(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.writing) {
      this.changedSinceWrite = true;
      return;
    }
    this.prune();
    const upTo = this.changes;
    let failed = false;
    this.writing = this.file
      .write(this.data)
      .then(
        () => this.keptUpTo(upTo),
        () => {
          failed = true; // e.g. the disk is full: try again a moment later (whoever waits for it goes on waiting)
        },
      )
      .finally(() => {
        this.writing = null;
        const again = this.changedSinceWrite || failed;
        this.changedSinceWrite = false;
        if (!again) return;
        if (this.waiting.length && !failed) this.writeBehind();
        else this.flushTimer ??= setTimeout(() => this.writeBehind(), this.flushDelayMs);
      });
  }
}
