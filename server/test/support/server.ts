/** Starts the real server (sandbox mode) on SQLite or MariaDB for a test file, and cleans up after it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import type { DestinationStream } from 'pino';
import { startServer, type RunningServer } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { expectLedgerInvariant } from './invariants.js';

/**
 * Where a suite runs: SQLite (the embedded default), MariaDB as production runs it today (10.11 LTS:
 * innodb_snapshot_isolation OFF) and MariaDB as the current LTS runs it (11.8: innodb_snapshot_isolation ON, where a
 * row changed since this transaction's snapshot fails a locking read with error 1020).
 */
export type DbKind = 'sqlite' | 'mysql' | 'mysql-si';
/** Money and concurrency suites run on all three. */
export const MONEY_DBS: DbKind[] = ['sqlite', 'mysql', 'mysql-si'];

/** The session statements that make a MariaDB connection behave as `kind` says. */
export function sessionSqlFor(kind: DbKind | undefined): string[] | undefined {
  if (kind === 'mysql') return ['SET SESSION innodb_snapshot_isolation = OFF'];
  if (kind === 'mysql-si') return ['SET SESSION innodb_snapshot_isolation = ON'];
  return undefined;
}
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Creates a fresh MariaDB database for one test file; returns its URL and a drop function. */
export async function createMysqlDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `aizhao_t_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection(TEST_DATABASE_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = await mysql.createConnection(TEST_DATABASE_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** stops the server and removes its data (and database) */
  destroy(): Promise<void>;
}

export interface TestServerOptions {
  db?: DbKind;
  env?: Record<string, string>;
  /** reuse a data dir (restart tests) */
  dataDir?: string;
  databaseUrl?: string;
  jobs?: boolean;
  now?: () => Date;
  /** where the server's log lines go instead of stdout (at TEST_LOG_LEVEL, or `logLevel`) */
  logDestination?: DestinationStream;
  logLevel?: string;
}

/** Quicker loops and looser limits than production, for every test server (also those run as child processes). */
export const TEST_TIMINGS: Record<string, string> = {
  JOB_TICK_MS: '100',
  RUNNINGHUB_POLL_INTERVAL: '300',
  SMS_PHONE_COOLDOWN_SECONDS: '0',
  SMS_IP_HOURLY_LIMIT: '100000',
  SMS_PHONE_DAILY_LIMIT: '1000',
  ORDER_QUERY_MIN_INTERVAL: '1000',
};

export async function startTestServer(o: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'aizhao-test-'));
  let database: { url: string; drop: () => Promise<void> } | null = null;
  if (o.databaseUrl) database = { url: o.databaseUrl, drop: async () => {} };
  else if (o.db === 'mysql' || o.db === 'mysql-si') database = await createMysqlDatabase();
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: o.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent',
    ...TEST_TIMINGS,
    ...(database ? { DATABASE_URL: database.url, DATABASE_POOL_MAX: '60', DATABASE_POOL_MIN: '0' } : {}),
    ...o.env,
  });
  const running = await startServer(config, {
    logger: createLogger(config.logLevel, o.logDestination),
    jobs: o.jobs,
    now: o.now,
    dbSessionSql: sessionSqlFor(o.db ?? (o.databaseUrl ? 'mysql' : undefined)),
  });
  return {
    ...running,
    dataDir,
    async destroy() {
      await running.close();
      if (!o.databaseUrl) await database?.drop();
      if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** After a test file: tidy up, check the ledger invariant, and always stop the server and remove its data. */
export async function finish(s: TestServer | undefined, tidy?: (s: TestServer) => Promise<void>): Promise<void> {
  if (!s) return;
  try {
    await tidy?.(s);
    await expectLedgerInvariant(s.db);
  } finally {
    await s.destroy();
  }
}
