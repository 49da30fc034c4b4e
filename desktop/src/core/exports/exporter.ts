/**
 * Exports finished items to presets, locally: 基础修图 results are composed from the cached cut-out
 * (compose.ts), AI模特12图 results are cropped around the model (pose-crop.ts); every file written is read back and
 * checked (compliance.ts). Nothing here calls the server except `fetchCutout` for a cut-out not cached yet, so a
 * re-export of a finished batch costs nothing and works offline.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ExportPreset, ExportReport, ExportedFile } from '../../shared/contract.js';
import type { QueueBatch, QueueItem } from '../queue-store.js';
import { exportPath, safeName } from '../result-paths.js';
import { checkCompliance } from './compliance.js';
import { composeFromCutout } from './compose.js';
import { contactSheet } from './contact-sheet.js';
import { cropPose, poseSpec } from './pose-crop.js';
import { imageSpec, type ImageSpec } from './presets.js';

export interface ExportSource {
  item: QueueItem;
  batch: QueueBatch | undefined;
}

export interface ExportOptions {
  presets: readonly ExportPreset[];
  flat: boolean;
  /** each preset into its own sub-folder of the batch (several presets, a flat export, any later export) */
  perPresetFolder: boolean;
  contactSheet: boolean;
  /** only this result file of the item (one pose), default all */
  file?: string;
}

export interface ExporterDeps {
  /** the cached cut-out of a task */
  cachedCutout(taskId: string): string | null;
  /** downloads a cut-out not cached yet (null: the task has none); may throw when offline */
  fetchCutout(taskId: string): Promise<string | null>;
}

/** the folder a batch's exports go under (older batches had none: the date folder above the item's folder) */
export const batchDirOf = (s: ExportSource): string => s.batch?.dir ?? dirname(s.item.outputDir);
/** the item's result file name stem */
export const stemOfItem = (item: QueueItem): string => item.stem ?? basename(item.outputDir);

async function writeAtomically(path: string, body: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const part = `${path}.part`;
  try {
    await writeFile(part, body);
    await rename(part, path);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
}

export class Exporter {
  constructor(private readonly deps: ExporterDeps) {}

  async export(sources: readonly ExportSource[], o: ExportOptions): Promise<ExportReport> {
    const report: ExportReport = { dir: '', files: [], sheets: [], skipped: [] };
    const taken = new Set<string>();
    /** the sub-folders of the presets that made files */
    const used = new Set<string>();
    for (const s of sources) {
      try {
        const files = await this.exportItem(s, o, taken, used);
        if (files.length === 0) report.skipped.push({ itemId: s.item.id, name: s.item.name, reason: '所选规格不适用于这张图片' });
        report.files.push(...files);
      } catch (e) {
        const reason = e instanceof Error && /[\u4e00-\u9fff]/.test(e.message) ? e.message : '导出失败，请重试';
        report.skipped.push({ itemId: s.item.id, name: s.item.name, reason });
      }
    }
    if (o.contactSheet) report.sheets = await this.sheets(sources);
    const first = sources[0];
    if (first) {
      const base = batchDirOf(first);
      report.dir = o.perPresetFolder && used.size === 1 ? join(base, safeName([...used][0]!, '导出')) : base;
    }
    return report;
  }

  private spec(p: ExportPreset): ImageSpec {
    return p.id === 'pose' ? poseSpec(p) : imageSpec(p);
  }

  private async exportItem(s: ExportSource, o: ExportOptions, taken: Set<string>, used: Set<string>): Promise<ExportedFile[]> {
    const { item } = s;
    if (item.stage !== 'done' || !item.taskId) throw new Error('这张图片还没有处理完成');
    const out: ExportedFile[] = [];
    for (const preset of o.presets) {
      const spec = this.spec(preset);
      const place = (name: string) =>
        exportPath(
          {
            batchDir: batchDirOf(s),
            outputDir: item.outputDir,
            name,
            ext: spec.format === 'png' ? 'png' : 'jpg',
            presetFolder: o.perPresetFolder ? spec.folder : null,
            flat: o.flat,
          },
          taken,
        );
      if (preset.id === 'pose') {
        if (item.type !== 'model_pose12') continue;
        const poses = item.files.filter((f) => existsSync(f) && (!o.file || f === o.file));
        if (poses.length === 0) throw new Error('本地的模特图不见了（可能已被移动或删除），请在历史记录中重新下载');
        for (const pose of poses) {
          const path = place(`${basename(pose, extname(pose))}_${spec.suffix}`);
          await writeAtomically(path, await cropPose(pose, preset));
          out.push(await this.checked(item, basename(pose), spec, path));
          used.add(spec.folder);
        }
        continue;
      }
      if (item.type !== 'basic_clean') continue;
      const path = place(`${stemOfItem(item)}_${spec.suffix}`);
      const white = item.files[0];
      // the white result itself is the Taobao image when it lands on the same path: checked, not made again
      if (!(white && path === white && existsSync(white))) {
        const cutout = this.deps.cachedCutout(item.taskId) ?? (await this.fetchCutout(item.taskId));
        if (!cutout) throw new Error('这张图片没有抠图结果（较早的任务），无法导出其他规格');
        await writeAtomically(path, await composeFromCutout(cutout, spec));
      }
      out.push(await this.checked(item, basename(white ?? item.name), spec, path));
      used.add(spec.folder);
    }
    return out;
  }

  private async fetchCutout(taskId: string): Promise<string | null> {
    try {
      return await this.deps.fetchCutout(taskId);
    } catch {
      throw new Error('本机还没有这张图片的抠图，请联网后再导出');
    }
  }

  private async checked(item: QueueItem, source: string, spec: ImageSpec, path: string): Promise<ExportedFile> {
    const c = await checkCompliance(path, spec);
    return { itemId: item.id, source, presetLabel: spec.label, path, ok: c.ok, failures: c.failures };
  }

  /** One contact sheet per SKU folder (the items' result folder), in that folder. */
  private async sheets(sources: readonly ExportSource[]): Promise<string[]> {
    const byFolder = new Map<string, ExportSource[]>();
    for (const s of sources) {
      if (s.item.stage !== 'done') continue;
      byFolder.set(s.item.outputDir, [...(byFolder.get(s.item.outputDir) ?? []), s]);
    }
    const written: string[] = [];
    for (const [folder, group] of byFolder) {
      const entries = group.flatMap((s) => s.item.files.filter((f) => existsSync(f)).map((f) => ({ path: f, label: basename(f) })));
      if (entries.length === 0) continue;
      const atBatch = folder === batchDirOf(group[0]!);
      const title = atBatch ? (group[0]!.batch?.name ?? basename(folder)) : basename(folder);
      const path = join(folder, `${safeName(title)}_总览.jpg`);
      await writeAtomically(path, await contactSheet(title, entries));
      written.push(path);
    }
    return written;
  }
}
