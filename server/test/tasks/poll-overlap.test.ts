/**
 * RunningHub answers slowly (every outputs answer held back 2.5 poll intervals, well within the client's timeout):
 * the polls of one task never overlap and never come closer than RUNNINGHUB_POLL_INTERVAL. Measured on the server's
 * side: the real client's `outputs` is wrapped, and each call's start and end are taken where the server makes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { created, finish, getTask, type Merchant, modelBody, newMerchant, setRh, waitSubmitted, waitUntil } from './helpers.js';

const POLL_MS = 400;
const ANSWER_MS = 1000;

describe.each<DbKind>(MONEY_DBS)('slow RunningHub answers on %s', (db) => {
  let s: TestServer;
  let m: Merchant;

  beforeAll(async () => {
    s = await startTestServer({ db, env: { RUNNINGHUB_POLL_INTERVAL: String(POLL_MS) } });
    m = await newMerchant(s.url);
  });
  afterAll(() => finish(s));

  it('never two outputs queries of one task in flight, never two closer than the interval', async () => {
    await setRh(s.url, { mode: 'hang', outputsDelayMs: ANSWER_MS });
    const task = await created(s.url, m.token, modelBody(m.inputKey));
    const { vendorTaskId } = await waitSubmitted(s.url, m.token, task.id);

    const rh = s.ctx.vendors.runninghub;
    const outputs = rh.outputs.bind(rh);
    const started: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    rh.outputs = async (id) => {
      if (id !== vendorTaskId) return outputs(id);
      started.push(performance.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await outputs(id);
      } finally {
        inFlight--;
      }
    };
    try {
      // several slow answers in a row
      await waitUntil(
        async () => started.length,
        (n) => n >= 5,
        30_000,
        'five outputs queries',
        50,
      );
    } finally {
      rh.outputs = outputs;
    }
    await waitUntil(
      async () => inFlight,
      (n) => n === 0,
      10_000,
      'the last answer',
      50,
    );
    const gaps = started.slice(1).map((t, i) => Math.round(t - started[i]!));
    console.warn(
      `[${db}] slow answers (${ANSWER_MS} ms, interval ${POLL_MS} ms): max in flight ${maxInFlight}, gaps ${JSON.stringify(gaps)} ms`,
    );
    expect(maxInFlight).toBe(1);
    expect(Math.min(...gaps), JSON.stringify(gaps)).toBeGreaterThanOrEqual(POLL_MS);
    // each poll asked one interval after the previous one asked, so after a slow answer the next comes at once
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(ANSWER_MS - 50);
    expect(await getTask(s.url, m.token, task.id)).toMatchObject({ status: 'processing', stage: 'running', vendorTaskId });
  });
});
