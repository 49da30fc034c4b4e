/**
 * The benchmark table, shared by `server/bench` and `desktop/bench`: each path measured with its limit in the same
 * run, printed with the ratio, and written as a named section of docs/benchmarks.md (each `npm run bench` part
 * replaces its own sections and leaves the others as they are).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchRow {
  /** what was measured, e.g. "`GET /tasks` first page" */
  path: string;
  /** the measured figure, with its unit ("1 234 req/s", "p95 812 ms") */
  result: string;
  /** what it is measured against, with its figure ("its SQL bare: 4 200 q/s") */
  limit: string;
  /** result ÷ limit (higher is better), or null where the goal is not a ratio */
  ratio: number | null;
  /** the goal as written in the issue ("≥ 0.5 of /healthz") */
  goal: string;
  ok: boolean;
}

export const BENCHMARKS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.md');

const HEADER = `# Benchmarks

\`npm run bench\` measures each path together with the limit it is held against (the same SQL run bare on the same
database, \`/healthz\` of the same server, the bare transaction, the vendor step alone, a raw PUT loop) in one run, and
writes the sections below (each part of the benchmark replaces its own). Ratios are what the goals are about: the
absolute figures depend on the machine and on what else runs on it.
`;

/** A figure with thin grouping, e.g. 12 345. */
export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }).replace(/,/g, ' ') : '—';

export function machineLine(now = new Date()): string {
  const model = cpus()[0]?.model?.trim() ?? 'unknown CPU';
  return `${availableParallelism()} cores (${model}), Node ${process.version}, ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The rows as a Markdown table (path, result, limit, ratio, goal, ✓/✗). */
export function markdownTable(rows: BenchRow[]): string {
  const lines = ['| path | result | limit | ratio | goal | |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.path} | ${r.result} | ${r.limit} | ${r.ratio === null ? '—' : r.ratio.toFixed(2)} | ${r.goal} | ${r.ok ? '✓' : '✗'} |`,
    );
  }
  return lines.join('\n');
}

/** Prints the rows as a plain table on stdout. */
export function printTable(title: string, rows: BenchRow[]): void {
  const cols: (keyof BenchRow)[] = ['path', 'result', 'limit', 'ratio', 'goal', 'ok'];
  const cell = (r: BenchRow, c: keyof BenchRow): string =>
    c === 'ok' ? (r.ok ? '✓' : '✗') : c === 'ratio' ? (r.ratio === null ? '—' : r.ratio.toFixed(2)) : String(r[c]).replace(/`/g, '');
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(cols.map((c) => (c === 'ok' ? '' : c))));
  for (const r of rows) console.log(line(cols.map((c) => cell(r, c))));
}

/**
 * Replaces (or appends) the section `name` of docs/benchmarks.md with `rows`, under a heading with the machine's
 * core count and the date; `notes` go under the table. Other sections are kept as they are.
 */
export function writeBenchmarkSection(name: string, rows: BenchRow[], notes: string[] = [], file = BENCHMARKS_FILE): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const body = [
    start,
    `## ${name}`,
    '',
    `Measured on ${machineLine()}.`,
    '',
    markdownTable(rows),
    ...(notes.length ? ['', ...notes] : []),
    end,
  ].join('\n');
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) doc = `${doc.slice(0, from)}${body}${doc.slice(to + end.length)}`;
  else doc = `${doc.trimEnd()}\n\n${body}\n`;
  writeFileSync(file, doc);
}
