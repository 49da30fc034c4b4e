/** A small JSON document kept on disk (atomic write-then-rename), for emulator state that must survive restarts. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class JsonStore<T extends object> {
  private data: T;
  constructor(
    private readonly file: string,
    initial: () => T,
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.data = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : initial();
  }
  get value(): T {
    return this.data;
  }
  /** Applies a change and persists it synchronously (the emulators' write rate is tiny). */
  update<R>(change: (data: T) => R): R {
    const result = change(this.data);
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
    return result;
  }
}
