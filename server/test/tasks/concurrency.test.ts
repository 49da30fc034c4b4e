/**
 * RUNNINGHUB_MAX_CONCURRENCY=1: three model tasks that hang at RunningHub are submitted one at a time; each times
 * out after RUNNINGHUB_TIMEOUT=1000 ms (failed, refunded once), which frees the slot for the next. SQLite and MariaDB.
 */
import type { Task } from '@aizhao/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, setRunningHub } from '../support/client.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { charges, created, finish, modelBody, newMerchant, rhStats, sleep, taskLedger } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('RUNNINGHUB_MAX_CONCURRENCY=1 on %s', (db) => {
  let s: TestServer;
  let base: string;

  beforeAll(async () => {
    s = await startTestServer({ db, env: { RUNNINGHUB_MAX_CONCURRENCY: '1', RUNNINGHUB_TIMEOUT: '1000' } });
    base = s.url;
  });
  afterAll(() => finish(s));

  it('submits at most one task at a time, and the others in turn', async () => {
    const m = await newMerchant(base);
    await setRunningHub(base, 'hang');
    const run0 = (await rhStats(base)).run;
    const tasks = await Promise.all(
      (['street', 'studio', 'indoor'] as const).map((scene) =>
        created(base, m.token, modelBody(m.inputKey, { params: { scene, category: 'dress' } })),
      ),
    );
    const ids = tasks.map((t) => t.id).join(',');
    let maxInFlight = 0;
    let items: Task[] = [];
    const until = Date.now() + 20_000;
    for (;;) {
      const [list, stats] = await Promise.all([
        call<{ items: Task[] }>(base, 'GET', `/tasks?ids=${ids}`, { token: m.token }),
        rhStats(base),
      ]);
      items = list.body.items;
      const inFlight = items.filter((t) => t.status === 'processing' && t.vendorTaskId).length;
      const finished = items.filter((t) => t.status !== 'processing').length;
      maxInFlight = Math.max(maxInFlight, inFlight);
      expect(inFlight).toBeLessThanOrEqual(1);
      expect(stats.run - run0).toBeLessThanOrEqual(finished + 1);
      if (finished === 3 || Date.now() > until) break;
      await sleep(50);
    }
    expect(maxInFlight).toBe(1);
    expect(items.map((t) => t.status)).toEqual(['failed', 'failed', 'failed']);
    for (const t of items) {
      expect(t.errorReason).toMatch(/超时/);
      expect(await taskLedger(s, t.id)).toEqual({ deduct: 1, refund: 1 });
    }
    expect(new Set(items.map((t) => t.vendorTaskId)).size).toBe(3);
    expect((await rhStats(base)).run).toBe(run0 + 3);
    expect(await charges(s, m)).toMatchObject({ quota: 100, deducts: 3, refunds: 3 });
  });
});
