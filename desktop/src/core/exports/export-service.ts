/**
 * The exports as the app offers them: the cut-out cache, the default presets of 设置, the presets of a batch
 * exported as each of its items is done, and exports asked for later (a batch, some items, one result). The
 * latest exports of an item and their compliance checks are kept with the item (the queue).
 */
import type { Task } from '@aizhao/shared';
import type { ExportDefaults, ExportItemsInput, ExportPreset, ExportReport, ExportResultInput } from '../../shared/contract.js';
import { CutoutCache } from '../cutout-cache.js';
import { DesktopError } from '../errors.js';
import type { KeyValueStore } from '../ports.js';
import type { QueueItem, QueueStore } from '../queue-store.js';
import { Exporter, type ExportOptions, type ExportSource } from './exporter.js';
import { DEFAULT_PRESETS } from './presets.js';

const DEFAULTS_KEY = 'exportDefaults';

export interface ExportServiceOptions {
  queue: QueueStore;
  store: KeyValueStore;
  /** the app's data folder (the cut-out cache lives in it) */
  dataDir: string;
  /** a task with fresh result URLs (for a cut-out not cached yet) */
  task(taskId: string): Promise<Task>;
  /** the signed-in merchant, or null */
  userId(): string | null;
  /** the exports of an item changed */
  changed(): void;
  fetch?: typeof fetch;
}

export class ExportService {
  readonly cutouts: CutoutCache;
  private readonly exporter: Exporter;
  private readonly running = new Set<Promise<unknown>>();

  /** read from the store once, at start: this process is the only writer, and getState asks on every push */
  private saved: ExportDefaults;

  constructor(private readonly o: ExportServiceOptions) {
    const saved = o.store.get(DEFAULTS_KEY) as Partial<ExportDefaults> | undefined;
    this.saved = { presets: saved?.presets ?? DEFAULT_PRESETS, flat: saved?.flat ?? false };
    this.cutouts = new CutoutCache(o.dataDir, { fetch: o.fetch });
    this.exporter = new Exporter({
      cachedCutout: (taskId) => this.cutouts.path(taskId),
      fetchCutout: async (taskId) => this.cutouts.store(await o.task(taskId)),
    });
  }

  /** Drops the cut-outs of tasks the queue no longer remembers (at start; the cache stays bounded). */
  prune(): Promise<number> {
    return this.track(this.cutouts.prune((taskId) => this.o.queue.taskRecord(taskId) !== undefined));
  }

  get defaults(): ExportDefaults {
    return this.saved;
  }

  setDefaults(d: ExportDefaults): void {
    this.o.store.set(DEFAULTS_KEY, d);
    this.saved = d;
    this.o.changed();
  }

  /** Resolves when no export is running (tests, and a clean quit). */
  async whenIdle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }

  /**
   * An item of a batch is done: its batch's presets are exported. The white result already is the Taobao image when
   * it is the only preset (it is checked in place, not made again).
   */
  itemDone(item: QueueItem): void {
    const batch = this.o.queue.batch(item.batchId);
    const presets = batch?.presets ?? [];
    if (presets.length === 0) return;
    const flat = batch?.flat === true;
    this.track(this.run([{ item, batch }], { presets, flat, perPresetFolder: flat || presets.length > 1, contactSheet: false }));
  }

  /** Exports items (a whole batch or some of it) into a sub-folder per preset of their batch folder. */
  exportItems(input: ExportItemsInput): Promise<ExportReport> {
    const sources = input.itemIds.map((id) => this.source(id));
    return this.track(
      this.run(sources, {
        presets: input.presets,
        flat: input.flat === true,
        perPresetFolder: true,
        contactSheet: input.contactSheet === true,
      }),
    );
  }

  /** Exports one result of an item to one preset. */
  exportResult(input: ExportResultInput): Promise<ExportReport> {
    const s = this.source(input.itemId);
    if (input.file && !s.item.files.includes(input.file)) throw new DesktopError('NOT_FOUND', '找不到这个结果文件');
    return this.track(
      this.run([s], { presets: [input.preset], flat: false, perPresetFolder: true, contactSheet: false, file: input.file }),
    );
  }

  private source(itemId: string): ExportSource {
    const item = this.o.queue.item(itemId);
    if (!item || item.userId !== this.o.userId()) throw new DesktopError('NOT_FOUND', '找不到这张图片');
    return { item, batch: this.o.queue.batch(item.batchId) };
  }

  private async run(sources: ExportSource[], o: ExportOptions & { presets: readonly ExportPreset[] }): Promise<ExportReport> {
    if (o.presets.length === 0) throw new DesktopError('INVALID_INPUT', '请至少选择一种导出规格');
    const report = await this.exporter.export(sources, o);
    for (const s of sources) {
      const files = report.files.filter((f) => f.itemId === s.item.id);
      if (files.length && this.o.queue.item(s.item.id)) this.o.queue.update(s.item.id, { exports: files });
    }
    this.o.changed();
    return report;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const tracked = p.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    tracked.catch(() => {}); // the caller sees the error; an automatic export's failure shows in the item's exports
    return tracked;
  }
}
