/**
 * A graceful stop loses nothing. A server process (as `npm run server` runs it, sandbox mode) under a request load
 * with tasks in flight gets SIGTERM: every request sent is answered (none reset), it exits 0, and after a restart on
 * the same data every task finishes — each charged once, none refunded, RunningHub run once per model task. And a
 * stop that cannot wait for a job any longer hands its claim back, so the next process takes it at once instead of
 * after the whole lease.
 * The child processes cannot choose MariaDB's snapshot isolation per session, so the child test runs on SQLite and
 * on MariaDB as the server configures it; the in-process lease test runs on all three.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/index.js';
import type { ImageProcessor } from '../../src/vendors/types.js';
import { setRunningHub, waitForTask } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import {
  createMysqlDatabase,
  freePort,
  MONEY_DBS,
  startTestServer,
  TEST_TIMINGS,
  type DbKind,
  type TestServer,
} from '../support/server.js';
import { basicBody, created, getTask, modelBody, newMerchant, rhStats, waitSubmitted, waitUntil } from '../tasks/helpers.js';
import { SERVER_DIR, spawnNode, startLoad, waitHealthy, type Child } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** What each task cost its merchant, read from the database. */
async function ledgerOf(db: Database, taskIds: string[]) {
  const { QuotaLog } = db.models;
  return Promise.all(
    taskIds.map(async (taskId) => ({
      taskId,
      deduct: await QuotaLog.count({ where: { taskId, action: 'deduct' } }),
      refund: await QuotaLog.count({ where: { taskId, action: 'refund' } }),
    })),
  );
}

describe.each<Exclude<DbKind, 'mysql-si'>>(['sqlite', 'mysql'])('SIGTERM under load with tasks in flight, on %s', (kind) => {
  it('answers every request, exits 0, and after a restart every task finishes, charged once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-sigterm-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const database = kind === 'mysql' ? await createMysqlDatabase() : null;
    if (database) cleanups.push(database.drop);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      DOTENV_CONFIG_PATH: join(dataDir, 'none.env'),
      NODE_ENV: 'test',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...TEST_TIMINGS,
      ...(database ? { DATABASE_URL: database.url, DATABASE_POOL_MIN: '0' } : {}),
    };
    const start = async (): Promise<Child> => {
      // what `npm run server` runs in development (server/run.mjs → tsx)
      const c = spawnNode([join(SERVER_DIR, 'run.mjs'), 'main'], env);
      cleanups.push(async () => {
        if (c.child.exitCode === null) c.child.kill('SIGKILL');
        await c.exited;
      });
      await waitHealthy(url, c);
      return c;
    };

    const first = await start();
    const m = await newMerchant(url);
    // long enough to be running at the SIGTERM, however slow this machine is; they finish after the restart
    await setRunningHub(url, 'success', 10_000);
    const models = [await created(url, m.token, modelBody(m.inputKey)), await created(url, m.token, modelBody(m.inputKey))];
    const basics = [];
    for (let i = 0; i < 4; i++) basics.push(await created(url, m.token, basicBody(m.inputKey)));
    for (const t of models) await waitSubmitted(url, m.token, t.id);

    const load = startLoad(url, {
      paths: ['/healthz', '/client-config', `/task/${models[0]!.id}`, `/tasks?ids=${basics.map((b) => b.id).join(',')}`],
      headers: { authorization: `Bearer ${m.token}` },
      untilRefused: true,
    });
    await waitUntil(
      async () => load.answered(),
      (n) => n >= 100,
      30_000,
      'load answered',
    );
    const inFlight = await Promise.all(models.map((t) => getTask(url, m.token, t.id)));
    expect(inFlight.map((t) => t.status)).toEqual(['processing', 'processing']);
    first.child.kill('SIGTERM');
    const result = await load.result;
    expect(await first.exited, first.output()).toBe(0);
    expect(
      Object.keys(result.errors).filter((e) => e !== 'ECONNREFUSED'),
      JSON.stringify(result),
    ).toEqual([]);
    expect(Object.keys(result.statuses), JSON.stringify(result)).toEqual(['200']);
    expect(first.output()).toMatch(/"forced":false/);

    const second = await start();
    const all = [...models, ...basics];
    for (const t of all) expect((await waitForTask(url, m.token, t.id, 60_000)).status, t.id).toBe('done');
    expect((await rhStats(url)).run).toBe(models.length);
    const db = createDatabase({ url: database?.url ?? null, dataDir, poolMin: 0, poolMax: 2 });
    expect(
      await ledgerOf(
        db,
        all.map((t) => t.id),
      ),
    ).toEqual(all.map((t) => ({ taskId: t.id, deduct: 1, refund: 0 })));
    await expectLedgerInvariant(db);
    await db.close();
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);
  });
});

describe.each<DbKind>(MONEY_DBS)('a stop past its deadline, on %s', (db) => {
  it('releases the lease of a job still running, and the next server finishes the task at once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-release-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const database = db === 'sqlite' ? null : await createMysqlDatabase();
    if (database) cleanups.push(database.drop);
    const opts = {
      db,
      dataDir,
      ...(database ? { databaseUrl: database.url } : {}),
      env: { SHUTDOWN_TIMEOUT_MS: '1000', SHUTDOWN_IDLE_GRACE_MS: '0' },
    };
    const first = await startTestServer(opts);
    const m = await newMerchant(first.url);
    // the image processor never answers: the job cannot settle before the deadline
    const hanging: ImageProcessor = {
      goodsMatting: () => new Promise<void>(() => undefined),
      downscale: () => new Promise<void>(() => undefined),
    };
    first.ctx.vendors.imageProcessor = hanging;
    const task = await created(first.url, m.token, basicBody(m.inputKey));
    await waitUntil(
      async () => (await first.db.models.Task.findByPk(task.id))?.stage,
      (s) => s === 'working',
      15_000,
      'job working',
    );

    const outcome = await first.shutdown();
    expect(outcome).toMatchObject({ forced: true, releasedClaims: 1 });

    // the lease (5 minutes) was handed back: the next server takes the task at once
    const second: TestServer = await startTestServer(opts);
    try {
      expect((await waitForTask(second.url, m.token, task.id, 60_000)).status).toBe('done');
      expect(await ledgerOf(second.db, [task.id])).toEqual([{ taskId: task.id, deduct: 1, refund: 0 }]);
      await expectLedgerInvariant(second.db);
    } finally {
      // before the next test: the models of one process follow the database opened last
      await second.destroy();
    }
  });
});
