/**
 * RunningHub's concurrency cap holds across server instances: many runners claiming submissions at the same moment
 * (each claim on its own pooled connection, as separate instances would) together take exactly the free slots,
 * never more. MariaDB serialises the count and the claim on the `job_locks` row; SQLite on its single writer.
 */
import { randomUUID } from 'node:crypto';
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTasks, type ClaimCap } from '../../src/jobs/claims.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';

const MAX = 3;
const RUNNERS = 8;
const QUEUED = 12;

describe.each<DbKind>(MONEY_DBS)('the RunningHub slot cap on %s', (db) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false });
  });
  afterAll(() => s.destroy());

  const cap: ClaimCap = {
    name: 'runninghub',
    inFlight: { type: 'model_pose12', status: 'processing', stage: { [Op.in]: ['submitting', 'running', 'saving'] } },
    max: MAX,
  };
  const claimOnce = () =>
    claimTasks(s.ctx, { type: 'model_pose12', status: 'processing', stage: 'queued' }, { stage: 'submitting', updatedAt: new Date() }, MAX, cap);

  async function queue(n: number, stage: 'queued' | 'running' = 'queued') {
    const now = Date.now();
    await s.db.models.Task.bulkCreate(
      Array.from({ length: n }, (_, i) => ({
        id: randomUUID().replace(/-/g, '').slice(0, 26),
        userId: 'U1',
        type: 'model_pose12' as const,
        status: 'processing' as const,
        stage,
        inputKey: `input/U1/${i}.jpg`,
        params: { scene: 'studio', category: 'dress' },
        resultKeys: null,
        vendorTaskId: null,
        vendorOutputs: null,
        errorReason: null,
        cost: 3,
        clientRequestId: null,
        requestHash: null,
        leaseUntil: null,
        nextActionAt: null,
        submittedAt: null,
        finishedAt: null,
        createdAt: new Date(now + i),
        updatedAt: new Date(now + i),
      })),
    );
  }
  const inFlight = () => s.db.models.Task.count({ where: cap.inFlight });

  it(`${RUNNERS} runners at once take exactly the ${MAX} free slots`, async () => {
    await queue(QUEUED);
    const claimed = (await Promise.all(Array.from({ length: RUNNERS }, claimOnce))).flat();
    expect(claimed).toHaveLength(MAX);
    expect(new Set(claimed.map((t) => t.id)).size).toBe(MAX);
    expect(await inFlight()).toBe(MAX);
    // full: nobody takes more
    expect((await Promise.all(Array.from({ length: RUNNERS }, claimOnce))).flat()).toEqual([]);
  });

  it('a slot freed is taken once', async () => {
    const [one] = await s.db.models.Task.findAll({ where: cap.inFlight, limit: 1 });
    await one!.update({ status: 'done', stage: 'done' });
    const claimed = (await Promise.all(Array.from({ length: RUNNERS }, claimOnce))).flat();
    expect(claimed).toHaveLength(1);
    expect(await inFlight()).toBe(MAX);
    expect(await s.db.models.Task.count({ where: { stage: 'queued' } })).toBe(QUEUED - MAX - 1);
  });
});
