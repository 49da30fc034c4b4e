/**
 * A database restart can cut the connection around a claim's COMMIT: the claim may then be committed although the
 * runner got an error. The runner takes back exactly the rows that carry its claim (instead of leaving them under
 * its lease until it runs out), and nothing of a claim that was rolled back. MariaDB (snapshot isolation off and on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import { claimTasks } from '../../src/jobs/claims.js';
import { startTestServer, type DbKind, type TestServer } from '../support/server.js';
import { basicBody, created, finish, newMerchant } from '../tasks/helpers.js';

/** What mysql2 reports when the server closes the connection under a statement, as Sequelize wraps it. */
const connectionLost = (): Error =>
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    name: 'SequelizeDatabaseError',
    parent: { code: 'PROTOCOL_CONNECTION_LOST', fatal: true },
  });

describe.each<DbKind>(['mysql', 'mysql-si'])('a claim whose COMMIT answer is lost on %s', (db) => {
  let s: TestServer;
  let ids: string[];

  beforeAll(async () => {
    // a short reconnect window: the rolled-back case reruns its transaction until the window closes
    s = await startTestServer({ db, jobs: false, env: { DATABASE_RECONNECT_WINDOW_MS: '1000' } });
    const m = await newMerchant(s.url);
    ids = [(await created(s.url, m.token, basicBody(m.inputKey))).id, (await created(s.url, m.token, basicBody(m.inputKey))).id];
  });
  afterAll(() => finish(s));

  const claimQueued = (now: Date) =>
    claimTasks(
      s.ctx,
      { type: 'basic_clean', status: 'processing', stage: 'queued' },
      { stage: 'working', leaseUntil: new Date(now.getTime() + 60_000), updatedAt: now },
      5,
    );
  async function withTransaction(replacement: Database['transaction'], run: () => Promise<unknown>): Promise<unknown> {
    const real = s.ctx.db.transaction;
    s.ctx.db.transaction = replacement;
    try {
      return await run();
    } finally {
      s.ctx.db.transaction = real;
    }
  }

  it('a rolled-back claim takes nothing; a committed one is taken back whole', async () => {
    const real = s.ctx.db.transaction;
    // lost before COMMIT: rolled back, nothing claimed, nothing returned
    const none = await withTransaction(
      (fn) =>
        real(async (t) => {
          await fn(t);
          throw connectionLost();
        }),
      () => claimQueued(new Date()),
    );
    expect(none).toEqual([]);
    expect(await s.db.models.Task.count({ where: { id: ids, stage: 'queued' } })).toBe(2);

    // committed, then the answer lost: the runner still gets its two tasks
    const claimed = (await withTransaction(
      async (fn) => {
        await real(fn);
        throw connectionLost();
      },
      () => claimQueued(new Date()),
    )) as { id: string; stage: string }[];
    expect(claimed.map((t) => t.id).sort()).toEqual([...ids].sort());
    expect(claimed.every((t) => t.stage === 'working')).toBe(true);
  });
});
