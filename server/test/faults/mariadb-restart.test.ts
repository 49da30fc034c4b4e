/**
 * MariaDB stops in the middle of a run and comes back: the test's own private MariaDB (own data directory, port and
 * socket), the server on it with tasks in flight — a model task running at RunningHub, and a basic_clean job whose
 * CI answer (slowed down by the fault proxy) arrives while the database is down, so that its result must be
 * written once the database is back. While it is down /healthz answers 503 `{"ok":false,"db":"down"}` and the
 * process keeps running; when it is back on the same port the server recovers by itself (healthz 200, every task
 * finishes, each charged once, the ledger invariant).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, setRunningHub } from '../support/client.js';
import { startServerBehindProxy, type FaultProxy } from '../support/fault-proxy.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startPrivateMariadb, type PrivateMariadb } from '../support/private-mariadb.js';
import { type TestServer } from '../support/server.js';
import { basicBody, created, expectChargedOnceEach, modelBody, newMerchant, quotaOf, sleep, waitUntil } from '../tasks/helpers.js';

/** how long the database stays down once the server has seen it down */
const OUTAGE_MS = 3000;

describe('a MariaDB restart in the middle of a run', () => {
  let mariadb: PrivateMariadb;
  let s: TestServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    mariadb = await startPrivateMariadb();
    await mariadb.createDatabase('aizhao');
    // vendor calls cross the proxy (all passed on, but one CI answer is slowed down)
    ({ s, proxy } = await startServerBehindProxy(
      { dripBytes: 32, dripMs: 100, oneRequestPerConnection: true },
      {
        databaseUrl: mariadb.url('aizhao'),
        env: { DATABASE_RECONNECT_WINDOW_MS: '30000', RUNNINGHUB_MAX_CONCURRENCY: '2', CI_TIMEOUT_MS: '30000' },
      },
    ));
  }, 120_000);
  afterAll(async () => {
    await s?.destroy();
    await proxy?.close();
    await mariadb?.destroy();
  });

  it('answers 503 on /healthz while it is down, recovers by itself and loses nothing', async () => {
    const base = s.url;
    await setRunningHub(base, 'success', 1500);
    const m = await newMerchant(base);
    const quotaBefore = await quotaOf(base, m.token);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await created(base, m.token, modelBody(m.inputKey))).id);
    for (let i = 0; i < 3; i++) ids.push((await created(base, m.token, basicBody(m.inputKey))).id);
    const { Task } = s.db.models;
    // in flight: a model task running at RunningHub …
    await waitUntil(
      () => Task.count({ where: { id: ids, stage: 'running' } }),
      (n) => n > 0,
      30_000,
      'a task running',
    );
    // … and a basic_clean job whose first CI answer (the downscale before GoodsMatting) drips in over seconds
    proxy.planMatching(/^POST [^ ]*\?image_process/, 'slow');
    const slowTask = (await created(base, m.token, basicBody(m.inputKey))).id;
    ids.push(slowTask);
    await waitUntil(
      () => Task.findByPk(slowTask),
      (t) => t?.stage === 'working',
      30_000,
      'the slow job claimed',
    );
    expect(proxy.planned).toBe(0); // its CI call is the slow one

    await mariadb.stop();
    const stoppedAt = Date.now();
    const down = await waitUntil(
      () => call(base, 'GET', '/healthz'),
      (r) => r.status === 503,
      15_000,
      'healthz 503',
    );
    expect(down.body).toEqual({ ok: false, db: 'down' });
    const sawDownMs = Date.now() - stoppedAt;
    // a merchant's request made now waits for the database instead of failing
    const during = call(base, 'GET', '/membership/status', { token: m.token });
    // the slow CI answer arrives while the database is down: the job then has a result to write
    await waitUntil(
      async () => proxy.closed.slow,
      (n) => n === 1,
      20_000,
      'the slow CI answer passed on',
    );
    await sleep(OUTAGE_MS); // more outage; the job runner keeps ticking against the stopped database
    expect((await call(base, 'GET', '/healthz')).status).toBe(503);

    const restartBegan = Date.now();
    await mariadb.start();
    const restartedAt = Date.now();
    const up = await waitUntil(
      () => call(base, 'GET', '/healthz'),
      (r) => r.status === 200,
      30_000,
      'healthz 200',
      50,
    );
    const recoveredMs = Date.now() - restartedAt;
    expect(up.body).toMatchObject({ ok: true, db: 'up' });
    const answered = await during;
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.quotaRemaining).toBe(quotaBefore - ids.length);

    await waitUntil(
      // (what is left, should it time out)
      () => Task.findAll({ attributes: ['id', 'type', 'stage', 'leaseUntil', 'attempts'], where: { id: ids, status: 'processing' } }),
      (left) => left.length === 0,
      120_000,
      'all tasks terminal',
      200,
    );
    const tasksDoneMs = Date.now() - restartedAt;
    const tasks = await Task.findAll({ where: { id: ids } });
    await expectChargedOnceEach(s, tasks);
    const done = tasks.filter((t) => t.status === 'done').length;
    // nothing failed because of the outage: every task finished
    expect(tasks.filter((t) => t.status === 'failed').map((t) => t.errorReason)).toEqual([]);
    expect(await quotaOf(base, m.token)).toBe(quotaBefore - done);
    await expectLedgerInvariant(s.db);
    console.warn(
      `\nMariaDB restart: healthz 503 ${sawDownMs} ms after the stop; down ${restartedAt - stoppedAt} ms ` +
        `(mariadbd restart took ${restartedAt - restartBegan} ms); ` +
        `healthz 200 ${recoveredMs} ms after the restart; all ${ids.length} tasks finished ${tasksDoneMs} ms after it (${done} done)`,
    );
  }, 300_000);
});
