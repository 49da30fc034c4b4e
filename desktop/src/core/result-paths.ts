/**
 * Where results land. A batch gets one folder, `<root>/<YYYY-MM-DD> <name>` (the local date of the batch and a name
 * the merchant can edit, by default the dropped folder's name), and the results mirror the dropped folder tree inside
 * it: dropping `春装/SKU123/正面.jpg` gives `<root>/2026-03-08 春装/SKU123/正面_白底.jpg` (or `正面_pose01.jpg` …
 * `_pose12.jpg`). Two inputs with the same stem in one folder get `-2`, `-3`; names that differ only in case count as
 * the same (Windows and macOS ignore case); every name is safe on Windows, macOS and Linux.
 *
 * Exports (core/exports) go next to the results, or into one sub-folder per preset when several are chosen, or flat:
 * every file of a preset in one folder, named after its SKU path (`SKU123_正面_白底.jpg`).
 */
import { existsSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { MODEL_POSE_COUNT, type Task, type TaskType } from '@aizhao/shared';

export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Device names Windows reserves, also with an extension (`nul.txt`): no folder may have them. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

/** A name made safe as one folder or file name on Windows, macOS and Linux (`fallback` when nothing is left). */
export function safeName(name: string, fallback = 'image'): string {
  // characters Windows refuses in names, and control characters
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[<>:"/\\|?*\u0000-\u001f]/g, '_');
  // cut by characters (never half an emoji), then drop the trailing dots and spaces Windows would strip
  const safe = Array.from(cleaned)
    .slice(0, 80)
    .join('')
    .replace(/[. ]+$/, '');
  if (!safe) return fallback;
  return WINDOWS_RESERVED.test(safe) ? `_${safe}` : safe;
}

/** The input's name without extension, made safe as a folder and file name on Windows, macOS and Linux. */
export function stemOf(fileName: string): string {
  return safeName(basename(fileName, extname(fileName)));
}

/** The first of `candidates(1)`, `candidates(2)` … that is not in `taken` (case-folded) and passes `free`; taken then. */
function firstFree(candidate: (n: number) => string, taken: Set<string>, free: (name: string) => boolean = () => true): string {
  for (let n = 1; ; n++) {
    const name = candidate(n);
    if (!taken.has(name.toLowerCase()) && free(name)) {
      taken.add(name.toLowerCase());
      return name;
    }
  }
}

const numbered = (stem: string) => (n: number) => (n === 1 ? stem : `${stem}-${n}`);

/**
 * The batch folder `<root>/<date> <name>`, unique against folders on disk and `taken` (folders of queued batches
 * not written yet; the chosen one is added).
 */
export function allocateBatchDir(root: string, date: Date, name: string, taken: Set<string>): string {
  const folded = new Set([...taken].map((d) => d.toLowerCase()));
  const dir = firstFree(
    (n) => join(root, numbered(safeName(`${localDate(date)} ${name}`.trim(), localDate(date)))(n)),
    folded,
    (d) => !existsSync(d),
  );
  taken.add(dir);
  return dir;
}

/** A batch's default name: the dropped folder's when every file came from the same one, else 批次. */
export function defaultBatchName(files: readonly { source: string }[]): string {
  const sources = new Set(files.map((f) => f.source));
  const [only] = sources;
  return sources.size === 1 && only ? only : '批次';
}

/** The folder segments of a relative input path (`SKU123/正面.jpg` → [`SKU123`]), each made safe. */
export function relDirSegments(relPath: string): string[] {
  return relPath
    .split(/[\\/]+/)
    .slice(0, -1)
    .filter((s) => s && s !== '.' && s !== '..')
    .map((s) => safeName(s, '_'));
}

export interface ItemPlace {
  /** the folder of the item's results */
  outputDir: string;
  /** the results' file name stem, unique in `outputDir` */
  stem: string;
}

/**
 * One place per input of a batch: the mirrored folder under `batchDir` and a stem unique in it (against the other
 * inputs and the result files already on disk).
 */
export function allocateItemPlaces(batchDir: string, type: TaskType, relPaths: readonly string[]): ItemPlace[] {
  const taken = new Set<string>();
  return relPaths.map((rel) => {
    const outputDir = join(batchDir, ...relDirSegments(rel));
    const key = firstFree(
      (n) => join(outputDir, numbered(stemOf(rel))(n)),
      taken,
      (p) => !existsSync(join(outputDir, resultFileNames(type, basename(p))[0]!)),
    );
    return { outputDir, stem: basename(key) };
  });
}

/**
 * Picks one output folder per input name under `<root>/<date>/`, unique against the folders on disk and those in
 * `taken`; adds the chosen folders to `taken`. Used for tasks this computer did not make (history re-download).
 */
export function allocateOutputDirs(root: string, date: Date, names: readonly string[], taken: Set<string>): string[] {
  const day = join(root, localDate(date));
  const folded = new Set([...taken].map((d) => d.toLowerCase()));
  return names.map((name) => {
    const dir = firstFree(
      (n) => join(day, numbered(stemOf(name))(n)),
      folded,
      (d) => !existsSync(d),
    );
    taken.add(dir);
    return dir;
  });
}

/** The result file names of a task, in the order of its results (white or poses), for the stem `stem`. */
export function resultFileNames(type: TaskType, stem: string): string[] {
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

/** Where one export of an item goes. */
export interface ExportPlaceInput {
  batchDir: string;
  /** the item's result folder (under `batchDir`) */
  outputDir: string;
  /** the name of the exported file without extension, e.g. `正面_亚马逊` */
  name: string;
  ext: 'jpg' | 'png';
  /** the preset's own sub-folder (`亚马逊主图`), or null for next to the results */
  presetFolder: string | null;
  flat: boolean;
}

/**
 * The path of an export, unique (case-folded) among the paths in `taken` of the same run: mirrored
 * (`<batch>/<preset>/SKU123/正面_亚马逊.jpg`) or flat (`<batch>/<preset>/SKU123_正面_亚马逊.jpg`).
 */
export function exportPath(o: ExportPlaceInput, taken: Set<string>): string {
  const segments = relative(o.batchDir, o.outputDir)
    .split(sep)
    .filter((s) => s && s !== '..');
  const base = o.presetFolder ? join(o.batchDir, safeName(o.presetFolder, '导出')) : o.batchDir;
  const dir = o.flat ? base : join(base, ...segments);
  const stem = safeName(o.flat ? [...segments, o.name].join('_') : o.name);
  return firstFree((n) => join(dir, `${numbered(stem)(n)}.${o.ext}`), taken);
}
