/**
 * Hot folders: folders the merchant chose in 设置, watched with chokidar. A photo that appears there and has finished
 * being written (chokidar's `awaitWriteFinish`: its size has not changed for `stabilityMs`) is processed without a
 * click, with the folder's task type, parameters and export presets, within the folder's daily limit of 次. What is
 * over the limit waits (shown as 等待中) and goes on the next day. Everything is persisted per user: the folders,
 * which files each one has already taken (so a restart takes each photo once, and also takes those that arrived
 * while the app was closed), the waiting files and the 次 used today. A paused folder is not watched at all; on
 * resume it takes what arrived meanwhile. Files already in a folder when it is added are not taken.
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { TaskType } from '@aizhao/shared';
import type { HotFolderView, WatchedFolderInput } from '../shared/contract.js';
import type { InputFile, ScanResult } from './input-files.js';
import type { KeyValueStore } from './ports.js';
import { localDate } from './result-paths.js';

export interface WatchedFolder extends WatchedFolderInput {
  id: string;
  path: string;
  paused: boolean;
}

interface FolderState {
  /** `relative path|mtime` of every file already taken, or there when the folder was added */
  seen: string[];
  /** absolute paths of photos over the daily limit, oldest first */
  waiting: string[];
  /** the local day and the 次 spent on it */
  usage: { day: string; used: number };
  /** why the last photos could not start (Chinese), until the next one does */
  lastError: string | null;
}

interface UserData {
  folders: WatchedFolder[];
  state: Record<string, FolderState>;
}

export interface HotFolderDeps {
  /** checks paths the way a drop does (images by their bytes, size limit) */
  scan(paths: string[]): Promise<ScanResult>;
  /** the 次 one photo of this type costs */
  cost(type: TaskType): number;
  /**
   * Starts a batch of these photos for the folder; answers the photos it could not start yet (the balance covered
   * only the first ones), which wait again. Throws (a DesktopError) when none can start.
   */
  submit(folder: WatchedFolder, files: InputFile[]): Promise<InputFile[] | void>;
  /** something visible changed */
  changed(): void;
  /** paths never to take (the result root: results written into a watched folder are not inputs) */
  ignore?(path: string): boolean;
  now?: () => Date;
}

export interface HotFolderOptions {
  /** how long a file's size must stay the same before it counts as written (chokidar `stabilityThreshold`) */
  stabilityMs: number;
  /** how often a growing file's size is looked at (chokidar `pollInterval`) */
  pollMs: number;
  /** photos arriving within this time start as one batch */
  batchDelayMs: number;
  /** how often waiting photos are looked at again (a new day) */
  recheckMs: number;
}

export const DEFAULT_HOT_FOLDER_OPTIONS: HotFolderOptions = { stabilityMs: 2000, pollMs: 250, batchDelayMs: 1500, recheckMs: 60_000 };

const KEY = 'hotFolders';
const MAX_DEPTH = 8;
/** `seen` entries kept per folder (oldest dropped first) */
const MAX_SEEN = 50_000;

/** The key a file is known by: its path in the folder and its modification time (a new photo under an old name counts). */
const seenKey = (root: string, path: string, mtimeMs: number) => `${relative(root, path)}|${Math.round(mtimeMs)}`;
const hidden = (path: string) => basename(path).startsWith('.');

async function listFiles(dir: string, depth = 0): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < MAX_DEPTH) out.push(...(await listFiles(p, depth + 1)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export class HotFolders {
  private userId: string | null = null;
  private readonly watchers = new Map<string, FSWatcher>();
  /** stable new files per folder, not yet started */
  private readonly pending = new Map<string, string[]>();
  private flushTimer: NodeJS.Timeout | null = null;
  private recheckTimer: NodeJS.Timeout | null = null;
  private work: Promise<void> = Promise.resolve();
  private readonly o: HotFolderOptions;

  constructor(
    private readonly store: KeyValueStore,
    private readonly deps: HotFolderDeps,
    o: Partial<HotFolderOptions> = {},
  ) {
    this.o = { ...DEFAULT_HOT_FOLDER_OPTIONS, ...o };
  }

  /** the folders and their state, read from the store once (this process is its only writer; getState reads this) */
  private cache: Record<string, UserData> | null = null;

  private all(): Record<string, UserData> {
    this.cache ??= (this.store.get(KEY) as Record<string, UserData> | undefined) ?? {};
    return this.cache;
  }

  private data(userId: string): UserData {
    const all = this.all();
    // a copy, as a read of the store gave: changes count once saved
    return Object.hasOwn(all, userId) ? structuredClone(all[userId]!) : { folders: [], state: {} };
  }

  private save(userId: string, data: UserData): void {
    this.cache = { ...this.all(), [userId]: data };
    this.store.set(KEY, this.cache);
  }

  private today(): string {
    return localDate(this.deps.now?.() ?? new Date());
  }

  /** Watches the user's folders (at login and app start). */
  async start(userId: string): Promise<void> {
    await this.stop();
    this.userId = userId;
    for (const f of this.data(userId).folders) if (!f.paused) this.watchFolder(f);
    this.recheckTimer = setInterval(() => this.enqueue(() => this.releaseWaiting()), this.o.recheckMs);
    this.recheckTimer.unref?.();
    this.enqueue(() => this.releaseWaiting());
  }

  /** Stops watching (logout, quit). Photos seen but not started yet stay for the next start. */
  async stop(): Promise<void> {
    this.userId = null;
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.recheckTimer = this.flushTimer = null;
    this.pending.clear();
    const closing = [...this.watchers.values()].map((w) => w.close());
    this.watchers.clear();
    await Promise.all(closing);
    await this.work;
  }

  /** Resolves when what has been noticed so far has been handled (tests). */
  async settled(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.enqueue(() => this.flush());
    }
    await this.work;
  }

  folders(userId: string): WatchedFolder[] {
    return this.data(userId).folders;
  }

  views(userId: string): HotFolderView[] {
    const { folders, state } = this.data(userId);
    const today = this.today();
    return folders.map((f) => {
      const s = state[f.id];
      return {
        ...f,
        usedToday: s?.usage.day === today ? s.usage.used : 0,
        waiting: s?.waiting.length ?? 0,
        lastError: s?.lastError ?? null,
        watching: this.watchers.has(f.id),
      };
    });
  }

  /** Adds a watched folder: the photos in it now are left alone, new ones are taken. */
  add(userId: string, path: string, input: WatchedFolderInput): Promise<WatchedFolder> {
    return this.serial(() => this.addNow(userId, path, input));
  }

  private async addNow(userId: string, path: string, input: WatchedFolderInput): Promise<WatchedFolder> {
    const data = this.data(userId);
    const folder: WatchedFolder = { ...input, id: randomUUID(), path, paused: false };
    const seen: string[] = [];
    for (const file of await listFiles(path)) {
      const info = await stat(file).catch(() => null);
      if (info) seen.push(seenKey(path, file, info.mtimeMs));
    }
    data.folders.push(folder);
    data.state[folder.id] = { seen, waiting: [], usage: { day: this.today(), used: 0 }, lastError: null };
    this.save(userId, data);
    if (this.userId === userId) this.watchFolder(folder);
    this.deps.changed();
    return folder;
  }

  /** Changes a folder's settings or pauses / resumes it. A raised limit lets waiting photos go at once. */
  update(userId: string, id: string, change: Partial<WatchedFolderInput & { paused: boolean }>): Promise<void> {
    return this.serial(() => this.updateNow(userId, id, change));
  }

  private async updateNow(userId: string, id: string, change: Partial<WatchedFolderInput & { paused: boolean }>): Promise<void> {
    const data = this.data(userId);
    const folder = data.folders.find((f) => f.id === id);
    if (!folder) throw new Error(`unknown watched folder ${id}`);
    Object.assign(folder, change);
    this.save(userId, data);
    if (this.userId === userId) {
      if (folder.paused) await this.unwatch(id);
      else if (!this.watchers.has(id)) this.watchFolder(folder);
      this.enqueue(() => this.releaseWaiting()); // after this step: the chain is serial
    }
    this.deps.changed();
  }

  /** Stops watching a folder and forgets it. */
  remove(userId: string, id: string): Promise<void> {
    return this.serial(() => this.removeNow(userId, id));
  }

  private async removeNow(userId: string, id: string): Promise<void> {
    await this.unwatch(id);
    this.pending.delete(id);
    const data = this.data(userId);
    data.folders = data.folders.filter((f) => f.id !== id);
    delete data.state[id];
    this.save(userId, data);
    this.deps.changed();
  }

  private async unwatch(id: string): Promise<void> {
    const w = this.watchers.get(id);
    this.watchers.delete(id);
    await w?.close();
  }

  private watchFolder(folder: WatchedFolder): void {
    const watcher = watch(folder.path, {
      ignoreInitial: false, // files that arrived while the app was closed (or the folder paused) are taken too
      depth: MAX_DEPTH,
      ignored: (p: string) => p !== folder.path && (hidden(p) || this.deps.ignore?.(p) === true),
      awaitWriteFinish: { stabilityThreshold: this.o.stabilityMs, pollInterval: this.o.pollMs },
    });
    watcher.on('add', (path: string) => this.noticed(folder.id, path));
    watcher.on('error', () => {}); // a folder that went away: nothing to take
    this.watchers.set(folder.id, watcher);
  }

  private noticed(folderId: string, path: string): void {
    if (!this.watchers.has(folderId)) return;
    const list = this.pending.get(folderId) ?? [];
    if (!list.includes(path)) list.push(path);
    this.pending.set(folderId, list);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.enqueue(() => this.flush());
    }, this.o.batchDelayMs);
  }

  /**
   * One step at a time: intake, limits, submissions and the merchant's changes never interleave (each reads and
   * writes the persisted state whole, so two at once would lose one's change).
   */
  private enqueue(step: () => Promise<void>): void {
    void this.serial(step).catch(() => {});
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.work.then(step);
    this.work = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Takes the noticed files that are new: marks them taken, then starts what fits today's limit, the rest waits. */
  private async flush(): Promise<void> {
    const userId = this.userId;
    if (!userId) return;
    const noticed = [...this.pending.entries()];
    this.pending.clear();
    for (const [id, paths] of noticed) {
      const data = this.data(userId);
      const folder = data.folders.find((f) => f.id === id);
      const state = data.state[id];
      if (!folder || !state || folder.paused) continue;
      const seen = new Set(state.seen);
      const fresh: string[] = [];
      for (const p of paths) {
        const info = await stat(p).catch(() => null);
        if (!info) continue;
        const key = seenKey(folder.path, p, info.mtimeMs);
        if (seen.has(key)) continue;
        seen.add(key);
        state.seen.push(key);
        fresh.push(p);
      }
      if (fresh.length === 0) continue;
      state.seen = state.seen.slice(-MAX_SEEN);
      // taken before anything is charged: a crash now loses the start of these photos, never pays for them twice
      state.waiting.push(...fresh);
      this.save(userId, data);
      await this.startWaiting(userId, id);
    }
    this.deps.changed();
  }

  /** Starts waiting photos of every folder as far as today's limits allow (a new day, a raised limit, a restart). */
  private async releaseWaiting(): Promise<void> {
    const userId = this.userId;
    if (!userId) return;
    for (const f of this.data(userId).folders) if (!f.paused) await this.startWaiting(userId, f.id);
    this.deps.changed();
  }

  private clearError(userId: string, id: string): void {
    const data = this.data(userId);
    const s = data.state[id];
    if (!s?.lastError) return;
    s.lastError = null;
    this.save(userId, data);
  }

  private async startWaiting(userId: string, id: string): Promise<void> {
    const data = this.data(userId);
    const folder = data.folders.find((f) => f.id === id);
    const state = data.state[id];
    if (!folder || !state || state.waiting.length === 0) return;
    const today = this.today();
    if (state.usage.day !== today) state.usage = { day: today, used: 0 };
    const cost = this.deps.cost(folder.type);
    const room = cost > 0 ? Math.max(0, Math.floor((folder.dailyLimit - state.usage.used) / cost)) : state.waiting.length;
    if (room === 0) {
      this.save(userId, data);
      return;
    }
    const { accepted } = await this.deps.scan(state.waiting.slice(0, room));
    // files gone or not images leave the queue; the others are charged against today's limit before they start
    const taken = new Set(state.waiting.slice(0, room));
    state.waiting = state.waiting.filter((p) => !taken.has(p));
    if (accepted.length === 0) return this.save(userId, data);
    state.usage.used += accepted.length * cost;
    this.save(userId, data);
    // not started (no membership, not enough 次 …): they wait again, and today's limit gets them back
    const putBack = (files: InputFile[], reason: string) => {
      const after = this.data(userId);
      const s = after.state[id];
      if (!s || files.length === 0) return;
      s.waiting = [...files.map((f) => f.path), ...s.waiting];
      s.usage.used = Math.max(0, s.usage.used - files.length * cost);
      s.lastError = reason;
      this.save(userId, after);
    };
    try {
      const left = await this.deps.submit(folder, accepted);
      if (left?.length) putBack(left, `余额不足，${left.length} 张等续费后处理`);
      else this.clearError(userId, id);
    } catch (e) {
      putBack(accepted, e instanceof Error ? e.message : '无法开始处理');
    }
  }
}
