/**
 * A finished job wakes the runner: with one basic_clean slot and a poll interval far longer than the test, the
 * second queued task starts as soon as the first one ends — not at the next tick (which never comes here).
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
