/**
 * A freed slot wakes the runner: with one basic_clean CI slot and a poll interval far longer than the test, the
 * second queued task starts as soon as the first one is done with CI — not at the next tick (which never comes here)
 * and not only when the first has composed and stored its results; as many jobs may compose as may call CI.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitForTask } from '../support/client.js';
import { finish, startTestServer, type TestServer } from '../support/server.js';
import { basicBody, created, newMerchant, sleep, type Merchant } from './helpers.js';

const TEN_MINUTES = String(10 * 60_000);

let s: TestServer;
let m: Merchant;
beforeAll(async () => {
  s = await startTestServer({ env: { JOB_TICK_MS: TEN_MINUTES, CI_MAX_CONCURRENCY: '1' } });
  m = await newMerchant(s.url);
});
afterAll(() => finish(s));

it('the next queued task takes the freed slot at once when a job ends', async () => {
  const ci = s.ctx.vendors.imageProcessor;
  const original = ci.downscale.bind(ci);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let calls = 0;
  ci.downscale = async (...args) => {
    if (++calls === 1) await gate; // the first task holds the only slot until the gate opens
    return original(...args);
  };
  try {
    const first = await created(s.url, m.token, basicBody(m.inputKey));
    await expect.poll(() => calls, { timeout: 10_000 }).toBe(1);
    // creating the second task wakes the runner too, but the slot is taken: it stays queued
    const second = await created(s.url, m.token, basicBody(m.inputKey));
    await sleep(300);
    expect((await s.db.models.Task.findByPk(second.id))?.stage).toBe('queued');

    open();
    expect((await waitForTask(s.url, m.token, first.id, 15_000)).status).toBe('done');
    // without the wake, it would wait ten minutes for the next tick
    expect((await waitForTask(s.url, m.token, second.id, 15_000)).status).toBe('done');
    expect(calls).toBe(2);
  } finally {
    ci.downscale = original;
    open();
    await s.runner.idle();
  }
});

/** A gate: `wait()` blocks until `open()`. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

it('a job done with CI gives its slot to the next task while it composes; no more compose than may call CI', async () => {
  const ci = s.ctx.vendors.imageProcessor;
  const { storage } = s.ctx.vendors;
  const [originalDownscale, originalGet] = [ci.downscale.bind(ci), storage.get.bind(storage)];
  const composing = gate();
  let downscaled = 0;
  let cutoutsFetched = 0;
  ci.downscale = async (...args) => {
    downscaled++;
    return originalDownscale(...args);
  };
  // the first two tasks' cut-outs, fetched once CI is done with them, are held there: those tasks are composing
  storage.get = async (key) => {
    if (key.endsWith('/cutout.png') && ++cutoutsFetched <= 2) await composing.wait;
    return originalGet(key);
  };
  try {
    const first = await created(s.url, m.token, basicBody(m.inputKey));
    await expect.poll(() => cutoutsFetched, { timeout: 10_000 }).toBe(1);
    // the only CI slot was handed on: the second task goes to CI while the first composes
    const second = await created(s.url, m.token, basicBody(m.inputKey));
    await expect.poll(() => cutoutsFetched, { timeout: 10_000 }).toBe(2);
    // both compose now and CI is free, but as many compose as may call CI (1) plus that 1: the third waits
    const third = await created(s.url, m.token, basicBody(m.inputKey));
    await sleep(300);
    expect((await s.db.models.Task.findByPk(third.id))?.stage).toBe('queued');
    expect(downscaled).toBe(2);

    composing.open();
    for (const t of [first, second, third]) expect((await waitForTask(s.url, m.token, t.id, 15_000)).status).toBe('done');
    expect(downscaled).toBe(3);
  } finally {
    ci.downscale = originalDownscale;
    storage.get = originalGet;
    composing.open();
    await s.runner.idle();
  }
});
