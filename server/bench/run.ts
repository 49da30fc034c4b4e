/**
 * `npm run bench` (server part): every server path measured against this machine's own limit in the same run, on
 * SQLite and on MariaDB (TEST_DATABASE_URL; skipped with a note when it cannot be reached), plus the basic_clean
 * pipeline against its budget. Prints the tables and writes them to docs/benchmarks.md (report.ts); exits 1 when a
 * goal is missed. BENCH_SECONDS (default 5) is the length of each load, BENCH_ROUNDS (default 3) how many times each
 * path and its limits are measured (the best run of each counts); BENCH_ONLY=sqlite|mysql|basic_clean runs one part,
 * BENCH_PATHS=list,sts,create,callback some of the server paths; BENCH_PROFILE_DIR makes the server process write a
 * CPU profile there.
 */
import mysql from 'mysql2/promise';
import { TEST_DATABASE_URL } from '../test/support/server.js';
import { measureBasicClean } from './basic-clean.js';
import { printTable, writeBenchmarkSection, type BenchRow } from './report.js';
import { measureServerPaths, PATH_GROUPS, type PathGroup } from './server-paths.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const only = process.env.BENCH_ONLY;
const groups = process.env.BENCH_PATHS?.split(',').filter((g): g is PathGroup => (PATH_GROUPS as readonly string[]).includes(g));
let failed = 0;
const done = (name: string, rows: BenchRow[], notes: string[] = []): void => {
  printTable(name, rows);
  // a run of some paths only prints: docs/benchmarks.md holds whole runs
  if (!groups?.length) writeBenchmarkSection(name, rows, notes);
  failed += rows.filter((r) => !r.ok).length;
};

async function mariadbReachable(): Promise<boolean> {
  try {
    const c = await mysql.createConnection(TEST_DATABASE_URL);
    await c.end();
    return true;
  } catch {
    return false;
  }
}

if (!only || only === 'sqlite') {
  const r = await measureServerPaths({ db: 'sqlite', seconds, rounds, groups });
  done('server paths on SQLite', r.rows, r.notes);
}
if (!only || only === 'mysql') {
  if (await mariadbReachable()) {
    const r = await measureServerPaths({ db: 'mysql', seconds, rounds, groups });
    done('server paths on MariaDB', r.rows, r.notes);
  } else {
    console.warn(`MariaDB at ${TEST_DATABASE_URL} cannot be reached: its part is skipped`);
    failed++;
  }
}
if (!only || only === 'basic_clean') done('basic_clean', await measureBasicClean());
process.exit(failed ? 1 : 0);
