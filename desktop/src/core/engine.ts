/**
 * Runs the merchant's batches: for each item upload → create the task (with the item's `clientRequestId`) →
 * wait for the server (one list call for all active tasks per sync tick) → download the results. Work is
 * pulled from the persisted queue, so the same code starts a new batch and resumes an interrupted one.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Task } from '@aizhao/shared';
import type { ApiClient } from './api-client.js';
import { downloadAll } from './downloader.js';
import { copyResults } from './duplicates.js';
import { DesktopError, resultExpired } from './errors.js';
import { convertedForUpload } from './heic.js';
import type { InputFile } from './input-files.js';
import type { Platform } from './ports.js';
import { inputKeyFor, isFinished, type QueueItem, type QueueStore } from './queue-store.js';
import { batchFinishedNotice } from './batch-notice.js';
import { allocateBatchDir, allocateItemPlaces, resultFileNames, savedResults } from './result-paths.js';
import type { ExportPreset, TaskParams } from '../shared/contract.js';
import type { CutoutCache } from './cutout-cache.js';
import type { TaskType } from '@aizhao/shared';
import type { Uploader } from './uploader.js';

export interface EngineOptions {
  /** items uploading + creating at once */
  uploadConcurrency: number;
  downloadConcurrency: number;
  /** how often active tasks are synced */
  syncIntervalMs: number;
  /** retries of a task creation that met a network or server error */
  createRetries: number;
  retryDelayMs: number;
  /** the HTTP stack for result downloads (Electron's `net.fetch` in the app) */
  fetch?: typeof fetch;
  /** 次 per task of a type (the server's catalogue), for the end-of-batch notification; null when unknown */
  costOf?: (type: TaskType) => number | null;
  /** where basic_clean's cut-outs are kept for local exports */
  cutouts?: CutoutCache;
  /** where HEIC inputs are converted to the JPEG that is uploaded (default: a folder in the OS temp dir) */
  convertDir?: string;
}

/** How a new batch is laid out and exported. */
export interface BatchLayout {
  /** the batch folder's name after the date */
  name: string;
  presets: ExportPreset[];
  flat: boolean;
}

export interface EngineEvents {
  /** something visible changed (stage, progress) */
  changed(): void;
  /** the server told us the balance */
  quota(quotaRemaining: number): void;
  /** a task failed on the server and gave its quota back */
  refunded(): void;
  /** every item of a batch has ended (done or failed) */
  batchFinished(): void;
  /** the server could (not) be reached */
  online(ok: boolean): void;
  /** an item's results are on disk (and its cut-out cached) */
  itemDone(item: QueueItem): void;
}

type Job = 'send' | 'fetch';
const IDS_PER_LIST = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Engine {
  private userId: string | null = null;
  private readonly running = new Map<string, Job>();
  private readonly progress = new Map<string, number>();
  /** results of tasks seen done by the last sync (fresh signed URLs) */
  private readonly doneTasks = new Map<string, Task>();
  private syncTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private idle: (() => void)[] = [];
  /** items whose `POST /task/create` is on the wire: whether they are charged is not known yet */
  private readonly creating = new Set<string>();
  /** items the merchant removed while their upload ran: dropped when the upload ends */
  private readonly removed = new Set<string>();

  constructor(
    private readonly api: ApiClient,
    private readonly uploader: () => Uploader,
    private readonly queue: QueueStore,
    private readonly platform: Platform,
    private readonly events: EngineEvents,
    private readonly o: EngineOptions,
  ) {}

  /** Starts (or resumes) the user's queue. */
  start(userId: string): void {
    this.userId = userId;
    this.pump();
  }

  /** Stops starting new work (logout, quit). Work already running finishes its current step. */
  stop(): void {
    this.userId = null;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
  }

  uploadedBytes(itemId: string): number {
    return this.progress.get(itemId) ?? 0;
  }

  /**
   * Creates a batch from checked files: the batch gets its folder (`<root>/<date> <name>`), and each item its place
   * in the mirrored tree and its `clientRequestId`, now.
   */
  addBatch(
    userId: string,
    files: readonly InputFile[],
    type: TaskType,
    params: TaskParams,
    resultRoot: string,
    layout: BatchLayout,
    now = new Date(),
  ): string {
    const batchId = randomUUID();
    const dir = allocateBatchDir(resultRoot, now, layout.name, new Set(this.queue.batchDirs()));
    const places = allocateItemPlaces(
      dir,
      type,
      files.map((f) => f.relPath),
    );
    const items: QueueItem[] = files.map((f, i) => ({
      ...fingerprintFields(f),
      id: randomUUID(),
      batchId,
      userId,
      path: f.path,
      name: f.name,
      size: f.size,
      mime: f.mime,
      ext: f.ext,
      type,
      params,
      outputDir: places[i]!.outputDir,
      stem: places[i]!.stem,
      relPath: f.relPath,
      stage: 'waiting',
      inputKey: null,
      uploaded: false,
      clientRequestId: randomUUID(),
      taskId: null,
      failure: null,
      errorReason: null,
      refunded: false,
      files: [],
      // an exact duplicate of a photo processed before: no upload and no task, its earlier results are copied
      // (or downloaded again from the earlier task) — nothing is charged
      ...(f.reuse ? { stage: 'downloading', uploaded: true, taskId: f.reuse.taskId, reusedFrom: f.reuse } : {}),
    }));
    this.queue.addBatch({ id: batchId, userId, createdAt: now.toISOString(), type, params, notified: false, dir, ...layout }, items);
    this.pump();
    return batchId;
  }

  /**
   * Retries a failed item. Upload, creation and download failures resume where they stopped (a creation that may
   * have reached the server keeps its `clientRequestId`, so it is never charged twice). A task that failed on the
   * server was refunded: retrying it is a new task with a new `clientRequestId`.
   */
  retry(itemId: string): void {
    const item = this.queue.item(itemId);
    if (!item || item.userId !== this.userId) throw new DesktopError('NOT_FOUND', '找不到这张图片');
    if (item.stage !== 'failed') throw new DesktopError('NOT_FAILED', '这张图片没有失败，无需重试');
    if (item.failure === 'expired') throw resultExpired();
    if (this.queue.batch(item.batchId)?.cancelled && item.failure !== 'download')
      throw new DesktopError('BATCH_CANCELLED', '这批已取消，请重新添加图片');
    const reset = { failure: null, errorReason: null } as const;
    if (item.failure === 'download') this.queue.update(itemId, { ...reset, stage: 'downloading' });
    else if (item.failure === 'task')
      this.queue.update(itemId, { ...reset, stage: 'creating', taskId: null, refunded: false, clientRequestId: randomUUID() });
    else this.queue.update(itemId, { ...reset, stage: 'waiting' });
    this.pump();
  }

  /** Pauses a batch: nothing of it starts (no upload, no charge, no download) until it is resumed. */
  pause(batchId: string): void {
    const batch = this.ownBatch(batchId);
    if (batch.cancelled) throw new DesktopError('BATCH_CANCELLED', '这批已取消');
    this.queue.updateBatch(batchId, { paused: true });
    this.events.changed();
    this.settle();
  }

  resume(batchId: string): void {
    this.ownBatch(batchId);
    this.queue.updateBatch(batchId, { paused: false });
    this.events.changed();
    this.pump();
  }

  /**
   * Cancels a batch: every item not charged yet stops for good (an upload under way ends first, and no task is
   * created for it). Items whose task was already created were charged: they go on, their results are saved, and
   * the quota comes back only if the task fails — the server's refund rule.
   */
  cancel(batchId: string): void {
    this.ownBatch(batchId);
    this.queue.updateBatch(batchId, { cancelled: true, paused: false });
    for (const item of this.queue.batchItems(batchId)) {
      if (isFinished(item.stage)) continue;
      if (item.taskId || this.creating.has(item.id)) this.queue.update(item.id, { keptAfterCancel: true });
      else if (!this.running.has(item.id)) this.markCancelled(item);
      // a running upload: `send` sees the cancellation before it would create the task
    }
    this.events.changed();
    this.finishBatchIfDone(batchId);
    this.pump();
  }

  /** Removes an item that has not been charged (not created yet, or failed and refunded). */
  remove(itemId: string): void {
    const item = this.queue.item(itemId);
    if (!item || item.userId !== this.userId) throw new DesktopError('NOT_FOUND', '找不到这张图片');
    if (this.creating.has(itemId)) throw new DesktopError('ITEM_BUSY', '这张图片正在提交，请稍候再移除');
    const charged = item.taskId !== null && !item.refunded && item.stage !== 'failed';
    if (charged || item.stage === 'done') throw new DesktopError('ITEM_CHARGED', '这张图片已扣次数并在处理，不能移除');
    if (this.running.has(itemId)) {
      this.removed.add(itemId); // its upload ends first; `send` drops it before it would create the task
      return;
    }
    this.queue.removeItem(itemId);
    this.events.changed();
    this.finishBatchIfDone(item.batchId);
    this.settle();
  }

  private ownBatch(batchId: string) {
    const batch = this.queue.batch(batchId);
    if (!batch || batch.userId !== this.userId) throw new DesktopError('NOT_FOUND', '找不到这批任务');
    return batch;
  }

  private markCancelled(item: QueueItem): void {
    this.progress.delete(item.id);
    this.queue.update(item.id, { stage: 'cancelled', failure: null, errorReason: '已取消，未扣次数' });
  }

  /** Whether an item must not start (or go on to its charge) now: its batch is paused or cancelled, or it was removed. */
  private held(item: QueueItem): boolean {
    if (this.removed.has(item.id)) return true;
    const batch = this.queue.batch(item.batchId);
    return !batch || batch.paused === true || batch.cancelled === true;
  }

  /** After an upload, before the charge: a removed or cancelled item ends here; a paused one waits. */
  private stopBeforeCharge(item: QueueItem): boolean {
    if (this.removed.delete(item.id)) {
      this.queue.removeItem(item.id);
      this.progress.delete(item.id);
      this.events.changed();
      this.finishBatchIfDone(item.batchId);
      return true;
    }
    const batch = this.queue.batch(item.batchId);
    if (batch?.cancelled) {
      this.markCancelled(item);
      this.finishStep(item);
      return true;
    }
    return batch?.paused === true;
  }

  /** Resolves when nothing is running or waiting to run (tests, and a clean quit). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private isIdle(): boolean {
    if (this.running.size > 0 || this.syncing) return false;
    if (!this.userId) return true;
    return this.queue
      .items(this.userId)
      .every((i) => isFinished(i.stage) || (this.queue.batch(i.batchId)?.paused === true && i.stage !== 'processing'));
  }

  private pump(): void {
    const userId = this.userId;
    if (!userId) return this.settle();
    const counts = { send: 0, fetch: 0 };
    for (const job of this.running.values()) counts[job]++;
    let processing = false;
    for (const item of this.queue.items(userId)) {
      if (this.running.has(item.id)) continue;
      const job: Job | null =
        item.stage === 'waiting' || item.stage === 'uploading' || item.stage === 'creating'
          ? 'send'
          : item.stage === 'downloading'
            ? 'fetch'
            : null;
      if (item.stage === 'processing') processing = true;
      if (!job) continue;
      // a cancelled batch's charged items still download; nothing of a paused batch starts
      if (this.held(item) && !(job === 'fetch' && !this.queue.batch(item.batchId)?.paused)) continue;
      if (counts[job] >= (job === 'send' ? this.o.uploadConcurrency : this.o.downloadConcurrency)) continue;
      counts[job]++;
      this.running.set(item.id, job);
      void (job === 'send' ? this.send(item) : this.fetch(item)).finally(() => {
        this.running.delete(item.id);
        this.pump();
      });
    }
    if (processing && !this.syncTimer && !this.syncing) this.syncTimer = setTimeout(() => this.sync(), this.o.syncIntervalMs);
    this.settle();
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const r of this.idle.splice(0)) r();
  }

  private fail(item: QueueItem, failure: QueueItem['failure'], e: unknown): void {
    // logged out (or the session ended) mid-step: the item stays where it was and resumes at the next login
    if (e instanceof DesktopError && e.code === 'UNAUTHENTICATED') return;
    const reason = e instanceof DesktopError ? e.message : '出了点问题，请重试';
    this.queue.update(item.id, { stage: 'failed', failure, errorReason: reason });
    this.finishStep(item);
  }

  /** upload (unless done) and create the task */
  private async send(item: QueueItem): Promise<void> {
    try {
      if (!item.uploaded) {
        const uploader = this.uploader();
        const source = await this.uploadSource(item);
        // a HEIC photo is uploaded as the JPEG made from it
        if (!item.inputKey)
          this.queue.update(item.id, { inputKey: inputKeyFor(await uploader.prefix(), { id: item.id, ext: source.ext }) });
        this.queue.update(item.id, { stage: 'uploading' });
        this.events.changed();
        await uploader.upload(source, item.inputKey!, (bytes) => {
          // progress is shown against the input's own size (a converted HEIC's JPEG has another)
          this.progress.set(item.id, source.size ? Math.round((bytes * item.size) / source.size) : bytes);
          this.events.changed();
        });
        this.queue.update(item.id, { uploaded: true, stage: 'creating' });
        this.events.changed();
        // written before the task is created: after a crash, an item the server made a task of is not uploaded again
        await this.queue.written();
      }
    } catch (e) {
      this.progress.delete(item.id);
      return this.fail(item, 'upload', e);
    }
    if (this.userId !== item.userId) return; // logged out during the upload: create at the next login
    if (this.stopBeforeCharge(item)) return;
    this.creating.add(item.id);
    try {
      const created = await this.createWithRetry(item);
      this.creating.delete(item.id);
      if (item.mime === 'image/heic') void rm(this.convertedPath(item), { force: true });
      this.events.quota(created.quotaRemaining);
      this.events.online(true);
      this.applyTask(item, created.task);
    } catch (e) {
      this.creating.delete(item.id);
      // the object is gone or unusable: a retry uploads again
      if (e instanceof DesktopError && e.code === 'INVALID_INPUT') this.queue.update(item.id, { uploaded: false, inputKey: null });
      this.fail(item, 'create', e);
    }
  }

  private get convertDir(): string {
    return this.o.convertDir ?? join(tmpdir(), 'aizhao-heic');
  }

  private convertedPath(item: QueueItem): string {
    return join(this.convertDir, `${item.id}.jpg`);
  }

  /** What is uploaded for an item: the file itself, or for a HEIC photo the JPEG made from it. */
  private async uploadSource(item: QueueItem): Promise<{ path: string; size: number; mime: string; ext: QueueItem['ext'] }> {
    if (item.mime !== 'image/heic') return { path: item.path, size: item.size, mime: item.mime, ext: item.ext };
    try {
      const jpeg = await convertedForUpload(item.path, item.id, this.convertDir);
      return { ...jpeg, mime: 'image/jpeg', ext: 'jpg' };
    } catch (e) {
      throw new DesktopError('HEIC_UNREADABLE', '无法转换这张 HEIC 照片（文件可能已损坏或已被移动）', undefined, { cause: e });
    }
  }

  private async createWithRetry(item: QueueItem) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api.createTask({
          type: item.type,
          inputKey: item.inputKey!,
          params: item.params,
          clientRequestId: item.clientRequestId,
        });
      } catch (e) {
        // same clientRequestId again: a creation that did reach the server answers with its task, uncharged
        if (!(e instanceof DesktopError) || !e.transient || attempt >= this.o.createRetries) throw e;
        if (e.code === 'NETWORK') this.events.online(false);
        await sleep(this.o.retryDelayMs * 2 ** attempt);
      }
    }
  }

  /** Moves an item along with what the server says of its task. */
  private applyTask(item: QueueItem, task: Task): void {
    if (task.status === 'processing') {
      if (item.stage !== 'processing' || item.taskId !== task.id) this.queue.update(item.id, { taskId: task.id, stage: 'processing' });
    } else if (task.status === 'done') {
      this.doneTasks.set(task.id, task);
      this.queue.update(item.id, { taskId: task.id, stage: 'downloading' });
    } else {
      this.queue.update(item.id, {
        taskId: task.id,
        stage: 'failed',
        failure: 'task',
        errorReason: task.errorReason ?? '处理失败',
        refunded: true,
      });
      this.events.refunded();
      this.finishStep(item);
    }
    this.events.changed();
  }

  /** One list call (per 100 tasks) for every task this user is waiting on. */
  private sync(): void {
    this.syncTimer = null;
    const userId = this.userId;
    if (!userId) return;
    const waiting = this.queue.items(userId).filter((i) => i.stage === 'processing' && i.taskId);
    this.syncing = (async () => {
      for (let i = 0; i < waiting.length; i += IDS_PER_LIST) {
        const chunk = waiting.slice(i, i + IDS_PER_LIST);
        try {
          const { items } = await this.api.listTasks({ ids: chunk.map((c) => c.taskId!), limit: IDS_PER_LIST });
          this.events.online(true);
          const byId = new Map(items.map((t) => [t.id, t]));
          for (const item of chunk) {
            const task = byId.get(item.taskId!);
            if (task && this.queue.item(item.id)?.stage === 'processing') this.applyTask(item, task);
          }
        } catch (e) {
          if (e instanceof DesktopError && e.code === 'NETWORK') this.events.online(false);
          // anything else: try again at the next tick
        }
      }
    })().finally(() => {
      this.syncing = null;
      this.pump();
    });
  }

  private async fetch(item: QueueItem): Promise<void> {
    const taskId = item.taskId!;
    const names = resultFileNames(item.type, item.stem ?? basename(item.outputDir));
    const download = async (task: Task) => {
      if (task.resultsExpired) throw resultExpired();
      const results = savedResults(task);
      if (results.length < names.length) throw new DesktopError('RESULTS_MISSING', '服务器上的结果不完整，请稍后重试');
      const files = await downloadAll(
        results.slice(0, names.length).map((r) => r.url),
        item.outputDir,
        names,
        { fetch: this.o.fetch },
      );
      // the cut-out is for later exports: one that cannot be fetched now is fetched when an export needs it
      await this.o.cutouts?.store(task).catch(() => null);
      return files;
    };
    const refused = (e: unknown) => e instanceof DesktopError && (e.status === 403 || e.status === 404);
    try {
      const seen = this.doneTasks.get(taskId);
      this.doneTasks.delete(taskId);
      // a reused result is copied from the earlier files while they are all on disk, else downloaded from its task
      let files = item.reusedFrom ? await copyResults(item.reusedFrom.files, item.outputDir, names) : null;
      try {
        files ??= await download(seen ?? (await this.api.task(taskId)).task);
      } catch (e) {
        // the signed URLs from the sync may have expired while this waited: ask for fresh ones once
        if (!seen || !refused(e)) throw e;
        files = await download((await this.api.task(taskId)).task);
      }
      const done = this.queue.update(item.id, { stage: 'done', files });
      this.events.changed();
      this.events.itemDone(done);
      this.finishStep(item);
    } catch (e) {
      const error = refused(e) ? resultExpired() : e;
      this.fail(item, error instanceof DesktopError && error.code === 'RESULT_EXPIRED' ? 'expired' : 'download', error);
    }
  }

  /** After an item ends: tell the merchant once when its whole batch has finished. */
  private finishStep(item: QueueItem): void {
    this.events.changed();
    this.finishBatchIfDone(item.batchId);
  }

  private finishBatchIfDone(batchId: string): void {
    const batch = this.queue.batch(batchId);
    if (!batch || batch.notified) return;
    const items = this.queue.batchItems(batch.id);
    if (!items.every((i) => isFinished(i.stage))) return;
    this.queue.markNotified(batch.id);
    this.events.batchFinished();
    const notice = batchFinishedNotice(items, this.o.costOf?.(batch.type) ?? null);
    if (notice) this.platform.notify(notice.title, notice.body, batch.id); // null: cancelled before anything ran
  }
}

/** The content fingerprints of an input (kept with its item, so that its results join the history when done). */
function fingerprintFields(f: InputFile): Pick<QueueItem, 'sha256' | 'phash'> {
  return { ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.phash ? { phash: f.phash } : {}) };
}
