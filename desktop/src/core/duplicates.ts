/**
 * Never pay twice for the same photo: a history of what this merchant had processed on this computer (per user,
 * persisted across restarts), keyed by the input's SHA-256 and perceptual hash, with the task and its local result
 * files. A dropped photo is looked up there: an exact copy processed before with the same type and parameters, whose
 * results are still at hand (the local files, or the task's results on the server before they expire), is reused
 * instead of charged; a near copy (resized, re-encoded) is only flagged — the merchant decides.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskType } from '@aizhao/shared';
import pLimit from 'p-limit';
import type { PreviousRun, SimilarPhoto, TaskParams } from '../shared/contract.js';
import { reusedRun, runKey } from '../shared/reuse.js';
import { isNearCopy, perceptualHash, sha256File } from './fingerprint.js';
import type { InputFile } from './input-files.js';
import type { KeyValueStore } from './ports.js';
import type { QueueItem } from './queue-store.js';

export interface HistoryEntry {
  sha256: string;
  phash: string | null;
  type: TaskType;
  params: TaskParams;
  taskId: string;
  /** the input's file name */
  name: string;
  /** local result files, in the order of the task's results */
  files: string[];
  /** when it was processed (ISO) */
  at: string;
}

const KEY = 'photoHistory';
/** entries kept per user, oldest dropped first (a busy shop's year) */
export const MAX_HISTORY_PER_USER = 20_000;

/** Whether the server still has a task's results: `done` and not past its retention. */
export type ServerAvailability = (taskId: string) => Promise<boolean>;

export class PhotoHistory {
  private data: Record<string, HistoryEntry[]>;

  constructor(private readonly store: KeyValueStore) {
    this.data = (store.get(KEY) as Record<string, HistoryEntry[]> | undefined) ?? {};
  }

  entries(userId: string): HistoryEntry[] {
    return Object.hasOwn(this.data, userId) ? this.data[userId]! : [];
  }

  /** Adds (or refreshes) what a finished item produced. */
  record(userId: string, entry: HistoryEntry): void {
    const key = runKey(entry.type, entry.params);
    const list = this.entries(userId).filter((e) => !(e.sha256 === entry.sha256 && runKey(e.type, e.params) === key));
    list.push(entry);
    this.data[userId] = list.slice(-MAX_HISTORY_PER_USER);
    this.store.set(KEY, this.data);
  }

  /**
   * The earlier runs of exactly this photo (newest per type and parameters first), each saying whether its results
   * can still be had: all local files exist, or else the server still keeps them.
   */
  async previousRuns(userId: string, sha256: string, onServer: ServerAvailability): Promise<(PreviousRun & { files: string[] })[]> {
    const seen = new Set<string>();
    const runs: (PreviousRun & { files: string[] })[] = [];
    for (const e of [...this.entries(userId)].reverse()) {
      if (e.sha256 !== sha256 || seen.has(runKey(e.type, e.params))) continue;
      seen.add(runKey(e.type, e.params));
      const local = e.files.length > 0 && e.files.every((f) => existsSync(f));
      const available = local || (await onServer(e.taskId).catch(() => false));
      runs.push({ type: e.type, params: e.params, taskId: e.taskId, name: e.name, at: e.at, available, files: e.files });
    }
    return runs;
  }

  /** The newest earlier photo that looks like this one but is not byte for byte the same. */
  similar(userId: string, sha256: string, phash: string): SimilarPhoto | null {
    for (const e of [...this.entries(userId)].reverse()) {
      if (e.sha256 !== sha256 && e.phash && isNearCopy(phash, e.phash)) return { name: e.name, at: e.at, taskId: e.taskId };
    }
    return null;
  }
}

/**
 * Copies an earlier task's result files to a new item's names (each written beside and renamed, like a download).
 * Null when they are not all on disk any more (the caller downloads them from the task instead).
 */
export async function copyResults(sources: readonly string[], dir: string, names: readonly string[]): Promise<string[] | null> {
  if (sources.length < names.length || !sources.slice(0, names.length).every((s) => existsSync(s))) return null;
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const target = join(dir, names[i]!);
    await copyFile(sources[i]!, `${target}.part`);
    await rename(`${target}.part`, target);
    out.push(target);
  }
  return out;
}

/** A draft photo with what the history says of it. */
export interface DraftEntry extends InputFile {
  previous?: (PreviousRun & { files: string[] })[];
  similar?: SimilarPhoto | null;
  reprocess?: boolean;
}

/** how many photos are hashed at once (sharp uses libuv's pool; the hashes read each file once more) */
const HASH_CONCURRENCY = 4;

/** Hashes the photos and looks each one up in the user's history (exact runs, and a look-alike when there is none). */
export async function withHistory(
  files: readonly InputFile[],
  history: PhotoHistory,
  userId: string,
  onServer: ServerAvailability,
): Promise<DraftEntry[]> {
  const limit = pLimit(HASH_CONCURRENCY);
  // one server look-up per earlier task, however many copies of it are dropped
  const asked = new Map<string, Promise<boolean>>();
  const once: ServerAvailability = (taskId) => {
    if (!asked.has(taskId)) asked.set(taskId, onServer(taskId));
    return asked.get(taskId)!;
  };
  return Promise.all(
    files.map((f) =>
      limit(async (): Promise<DraftEntry> => {
        // unreadable now (moved, deleted): nothing to look up; its upload will fail uncharged with the reason
        const sha256 = f.sha256 ?? (await sha256File(f.path).catch(() => null));
        if (!sha256) return { ...f, previous: [], similar: null };
        const phash = f.phash ?? (await perceptualHash(f.path, { heic: f.mime === 'image/heic' }).catch(() => undefined));
        const previous = await history.previousRuns(userId, sha256, once);
        const similar = previous.length === 0 && phash ? history.similar(userId, sha256, phash) : null;
        return { ...f, sha256, ...(phash ? { phash } : {}), previous, similar };
      }),
    ),
  );
}

export interface BatchPlan {
  /** what starts now: reused photos (free) and up to `limit` photos that are charged */
  start: InputFile[];
  /** photos left in the draft (beyond the limit) */
  rest: DraftEntry[];
  /** how many of `start` are charged */
  charged: number;
}

/** Splits a draft for a task type and parameters: exact duplicates reuse their results, `limit` caps the charged. */
export function planBatch(files: readonly DraftEntry[], type: TaskType, params: TaskParams, limit = Infinity): BatchPlan {
  const plan: BatchPlan = { start: [], rest: [], charged: 0 };
  for (const f of files) {
    const run = reusedRun(f, type, params);
    const { previous: _p, similar: _s, reprocess: _r, ...input } = f;
    if (run) plan.start.push({ ...input, reuse: { taskId: run.taskId, files: f.previous!.find((p) => p.taskId === run.taskId)!.files } });
    else if (plan.charged < limit) {
      plan.start.push(input);
      plan.charged++;
    } else plan.rest.push(f);
  }
  return plan;
}

/** What a finished item adds to the history (null for items without fingerprints). */
export function historyEntry(item: QueueItem, at = new Date()): HistoryEntry | null {
  if (!item.sha256 || !item.taskId || item.files.length === 0) return null;
  return {
    sha256: item.sha256,
    phash: item.phash ?? null,
    type: item.type,
    params: item.params,
    taskId: item.taskId,
    name: item.name,
    files: item.files,
    at: at.toISOString(),
  };
}
