/**
 * The cut-outs of the merchant's basic_clean tasks (the `cutout` result: a transparent PNG, subject trimmed), kept
 * in the app's data folder — not the merchant's result folder — as `<dataDir>/cutouts/<taskId>.png`, across
 * restarts. Every marketplace export is composed from it locally: re-exporting a finished batch costs nothing and
 * needs no network. Downloads are atomic (downloader.ts), so a file under its final name is always whole.
 */
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Task } from '@aizhao/shared';
import { downloadAll, type DownloadOptions } from './downloader.js';

const TASK_ID = /^[0-9A-Za-z_-]{1,64}$/;

export class CutoutCache {
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly o: DownloadOptions = {},
  ) {
    this.dir = join(dataDir, 'cutouts');
  }

  /** The cached cut-out of a task, or null. */
  path(taskId: string): string | null {
    if (!TASK_ID.test(taskId)) return null;
    const p = join(this.dir, `${taskId}.png`);
    return existsSync(p) ? p : null;
  }

  /**
   * Deletes the cut-outs of tasks this computer no longer knows (the queue keeps a bounded number of task records),
   * and leftover `.part` files; returns how many files went.
   */
  async prune(known: (taskId: string) => boolean): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const gone = names.filter((n) => n.endsWith('.part') || (n.endsWith('.png') && !known(n.slice(0, -4))));
    await Promise.all(gone.map((n) => rm(join(this.dir, n), { force: true })));
    return gone.length;
  }

  /** Downloads the task's `cutout` result unless cached; null when the task has none (a server without it). */
  async store(task: Pick<Task, 'id' | 'results'>): Promise<string | null> {
    if (!TASK_ID.test(task.id)) return null;
    const cached = this.path(task.id);
    if (cached) return cached;
    const cutout = task.results.find((r) => r.kind === 'cutout');
    if (!cutout) return null;
    const [file] = await downloadAll([cutout.url], this.dir, [`${task.id}.png`], this.o);
    return file!;
  }
}
