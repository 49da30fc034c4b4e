/**
 * Where results land: `<root>/<YYYY-MM-DD>/<stem>/<stem>_白底.jpg` or `<stem>_pose01.jpg` … `_pose12.jpg`, with the
 * local date of the batch and the input's file name. Two inputs with the same stem on the same day get `-2`, `-3`.
 */
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { MODEL_POSE_COUNT, type Task, type TaskType } from '@aizhao/shared';

export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Device names Windows reserves, also with an extension (`nul.txt`): no folder may have them. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** The input's name without extension, made safe as a folder and file name on Windows, macOS and Linux. */
export function stemOf(fileName: string): string {
  // characters Windows refuses in names, and control characters
  // eslint-disable-next-line no-control-regex
  const cleaned = basename(fileName, extname(fileName)).replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_');
  // cut by characters (never half an emoji), then drop the trailing dots and spaces Windows would strip
  const stem = Array.from(cleaned)
    .slice(0, 80)
    .join('')
    .replace(/[. ]+$/, '');
  if (!stem) return 'image';
  return WINDOWS_RESERVED.test(stem) ? `_${stem}` : stem;
}

/**
 * Picks one output folder per input name, unique against the folders on disk and those in `taken` (folders of
 * queued items that are not written yet). Adds the chosen folders to `taken`. Names that differ only in case count
 * as the same folder, as they are on Windows and macOS.
 */
export function allocateOutputDirs(root: string, date: Date, names: readonly string[], taken: Set<string>): string[] {
  const day = join(root, localDate(date));
  const takenFolded = new Set([...taken].map((d) => d.toLowerCase()));
  return names.map((name) => {
    const stem = stemOf(name);
    for (let n = 1; ; n++) {
      const dir = join(day, n === 1 ? stem : `${stem}-${n}`);
      if (!takenFolded.has(dir.toLowerCase()) && !existsSync(dir)) {
        taken.add(dir);
        takenFolded.add(dir.toLowerCase());
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

/**
 * The results saved into the merchant's folder, in the order of resultFileNames: the white JPEG of basic_clean and
 * the poses of model_pose12. basic_clean's transparent cut-out (kind `cutout`) is not among them: it is the source of
 * the local exports, kept apart from the merchant's files.
 */
export function savedResults(task: Pick<Task, 'results'>): Task['results'] {
  return task.results.filter((r) => r.kind === 'white' || r.kind === 'pose');
}
