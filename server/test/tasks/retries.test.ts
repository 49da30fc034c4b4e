/**
 * Retry budgets of the job runner. Waiting in RunningHub's queue (queue-full answers) does not spend the retries of
 * saving results RunningHub already made; and a task whose work keeps being cut short (the process dies on it: the
 * lease runs out, the task is claimed again) is failed and refunded after the limit instead of being retried for
 * ever, for basic_clean (`working`) and for model_pose12 results being saved (`saving`). The runner is driven by hand
 * and the server's clock is moved past backoffs and leases; a "crash" is a vendor call that never answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { aheadClock } from '../support/clock.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { basicBody, created, finish, type Merchant, modelBody, newMerchant, setRh, taskLedger, waitUntil } from './helpers.js';

/** longer than any queue-full or save backoff */
const SKIP_BACKOFF_MS = 61_000;
/** longer than the basic_clean and saving leases (5 min) */
const SKIP_LEASE_MS = 6 * 60_000;

describe.each<DbKind>(MONEY_DBS)('retry budgets on %s', (db) => {
  let s: TestServer;
  let m: Merchant;
  const clock = aheadClock();

  beforeAll(async () => {
    // VENDOR_RETRIES=0: a download error reaches the save step (the client would otherwise absorb a transient one)
    s = await startTestServer({ db, jobs: false, now: clock.now, env: { VENDOR_RETRIES: '0' } });
    m = await newMerchant(s.url);
  });
  afterAll(() => finish(s));

  const row = (id: string) => s.db.models.Task.findByPk(id, { rejectOnEmpty: true });

  /** Calls of `fn` that never answer until `release()` (they then fail): a process that died in the middle. */
  function hang<A extends unknown[], R>(original: (...args: A) => Promise<R>) {
    const pending: ((err: Error) => void)[] = [];
    let calls = 0;
    const fn = (...args: A): Promise<R> => {
      void args;
      calls++;
      return new Promise<R>((_resolve, reject) => pending.push(reject));
    };
    return {
      fn,
      original,
      calls: () => calls,
      release: () => pending.splice(0).forEach((reject) => reject(new Error('the process that ran this is gone'))),
    };
  }

  it('three queue-full answers, then a transient download error: the results are saved on the retry', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300, queueFullTimes: 3, downloadFailures: 1 });
    const task = await created(s.url, m.token, modelBody(m.inputKey));
    const end = await waitUntil(
      async () => {
        await s.runner.tick();
        await s.runner.idle();
        const r = await row(task.id);
        // skip the queue-full backoffs and the save retry's backoff
        const waiting =
          (r.stage === 'queued' && r.nextActionAt) || (r.stage === 'saving' && r.leaseUntil && r.leaseUntil.getTime() > clock.ms());
        if (waiting) clock.skip(SKIP_BACKOFF_MS);
        return r;
      },
      (r) => r.status !== 'processing',
      30_000,
      'the task to end',
    );
    expect(end).toMatchObject({ status: 'done', attempts: 4, saveAttempts: 2 });
    expect(end.resultKeys).toHaveLength(12);
    expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 0 });
  });

  it('a basic_clean task whose runs keep dying ends failed and refunded after 3 runs', async () => {
    const ci = s.ctx.vendors.imageProcessor;
    const matting = hang(ci.goodsMatting.bind(ci));
    ci.goodsMatting = matting.fn;
    try {
      const task = await created(s.url, m.token, basicBody(m.inputKey));
      for (let run = 1; run <= 6; run++) {
        await s.runner.tick();
        if ((await row(task.id)).status !== 'processing') break;
        // this run has reached matting (where it hangs) before its lease runs out: not merely been claimed, which
        // under load left the lease to run out while the run was still downscaling
        await waitUntil(
          () => Promise.resolve(matting.calls()),
          (calls) => calls === run,
          5000,
          `run ${run} at matting`,
        );
        clock.skip(SKIP_LEASE_MS); // the runner "dies": its lease runs out
      }
      expect(matting.calls()).toBe(3);
      expect(await row(task.id)).toMatchObject({ status: 'failed', attempts: 3, errorReason: expect.stringMatching(/中断/) });
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
    } finally {
      ci.goodsMatting = matting.original;
      matting.release();
      await s.runner.idle();
    }
  });

  it('model results whose saving keeps dying: failed and refunded after 3 attempts', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300 });
    const rh = s.ctx.vendors.runninghub;
    const download = hang(rh.download.bind(rh));
    rh.download = download.fn;
    try {
      const task = await created(s.url, m.token, modelBody(m.inputKey));
      await waitUntil(
        async () => {
          await s.runner.tick();
          return row(task.id);
        },
        (r) => r.stage === 'saving',
        15_000,
        'the results found',
      );
      for (let i = 0; i < 6 && (await row(task.id)).status === 'processing'; i++) {
        clock.skip(SKIP_LEASE_MS);
        await s.runner.tick();
      }
      expect(await row(task.id)).toMatchObject({ status: 'failed', saveAttempts: 3, errorReason: expect.stringMatching(/保存/) });
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
      expect(download.calls()).toBeGreaterThanOrEqual(3);
    } finally {
      rh.download = download.original;
      download.release();
      await s.runner.idle();
    }
  });

  it('a download the client refuses outright (not retryable) fails the task at once, refunded', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300 });
    const rh = s.ctx.vendors.runninghub;
    const download = rh.download.bind(rh);
    let calls = 0;
    rh.download = async () => {
      calls++;
      throw new VendorError('runninghub', 'download: host evil.example not allowed', { retryable: false });
    };
    try {
      const task = await created(s.url, m.token, modelBody(m.inputKey));
      const end = await waitUntil(
        async () => {
          await s.runner.tick();
          await s.runner.idle();
          return row(task.id);
        },
        (r) => r.status !== 'processing',
        15_000,
        'the task to end',
      );
      expect(end).toMatchObject({ status: 'failed', saveAttempts: 1, vendorError: expect.stringMatching(/not allowed/) });
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
    } finally {
      rh.download = download;
    }
  });
});
