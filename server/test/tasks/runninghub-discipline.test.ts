/**
 * RunningHub discipline: it is queried by the background job only, never because a client reads a task or a list,
 * never again once a task is done or failed, and at most about once per RUNNINGHUB_POLL_INTERVAL (400 ms here) per
 * task. A queue-full answer (421) makes the task wait in our queue, then it is submitted again and finishes done.
 * The server's clock is injected so that the queue-full backoff (up to a minute) can be skipped once observed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setRunningHub, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  basicBody,
  charges,
  created,
  finish,
  getTask,
  hammerReads,
  type Merchant,
  modelBody,
  newMerchant,
  queriesOf,
  rhStats,
  sleep,
  taskLedger,
  waitSubmitted,
  waitUntil,
} from './helpers.js';

const POLL_MS = 400;
/** longer than any queue-full backoff of the job runner */
const SKIP_MS = 61_000;
let clockOffset = 0;
let s: TestServer;
let base: string;
let m: Merchant;

beforeAll(async () => {
  s = await startTestServer({
    env: { RUNNINGHUB_POLL_INTERVAL: String(POLL_MS), RUNNINGHUB_MAX_CONCURRENCY: '4' },
    now: () => new Date(Date.now() + clockOffset),
  });
  base = s.url;
  m = await newMerchant(base);
});
afterAll(() => finish(s));

describe('after a model task is done, and after one failed', () => {
  it('no client read makes another RunningHub query, however many', async () => {
    await setRunningHub(base, 'success', 500);
    const toBeDone = await created(base, m.token, modelBody(m.inputKey));
    await waitSubmitted(base, m.token, toBeDone.id);
    await setRunningHub(base, 'fail', 400);
    const toFail = await created(base, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'shoes' } }));
    const finished = await Promise.all([waitForTask(base, m.token, toBeDone.id), waitForTask(base, m.token, toFail.id)]);
    expect(finished.map((t) => t.status)).toEqual(['done', 'failed']);
    const vendorIds = finished.map((t) => t.vendorTaskId!);
    for (const id of vendorIds) expect(id).toMatch(/^\d{19}$/);
    const before = await rhStats(base);
    const queries = vendorIds.map((id) => before.byTask[id]!.queries);
    for (const q of queries) expect(q).toBeGreaterThanOrEqual(1);

    for (const t of finished) await hammerReads(base, m.token, t.id, 50);
    await sleep(3 * POLL_MS + 200);
    for (const t of finished) await hammerReads(base, m.token, t.id, 50);

    const after = await rhStats(base);
    expect(vendorIds.map((id) => after.byTask[id]!.queries)).toEqual(queries);
    expect(after.run).toBe(before.run);
    expect(await taskLedger(s, toBeDone.id)).toEqual({ deduct: 1, refund: 0 });
    expect(await taskLedger(s, toFail.id)).toEqual({ deduct: 1, refund: 1 });
  });
});

describe('queue full at RunningHub', () => {
  it('the task waits (processing, stage queued) and then finishes done, not failed', async () => {
    const q = await newMerchant(base);
    await setRunningHub(base, 'success', 400, 1);
    const run0 = (await rhStats(base)).run;
    const task = await created(base, q.token, modelBody(q.inputKey));
    await waitUntil(
      () => rhStats(base),
      (st) => st.run === run0 + 1,
      5000,
      'the first (refused) submission',
    );

    // waiting for a free slot at RunningHub: no failure, no vendor task, no refund, no immediate resubmission
    for (let i = 0; i < 6; i++) {
      expect(await getTask(base, q.token, task.id)).toMatchObject({ status: 'processing', stage: 'queued', vendorTaskId: null });
      await sleep(200);
    }
    expect((await rhStats(base)).run).toBe(run0 + 1);
    expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 0 });

    clockOffset += SKIP_MS;
    const done = await waitForTask(base, q.token, task.id, 15_000);
    expect(done.status).toBe('done');
    expect(done.results).toHaveLength(12);
    expect((await rhStats(base)).run).toBe(run0 + 2);
    expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 0 });
    expect((await charges(s, q)).quota).toBe(99);
  });
});

describe('while a model task is processing', () => {
  it(`RunningHub is queried at most once per ${POLL_MS} ms, whatever clients and other tasks do`, async () => {
    await setRunningHub(base, 'hang');
    const task = await created(base, m.token, modelBody(m.inputKey, { params: { scene: 'indoor', category: 'coat' } }));
    const { vendorTaskId } = await waitSubmitted(base, m.token, task.id);
    // when the server asks RunningHub for this task's outputs (the real client is called through)
    const rh = s.ctx.vendors.runninghub;
    const outputs = rh.outputs.bind(rh);
    const askedAt: number[] = [];
    rh.outputs = (id) => {
      if (id === vendorTaskId) askedAt.push(Date.now());
      return outputs(id);
    };
    const BUSY_MS = 1600;
    const q0 = await queriesOf(base, vendorTaskId);
    const started = Date.now();
    try {
      // clients hammer the task and the lists, and new tasks keep waking the job runner
      while (Date.now() - started < BUSY_MS) {
        await hammerReads(base, m.token, task.id, 20);
        await created(base, m.token, basicBody(m.inputKey));
        await sleep(50);
      }
      // then a quiet spell, where the job runner ticks every 100 ms with nothing else to do
      await sleep(4 * POLL_MS);
    } finally {
      rh.outputs = outputs;
    }
    expect((await queriesOf(base, vendorTaskId)) - q0).toBeGreaterThanOrEqual(2); // it is polled, not forgotten
    expect(askedAt.length).toBeGreaterThanOrEqual(2);
    // however busy the server is, never two within the interval
    const gaps = askedAt.slice(1).map((t, i) => t - askedAt[i]!);
    expect(Math.min(...gaps), JSON.stringify(gaps)).toBeGreaterThanOrEqual(POLL_MS - 2); // (ms rounding)
    const now = await getTask(base, m.token, task.id);
    expect(now).toMatchObject({ status: 'processing', stage: 'running', vendorTaskId });
  });
});
