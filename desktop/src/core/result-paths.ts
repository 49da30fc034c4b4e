/**
 * Where results land: `<root>/<YYYY-MM-DD>/<stem>/<stem>_白底.jpg` or `<stem>_pose01.jpg` … `_pose12.jpg`, with the
 * local date of the batch and the input's file name. Two inputs with the same stem on the same day get `-2`, `-3`.
 */
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { MODEL_POSE_COUNT, type TaskType } from '@aizhao/shared';

export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The input's name without extension, made safe as a folder and file name on Windows, macOS and Linux. */
export function stemOf(fileName: string): string {
  const stem = basename(fileName, extname(fileName))
    .replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_')
    .replace(/[. ]+$/, '')
    .slice(0, 80);
  return stem || 'image';
}

/**
 * Picks one output folder per input name, unique against the folders on disk and those in `taken` (folders of
 * queued items that are not written yet). Adds the chosen folders to `taken`.
 */
export function allocateOutputDirs(root: string, date: Date, names: readonly string[], taken: Set<string>): string[] {
  const day = join(root, localDate(date));
  return names.map((name) => {
    const stem = stemOf(name);
    for (let n = 1; ; n++) {
      const dir = join(day, n === 1 ? stem : `${stem}-${n}`);
      if (!taken.has(dir) && !existsSync(dir)) {
        taken.add(dir);
        return dir;
      }
    }
  });
}

/** The result file names of a task, in the order of its results. */
export function resultFileNames(type: TaskType, outputDir: string): string[] {
  const stem = basename(outputDir);
  if (type === 'basic_clean') return [`${stem}_白底.jpg`];
  return Array.from({ length: MODEL_POSE_COUNT }, (_, i) => `${stem}_pose${String(i + 1).padStart(2, '0')}.jpg`);
}
