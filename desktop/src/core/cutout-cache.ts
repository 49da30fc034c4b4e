/**
 * The cut-outs of the merchant's basic_clean tasks (the `cutout` result: a transparent PNG, subject trimmed), kept
 * in the app's data folder — not the merchant's result folder — as `<dataDir>/cutouts/<taskId>.png`, across
 * restarts. Every marketplace export is composed from it locally: re-exporting a finished batch costs nothing and
 * needs no network. Downloads are atomic (downloader.ts), so a file under its final name is always whole.
 */
import { existsSync } from 'node:fs';
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
