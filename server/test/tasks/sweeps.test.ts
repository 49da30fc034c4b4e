/**
 * The failure sweeps and RunningHub's cancel: two runners (as two instances would) sweeping the same timed-out tasks
 * at once cancel each at RunningHub exactly once, by the one whose failure won; a submission whose lease was swept
 * while it was in flight (the sweep failed and refunded it, then RunningHub answered with a taskId) cancels the vendor
 * task it started. The job runner is driven by hand and the server's clock is moved past the deadlines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/runner.js';
import { aheadClock } from '../support/clock.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import {
  created,
  finish,
  type Merchant,
  modelBody,
  newMerchant,
  newVendorTasks,
  rhStats,
  setRh,
  taskLedger,
  waitUntil,
} from './helpers.js';

const TIMEOUT_MS = 1000;
/** longer than the submission lease (2 min) */
const PAST_SUBMIT_LEASE_MS = 3 * 60_000;

describe.each<DbKind>(MONEY_DBS)('failure sweeps and RunningHub cancels on %s', (db) => {
  let s: TestServer;
  let m: Merchant;
  const clock = aheadClock();

  beforeAll(async () => {
    s = await startTestServer({
      db,
      jobs: false,
      env: { RUNNINGHUB_TIMEOUT: String(TIMEOUT_MS), RUNNINGHUB_MAX_CONCURRENCY: '4' },
      now: clock.now,
    });
    m = await newMerchant(s.url);
  });
  afterAll(() => finish(s));

  const row = (id: string) => s.db.models.Task.findByPk(id, { rejectOnEmpty: true });
  const tickAndSettle = async () => {
    await s.runner.tick();
    await s.runner.idle();
  };

  it('two runners sweeping timed-out tasks at once: each task failed and refunded once, cancelled once', async () => {
    await setRh(s.url, { mode: 'hang' });
    const tasks = await Promise.all(
      ['street', 'studio', 'indoor'].map((scene) =>
        created(s.url, m.token, modelBody(m.inputKey, { params: { scene, category: 'dress' } })),
      ),
    );
    await waitUntil(
      async () => {
        await tickAndSettle();
        return Promise.all(tasks.map((t) => row(t.id)));
      },
      (rows) => rows.every((r) => r.stage === 'running' && r.vendorTaskId),
      15_000,
      'all three submitted',
    );
    const vendorIds = (await Promise.all(tasks.map((t) => row(t.id)))).map((r) => r.vendorTaskId!);

    clock.skip(TIMEOUT_MS + 1000);
    const other = createJobRunner(s.ctx);
    await Promise.all([s.runner.tick(), other.tick()]);
    await Promise.all([s.runner.idle(), other.idle()]);

    const stats = await rhStats(s.url);
    expect(vendorIds.map((id) => stats.cancels[id] ?? 0)).toEqual([1, 1, 1]);
    for (const t of tasks) {
      expect(await row(t.id)).toMatchObject({ status: 'failed', errorReason: expect.stringMatching(/超时/) });
      expect(await taskLedger(s, t.id)).toEqual({ deduct: 1, refund: 1 });
    }
    // and no later pass cancels them again
    await Promise.all([s.runner.tick(), other.tick()]);
    const later = await rhStats(s.url);
    expect(vendorIds.map((id) => later.cancels[id] ?? 0)).toEqual([1, 1, 1]);
  });

  it('a submission whose lease was swept while in flight: the vendor task it started is cancelled', async () => {
    await setRh(s.url, { mode: 'hang' });
    const rh = s.ctx.vendors.runninghub;
    const run = rh.run.bind(rh);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let submitting = 0;
    rh.run = async (nodes) => {
      submitting++;
      await gate; // RunningHub answers only after the sweep
      return run(nodes);
    };
    const before = await rhStats(s.url);
    try {
      const task = await created(s.url, m.token, modelBody(m.inputKey));
      await s.runner.tick(); // claims it; the submission now waits
      await waitUntil(
        async () => submitting,
        (n) => n === 1,
        5000,
        'the submission in flight',
      );
      expect(await row(task.id)).toMatchObject({ status: 'processing', stage: 'submitting', vendorTaskId: null });

      clock.skip(PAST_SUBMIT_LEASE_MS);
      await s.runner.tick(); // the sweep fails it: interrupted submission, refunded
      expect(await row(task.id)).toMatchObject({ status: 'failed', errorReason: expect.stringMatching(/提交中断/) });
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });

      release();
      await s.runner.idle();
      const after = await rhStats(s.url);
      const started = newVendorTasks(before, after);
      expect(started).toHaveLength(1);
      expect(after.cancels[started[0]!]).toBe(1);
      // the task stays failed and refunded once
      expect(await row(task.id)).toMatchObject({ status: 'failed', stage: 'failed' });
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
    } finally {
      release();
      rh.run = run;
    }
  });
});
