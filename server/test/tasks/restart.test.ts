/**
 * A restart resumes the work in flight from the database, on the same DATA_DIR (and MariaDB database): a model task
 * running at RunningHub is polled again and finishes without a second submission; basic_clean tasks left queued or
 * mid-work (expired lease) finish; a model task a crash left in `submitting` without a vendorTaskId is failed and
 * refunded, never resubmitted blindly. SQLite and MariaDB.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRunningHub, waitForTask } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { createMysqlDatabase, startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { basicBody, charges, created, getTask, modelBody, newMerchant, rhStats, taskLedger, waitSubmitted, waitUntil } from './helpers.js';

/** The emulator renders a task's outputs from the input URL at submission; let it finish before its server goes. */
async function emulatorRendered(dataDir: string, vendorTaskId: string): Promise<void> {
  const read = async () => {
    const state = JSON.parse(readFileSync(join(dataDir, 'sandbox', 'runninghub.json'), 'utf8')) as {
      tasks: Record<string, { result?: { ok: boolean } }>;
    };
    return state.tasks[vendorTaskId]?.result;
  };
  const result = await waitUntil(read, Boolean, 10_000, 'emulator outputs');
  expect(result?.ok).toBe(true);
}

describe.each<DbKind>(MONEY_DBS)('restart on %s', (db) => {
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> } | null = null;
  const servers: TestServer[] = [];
  const start = async (): Promise<TestServer> => {
    const s = await startTestServer({ dataDir, db, ...(database ? { databaseUrl: database.url } : {}) });
    servers.push(s);
    return s;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aizhao-restart-'));
    if (db !== 'sqlite') database = await createMysqlDatabase();
  });
  afterAll(async () => {
    try {
      const last = servers.at(-1);
      if (last) await expectLedgerInvariant(last.db);
    } finally {
      for (const s of servers) await s.destroy();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('finishes the tasks in flight after a restart, without a second submission', async () => {
    const first = await start();
    const m = await newMerchant(first.url);
    await setRunningHub(first.url, 'success', 1500);
    const model = await created(first.url, m.token, modelBody(m.inputKey));
    const { vendorTaskId } = await waitSubmitted(first.url, m.token, model.id);
    await emulatorRendered(dataDir, vendorTaskId);

    // the job runner stops first: what is created now stays queued, and two tasks are put where a crash leaves them
    await first.runner.stop();
    const basicQueued = await created(first.url, m.token, basicBody(m.inputKey));
    const basicCrashed = await created(first.url, m.token, basicBody(m.inputKey, { clientRequestId: 'crashed-basic' }));
    const modelCrashed = await created(first.url, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'coat' } }));
    const expired = new Date(Date.now() - 1000);
    const { Task } = first.db.models;
    await Task.update({ stage: 'working', leaseUntil: expired, attempts: 1 }, { where: { id: basicCrashed.id } });
    await Task.update({ stage: 'submitting', leaseUntil: expired, attempts: 1 }, { where: { id: modelCrashed.id } });
    expect(await getTask(first.url, m.token, model.id)).toMatchObject({ status: 'processing', stage: 'running', vendorTaskId });
    const before = await rhStats(first.url);
    expect((await charges(first, m)).quota).toBe(96);
    await first.close();

    const second = await start();
    const base = second.url;
    const done = await waitForTask(base, m.token, model.id, 20_000);
    expect(done).toMatchObject({ status: 'done', vendorTaskId });
    expect(done.results).toHaveLength(12);
    for (const t of [basicQueued, basicCrashed]) {
      const finished = await waitForTask(base, m.token, t.id);
      expect(finished.status).toBe('done');
      expect(finished.results.map((r) => r.kind)).toEqual(['white', 'cutout']);
      expect(await taskLedger(second, t.id)).toEqual({ deduct: 1, refund: 0 });
    }
    const interrupted = await waitForTask(base, m.token, modelCrashed.id);
    expect(interrupted).toMatchObject({ status: 'failed', vendorTaskId: null, results: [] });
    expect(interrupted.errorReason).toMatch(/中断/);
    expect(await taskLedger(second, modelCrashed.id)).toEqual({ deduct: 1, refund: 1 });

    const after = await rhStats(base);
    expect(after.run).toBe(before.run); // neither the resumed task nor the interrupted one was submitted again
    expect(after.byTask[vendorTaskId]!.queries).toBeGreaterThan(before.byTask[vendorTaskId]!.queries);
    expect(Object.keys(after.byTask)).toEqual(Object.keys(before.byTask));
    expect(await taskLedger(second, model.id)).toEqual({ deduct: 1, refund: 0 });
    expect(await charges(second, m)).toMatchObject({ quota: 97, deducts: 4, refunds: 1, tasks: 4 });
  });
});
