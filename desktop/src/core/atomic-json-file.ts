/**
 * One JSON document in a file of its own, always replaced whole: each version goes to a temporary file next to it,
 * is fsynced, and is renamed over it. Whoever reads the file (the app after a crash or a power cut) finds one whole
 * version, never a mix, and never one older than the last `writeNow`.
 * - `writeNow` is synchronous and also fsyncs the folder (the rename itself is then on disk): for the durable points,
 *   where the caller must not go on before the change is kept.
 * - `write` does the same work in libuv's thread pool, so the main thread only serialises the value and renames;
 *   callers coalesce their changes into few writes (QueueStore writes behind a short delay).
 * A version never replaces a newer one: the rename of an asynchronous write is done on the main thread and skipped
 * when a later version (e.g. a `writeNow` while it was being written) is already in place. A file that does not parse
 * (which these writes cannot leave) is set aside, not read.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class AtomicJsonFile<T> {
  /** the last version started, and the last one renamed into place */
  private started = 0;
  private installed = 0;

  constructor(readonly path: string) {}

  /** The document, or undefined when there is none yet. Temporary files a crash left behind are removed. */
  read(): T | undefined {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return undefined;
    }
    for (const name of names) if (name.startsWith(prefix) && name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
    if (!names.includes(basename(this.path))) return undefined;
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as T;
    } catch {
      // cannot come from these writes (whole versions only); kept aside for a look, and the caller starts afresh
      renameSync(this.path, `${this.path}.corrupt-${Date.now()}`);
      return undefined;
    }
  }

  /** Writes `value` and returns once it is on disk (file and rename). */
  writeNow(value: T): void {
    const version = ++this.started;
    const tmp = this.tmpPath(version);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(value));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.installed = version;
    syncFolder(dirname(this.path));
  }

  /** Writes `value` without blocking the main thread; resolves when it is in place (or a newer version is). */
  async write(value: T): Promise<void> {
    const version = ++this.started;
    const tmp = this.tmpPath(version);
    const data = JSON.stringify(value);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // synchronous from the check to the rename: no other write of this file can come in between
    if (version < this.installed) return rm(tmp, { force: true });
    renameSync(tmp, this.path);
    this.installed = version;
    await syncFolderAsync(dirname(this.path));
  }

  private tmpPath(version: number): string {
    return `${this.path}.${process.pid}-${version}.tmp`;
  }
}

/** fsync a folder so that a rename in it survives a power cut (not possible on Windows: EISDIR / EPERM, ignored). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // EISDIR / EPERM on Windows
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

async function syncFolderAsync(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle
    .sync()
    .catch(() => {})
    .finally(() => handle.close());
}
