/**
 * The balance in the header while a batch is created: creations run in parallel and answer in any order, each with
 * the balance right after its own deduct. The header must show the newest (lowest) one, not the last to arrive, and
 * read the membership again once the batch has ended.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { changeBalance, lockUser } from '../../../server/src/modules/quota/ledger.js';
import type { TestServer } from '../../../server/test/support/server.js';
import { photoFolder, type Desktop } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

describe('the balance shown while creations answer out of order', () => {
  let server: TestServer;
  let d: Desktop;
  const sandbox = sandboxDesktop('member');
  beforeAll(() => ({ server, d } = sandbox));
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  const quota = () => d.service.getState().membership?.quotaRemaining;

  /**
   * Holds back the answer of the creation that reported `balance` (any creation's, when undefined) until `release`;
   * the request itself has reached the server and been charged.
   */
  function holdCreation(balance?: number) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let held = false;
    let answers = 0;
    let readsHeld: Promise<void> | null = null;
    let releaseReads = () => {};
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === `${server.url}/membership/status`) await readsHeld;
      const res = await realFetch(input, init);
      if (url !== `${server.url}/task/create`) return res;
      answers++;
      const reported = ((await res.clone().json()) as { quotaRemaining: number }).quotaRemaining;
      if (!held && (balance === undefined || reported === balance)) {
        held = true;
        await released;
      }
      return res;
    }) as typeof fetch;
    return {
      release,
      answers: () => answers,
      /** membership reads wait until the returned function is called (so only creations set the balance) */
      holdReads: () => {
        readsHeld = new Promise<void>((r) => (releaseReads = r));
        return () => releaseReads();
      },
    };
  }

  it('shows the lowest balance reported, whatever order the creations answer in', async () => {
    expect(quota()).toBe(100);
    const hold = holdCreation(99);
    await d.service.addFiles([await photoFolder(3)]);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    // the two later creations have answered (98, 97) while the first one charged (99) is held
    await expect.poll(hold.answers, { timeout: 10_000 }).toBe(3);
    await expect.poll(quota).toBe(97);
    const releaseReads = hold.holdReads();
    hold.release();
    // once the late answer (99) is applied — its item has its task — the balance still reads 97
    await expect.poll(() => d.service.getState().batches.find((b) => b.id === batchId)!.items.every((i) => i.taskId)).toBe(true);
    expect(quota()).toBe(97);
    releaseReads();
    await d.service.whenIdle();
    expect(quota()).toBe(97);
  });

  it('reads the membership again when a batch ends', async () => {
    const hold = holdCreation();
    await d.service.addFiles([await photoFolder(1)]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await expect.poll(hold.answers, { timeout: 10_000 }).toBe(1); // charged: 96 on the server
    // meanwhile a change no creation reports: 10 granted by an admin adjustment (106)
    const userId = d.service.getState().user!.id;
    await server.db.transaction(async (t) => {
      const user = await lockUser(server.db, userId, t);
      await changeBalance(server.db, user, { action: 'adjust', amount: 10, reason: 'test' }, t);
    });
    hold.release(); // the creation's answer says 96
    await d.service.whenIdle();
    expect(quota()).toBe(106); // whenIdle includes the read at the end of the batch
  });
});
