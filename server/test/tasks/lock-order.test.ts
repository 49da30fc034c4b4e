/**
 * Lock before reading: failure paths (failAndRefund), task creations of the same merchant and submission claims
 * under the RunningHub slot cap, all at once, on SQLite and MariaDB with snapshot isolation OFF and ON. With
 * innodb_snapshot_isolation=ON a transaction that reads first and locks after fails with error 1020 when another one
 * changed the row in between; the db layer would retry it, but correctness must not depend on that retry: no
 * transaction may meet 1020 (or a deadlock) at all, no error escapes, each task is refunded exactly once and the
 * cap holds.
 */
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTasks, type ClaimCap } from '../../src/jobs/claims.js';
import { failAndRefund } from '../../src/modules/tasks/lifecycle.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { charges, created, finish, type Merchant, modelBody, newMerchant, taskLedger } from './helpers.js';

const MAX = 3;
const ROUNDS = 3;
const QUEUED = 8;

describe.each<DbKind>(MONEY_DBS)('lock order of the money and claim paths on %s', (db) => {
  let s: TestServer;
  let m: Merchant;
  /** errno of every transaction attempt that failed (MariaDB: 1020 snapshot, 1213 deadlock, 1205 lock wait) */
  const failedAttempts: unknown[] = [];

  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false, env: { PLAN_MONTHLY_QUOTA: '1000', RUNNINGHUB_MAX_CONCURRENCY: String(MAX) } });
    m = await newMerchant(s.url);
    const sequelize = s.db.sequelize as unknown as { transaction: (...args: unknown[]) => Promise<unknown> };
    const original = sequelize.transaction.bind(sequelize);
    sequelize.transaction = (...args: unknown[]) =>
      original(...args).catch((err: { parent?: { errno?: number; code?: string } }) => {
        failedAttempts.push(err?.parent?.errno ?? err?.parent?.code ?? String(err));
        throw err;
      });
  });
  afterAll(() => finish(s));

  const cap: ClaimCap = {
    name: 'runninghub',
    inFlight: { type: 'model_pose12', status: 'processing', stage: { [Op.in]: ['submitting', 'running', 'saving'] } },
    max: MAX,
  };
  const claim = () =>
    claimTasks(
      s.ctx,
      { type: 'model_pose12', status: 'processing', stage: 'queued' },
      { stage: 'submitting', updatedAt: new Date() },
      MAX,
      cap,
    );
  const inFlight = () => s.db.models.Task.count({ where: cap.inFlight });

  it(`${ROUNDS} rounds of failures, creations and claims at once: no 1020, one refund per failed task, cap held`, async () => {
    const failedIds = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      const tasks = await Promise.all(Array.from({ length: QUEUED }, () => created(s.url, m.token, modelBody(m.inputKey))));
      // half of them fail (three failure paths race on each), while the same merchant creates more tasks and
      // eight runners claim submissions; the claimed ones are freed again so the next round has room
      const failing = tasks.slice(0, QUEUED / 2).map((t) => t.id);
      const outcomes = await Promise.allSettled([
        ...failing.flatMap((id) => [0, 1, 2].map((i) => failAndRefund(s.ctx, id, `failure ${i}`))),
        ...Array.from({ length: 6 }, () => created(s.url, m.token, modelBody(m.inputKey))),
        ...Array.from({ length: 8 }, claim),
      ]);
      const rejected = outcomes.filter((o) => o.status === 'rejected');
      expect(rejected, JSON.stringify(rejected)).toEqual([]);
      const won = outcomes.slice(0, failing.length * 3).filter((o) => o.status === 'fulfilled' && o.value);
      expect(won).toHaveLength(failing.length);
      const claimed = outcomes
        .slice(failing.length * 3 + 6)
        .flatMap((o) => (o.status === 'fulfilled' ? (o.value as { id: string }[]) : []))
        .map((t) => t.id);
      // a claimed task failed meanwhile frees its slot; the others are all in flight now, together within the cap
      expect(claimed.filter((id) => !failing.includes(id)).length).toBeLessThanOrEqual(MAX);
      expect(await inFlight()).toBeLessThanOrEqual(MAX);
      for (const id of failing) failedIds.add(id);
      // the claimed ones that did not fail meanwhile end, so the cap has room again
      await s.db.models.Task.update({ status: 'done', stage: 'done' }, { where: { id: { [Op.in]: claimed }, status: 'processing' } });
    }
    for (const id of failedIds) expect(await taskLedger(s, id)).toEqual({ deduct: 1, refund: 1 });
    const c = await charges(s, m);
    expect(c.refunds).toBe(failedIds.size);
    expect(c.quota).toBe(1000 - c.deducts + c.refunds);
    // correctness did not depend on the whole-transaction retry
    console.warn(`[${db}] transaction attempts that failed: ${failedAttempts.length} ${JSON.stringify(failedAttempts)}`);
    expect(failedAttempts).toEqual([]);
  });
});
