import { readFileSync } from 'node:fs';
import { join } from 'node:path';
/**
 * RUNNINGHUB_TIMEOUT (1500 ms, counted from submission) and RUNNINGHUB_QUEUE_DEADLINE (1000 ms in our queue):
 * past them a model task is failed with a reason and refunded exactly once, and RunningHub is not queried again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setRunningHub, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import {
  charges,
  created,
  finish,
  hammerReads,
  type Merchant,
  modelBody,
  newMerchant,
  queriesOf,
  rhStats,
  sleep,
  taskLedger,
  waitSubmitted,
} from './helpers.js';

const TIMEOUT_MS = 1500;
const POLL_MS = 300;
let s: TestServer;
let base: string;
let m: Merchant;

beforeAll(async () => {
  s = await startTestServer({
    env: { RUNNINGHUB_TIMEOUT: String(TIMEOUT_MS), RUNNINGHUB_QUEUE_DEADLINE: '1000', RUNNINGHUB_POLL_INTERVAL: String(POLL_MS) },
  });
  base = s.url;
  m = await newMerchant(base);
});
afterAll(() => finish(s));

it('a task that hangs at RunningHub fails after RUNNINGHUB_TIMEOUT, refunded once, and is never queried again', async () => {
  await setRunningHub(base, 'hang');
  const before = await charges(s, m);
  const task = await created(base, m.token, modelBody(m.inputKey));
  const submitted = await waitSubmitted(base, m.token, task.id);
  const failed = await waitForTask(base, m.token, task.id, 10_000);
  // not before RUNNINGHUB_TIMEOUT, by the server's own record of when it submitted and when it gave up
  const row = (await s.db.models.Task.findByPk(task.id))!;
  expect(row.finishedAt!.getTime() - row.submittedAt!.getTime()).toBeGreaterThanOrEqual(TIMEOUT_MS);
  expect(failed).toMatchObject({ status: 'failed', results: [], vendorTaskId: submitted.vendorTaskId });
  expect(failed.errorReason).toMatch(/超时/);
  // the hanging task was cancelled at RunningHub, so it does not hold the account's slot
  const emulated = JSON.parse(readFileSync(join(s.dataDir, 'sandbox', 'runninghub.json'), 'utf8'));
  expect(emulated.tasks[submitted.vendorTaskId!].cancelled).toBe(true);
  expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
  expect(await charges(s, m)).toMatchObject({ quota: before.quota, deducts: before.deducts + 1, refunds: before.refunds + 1 });

  const queries = await queriesOf(base, submitted.vendorTaskId);
  expect(queries).toBeGreaterThanOrEqual(1);
  await hammerReads(base, m.token, task.id, 50);
  await sleep(3 * POLL_MS);
  expect(await queriesOf(base, submitted.vendorTaskId)).toBe(queries);
  expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
});

it('a task RunningHub keeps refusing (queue full) fails after RUNNINGHUB_QUEUE_DEADLINE, refunded once', async () => {
  await setRunningHub(base, 'success', 300, 100);
  const run0 = (await rhStats(base)).run;
  const before = await charges(s, m);
  const createdAt = Date.now();
  const task = await created(base, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'shoes' } }));
  const failed = await waitForTask(base, m.token, task.id, 10_000);
  expect(Date.now() - createdAt).toBeGreaterThanOrEqual(1000 - 200);
  expect(failed).toMatchObject({ status: 'failed', results: [], vendorTaskId: null });
  expect(failed.errorReason).toMatch(/排队/);
  expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
  expect((await charges(s, m)).quota).toBe(before.quota);
  const run1 = (await rhStats(base)).run;
  expect(run1 - run0).toBeGreaterThanOrEqual(1);
  await sleep(3 * POLL_MS);
  expect((await rhStats(base)).run).toBe(run1); // not submitted again once failed
});
