/**
 * One JSON document kept on disk in whole versions, written two ways:
 * - `writeNow` (synchronous): the durable points. The version is written to a temporary file, fsynced, renamed over
 *   `<path>`, and the folder fsynced: it is on disk when the call returns, also across a power cut.
 * - `write` (asynchronous, libuv's thread pool: the main thread only serialises the value and renames): the versions
 *   in between, written behind to a temporary file and renamed over `<path>.latest`, without fsync. A crash of the
 *   app loses none of them (the system has the file); a power cut may, or may leave that file torn.
 * Each version carries a sequence number; `read` takes the newest version that parses of the two files, so it finds
 * the last version written behind after a crash of the app, and at worst the last durable one after a power cut —
 * never a mix. An older version never replaces a newer one: the rename of a write behind is done on the main thread
 * and skipped when a newer version is already in place.
 */
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

interface Version<T> {
  seq: number;
  value: T;
}

export class AtomicJsonFile<T> {
  /** the newest version started, and the newest in place (in either file) */
  private seq = 0;
  private installed = 0;
  /** where the versions written behind go */
  readonly latestPath: string;

  constructor(readonly path: string) {
    this.latestPath = `${path}.latest`;
  }

  /** The newest whole version, or undefined when there is none. Temporary files a crash left behind are removed. */
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
    const durable = names.includes(basename(this.path)) ? readVersion<T>(this.path) : null;
    // cannot be torn (fsynced before the rename): damaged otherwise, kept aside for a look
    if (durable === null && names.includes(basename(this.path))) renameSync(this.path, `${this.path}.corrupt-${Date.now()}`);
    const versions = [durable, names.includes(basename(this.latestPath)) ? readVersion<T>(this.latestPath) : null];
    const newest = versions.reduce<Version<T> | null>((a, b) => (b && (!a || b.seq > a.seq) ? b : a), null);
    if (!newest) return undefined;
    this.seq = this.installed = newest.seq;
    return newest.value;
  }

  /** Writes `value` and returns once it is on disk, fsynced (file and rename). */
  writeNow(value: T): void {
    const seq = ++this.seq;
    const tmp = this.tmpPath(seq);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ seq, value } satisfies Version<T>));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameReplacing(tmp, this.path);
    this.installed = seq;
    syncFolder(dirname(this.path));
  }

  /** Writes `value` behind (no fsync); resolves when it is in place, or a newer version is. */
  async write(value: T): Promise<void> {
    const seq = ++this.seq;
    const tmp = this.tmpPath(seq);
    const data = JSON.stringify({ seq, value } satisfies Version<T>);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    // synchronous from the check to the rename: no other version of this document can come in between
    if (seq < this.installed) return rm(tmp, { force: true });
    renameReplacing(tmp, this.latestPath);
    this.installed = seq;
  }

  private tmpPath(seq: number): string {
    return `${this.path}.${process.pid}-${seq}.tmp`;
  }
}

/**
 * `rename` over an existing file. On Windows a virus scanner or the search indexer may hold the file for a moment
 * (EPERM / EACCES / EBUSY): tried again for up to about a second, as write-file-atomic and atomically do.
 */
function renameReplacing(from: string, to: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      return renameSync(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (attempt >= 20 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** A version file, or null when it is torn (a power cut during a write behind) or not one of ours. */
function readVersion<T>(path: string): Version<T> | null {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<Version<T>>;
    return typeof v.seq === 'number' && v.value !== undefined ? (v as Version<T>) : null;
  } catch {
    return null;
  }
}

/** fsync a folder so that a rename in it survives a power cut (not possible on Windows: EISDIR / EPERM, ignored). */
function syncFolder(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
