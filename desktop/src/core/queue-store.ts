/**
 * The crash-safe local queue: batches and their items, persisted (electron-store: atomic writes) so that quitting
 * mid-batch and reopening resumes uploads, task creation and downloads. Each item keeps its `clientRequestId`, so a
 * resumed creation can never pay twice: a `clientRequestId`, and the input key sent with it, are on disk before any
 * request uses them (new batches, ids and keys are written at once). Other changes are written together at most
 * every `flushDelayMs` — resuming from a state a moment old only repeats idempotent steps — because the whole queue
 * is one JSON file and a batch of 1000 photos would otherwise rewrite it thousands of times. Upload progress lives
 * in memory only.
 * Also keeps, per task made on this computer, the input name and result folder (for history and re-download).
 */
import type { TaskType } from '@aizhao/shared';
import type { ItemStage, TaskParams } from '../shared/contract.js';
import type { ImageKind } from './input-files.js';
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
  /** decided before the first upload attempt, so a resumed upload writes the same object */
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
}

export interface TaskRecord {
  name: string;
  outputDir: string;
  type: TaskType;
}

interface Persisted {
  batches: QueueBatch[];
  items: QueueItem[];
  tasks: Record<string, TaskRecord>;
}

const KEY = 'queue';

/** an item that will not move any more by itself */
export const isFinished = (stage: ItemStage): boolean => stage === 'done' || stage === 'failed' || stage === 'cancelled';
/**
 * What goes into `POST /task/create` with the item's `clientRequestId`: written before any request uses it, since the
 * same id with another body is refused as a conflict, and a new id after a crash could pay twice.
 */
const REQUEST_FIELDS = ['clientRequestId', 'inputKey'] as const satisfies readonly (keyof QueueItem)[];
/** how many task records history keeps (oldest dropped first) */
const MAX_TASK_RECORDS = 5000;

export class QueueStore {
  private data: Persisted;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: KeyValueStore,
    private readonly flushDelayMs = 250,
  ) {
    const saved = store.get(KEY) as Partial<Persisted> | undefined;
    this.data = { batches: saved?.batches ?? [], items: saved?.items ?? [], tasks: saved?.tasks ?? {} };
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
    if (item.taskId) this.data.tasks[item.taskId] = { name: item.name, outputDir: item.outputDir, type: item.type };
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

  /** Removes the user's batches whose items are all finished; returns how many went. */
  removeFinished(userId: string): number {
    const finished = new Set(
      this.batches(userId)
        .filter((b) => this.batchItems(b.id).every((i) => isFinished(i.stage)))
        .map((b) => b.id),
    );
    this.data.batches = this.data.batches.filter((b) => !finished.has(b.id));
    this.data.items = this.data.items.filter((i) => !finished.has(i.batchId));
    this.save();
    return finished.size;
  }

  /** Every result folder this computer has written or will write. */
  outputDirs(): string[] {
    return [...new Set([...this.data.items.map((i) => i.outputDir), ...Object.values(this.data.tasks).map((t) => t.outputDir)])];
  }

  /** Output folders of items that are not finished yet (they may not exist on disk yet). */
  reservedDirs(): Set<string> {
    return new Set(this.data.items.filter((i) => !isFinished(i.stage)).map((i) => i.outputDir));
  }

  /** Writes pending changes now (a new batch or id, and before the app quits). */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const ids = Object.keys(this.data.tasks);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_TASK_RECORDS))) delete this.data.tasks[id];
    this.store.set(KEY, this.data);
  }

  private save(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), this.flushDelayMs);
  }
}
