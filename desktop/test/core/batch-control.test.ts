/**
 * Pause, resume and cancel a batch, and remove single items, against the real sandbox server: a paused batch
 * charges nothing (an upload under way ends, but no task is created) and stays paused across a restart; cancelling
 * stops every item not charged yet, while an item already charged goes on and says so; only uncharged items can
 * be removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, setRunningHub } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { buyInApp, loginWithSandboxCode, photoFolder, startDesktop, waitForState, type Desktop } from '../support/desktop.js';
import type { AppState, BatchView } from '../../src/shared/contract.js';
import { type DesktopError } from '../../src/core/errors.js';

describe('pause, resume, cancel and remove', () => {
  let server: TestServer;
  const started: Desktop[] = [];
  const start = async (...args: Parameters<typeof startDesktop>) => {
    const d = await startDesktop(...args);
    started.push(d);
    return d;
  };
  /** a logged-in member with `n` photos in the draft, uploading one at a time */
  async function member(n: number): Promise<Desktop> {
    const d = await start(server.url, { service: { engine: { uploadConcurrency: 1, syncIntervalMs: 100, retryDelayMs: 50 } } });
    await loginWithSandboxCode(d, server.url);
    await buyInApp(d);
    await d.service.addFiles([await photoFolder(n)]);
    return d;
  }
  const batchOf = (s: AppState, id: string): BatchView => s.batches.find((b) => b.id === id)!;
  const serverTasks = async (d: Desktop) => {
    const token = d.secrets.open(Buffer.from((d.store.get('session') as { token: string }).token, 'base64'));
    return (await call<{ items: unknown[] }>(server.url, 'GET', '/tasks?limit=100', { token })).body.items.length;
  };
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as DesktopError;
    }
    throw new Error('expected a DesktopError');
  };

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
  });
  afterAll(async () => {
    for (const d of started) await d.service.close();
    await server?.destroy();
  });

  it('a paused batch charges nothing, stays paused across a restart, and finishes once resumed', async () => {
    await setRunningHub(server.url, 'success', 50);
    const d = await member(3);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    d.service.pauseBatch(batchId);
    await d.service.whenIdle(); // the upload that had begun ends; nothing else starts
    let batch = batchOf(d.service.getState(), batchId);
    expect(batch.paused).toBe(true);
    expect(batch.items.map((i) => i.stage).every((s) => s === 'waiting' || s === 'creating')).toBe(true);
    expect(batch.items.every((i) => i.taskId === null && i.removable)).toBe(true);
    expect(await serverTasks(d)).toBe(0);
    await d.service.refreshMembership();
    expect(d.service.getState().membership?.quotaRemaining).toBe(100);

    // quit and start again: still paused, still nothing charged
    await d.service.close();
    const again = await start(server.url, { from: d, service: { engine: { uploadConcurrency: 1, syncIntervalMs: 100 } } });
    await waitForState(again.service, (s) => s.user !== null);
    await again.service.whenIdle();
    batch = batchOf(again.service.getState(), batchId);
    expect(batch.paused).toBe(true);
    expect(await serverTasks(again)).toBe(0);

    again.service.resumeBatch(batchId);
    await again.service.whenIdle();
    batch = batchOf(again.service.getState(), batchId);
    expect(batch.paused).toBe(false);
    expect(batch.items.map((i) => i.stage)).toEqual(['done', 'done', 'done']);
    expect(again.service.getState().membership?.quotaRemaining).toBe(97);
  });

  it('cancel stops what was not charged; the charged item goes on and says so', async () => {
    await setRunningHub(server.url, 'hang'); // AI model photos run on RunningHub: its tasks stay running
    const d = await member(3);
    const options = d.service.getState().options!;
    const cost = options.taskTypes.find((t) => t.type === 'model_pose12')!.cost;
    const params = { scene: options.scenes[0]!.id, category: options.categories[0]!.id };
    const { batchId } = await d.service.startBatch({ type: 'model_pose12', params });
    // the first item is charged (its task exists on the server and is processing)
    await waitForState(d.service, (st) => batchOf(st, batchId).items.some((i) => i.stage === 'processing'));
    // hold the rest (an upload under way ends, uncharged), then cancel
    d.service.pauseBatch(batchId);
    d.service.cancelBatch(batchId);
    // settled: every item is either charged and going on, or cancelled
    const settled = (st: AppState) => batchOf(st, batchId).items.every((i) => i.stage === 'processing' || i.stage === 'cancelled');
    const batch = batchOf(await waitForState(d.service, settled), batchId);
    expect(batch.cancelled).toBe(true);
    const charged = batch.items.filter((i) => i.taskId !== null);
    expect(charged.length).toBeGreaterThanOrEqual(1);
    expect(charged.length).toBeLessThan(3);
    for (const i of batch.items) {
      if (i.taskId) expect(i).toMatchObject({ stage: 'processing', keptAfterCancel: true, removable: false });
      else expect(i).toMatchObject({ stage: 'cancelled', errorReason: '已取消，未扣次数', keptAfterCancel: false });
    }
    expect(await serverTasks(d)).toBe(charged.length);
    await d.service.refreshMembership();
    expect(d.service.getState().membership?.quotaRemaining).toBe(100 - charged.length * cost);

    // a charged item cannot be removed; nothing of a cancelled batch can be retried into a new charge
    expect(failure(() => d.service.removeItem(charged[0]!.id)).code).toBe('ITEM_CHARGED');
    const cancelled = batch.items.find((i) => i.stage === 'cancelled')!;
    expect(failure(() => d.service.retryItem(cancelled.id)).code).toBe('NOT_FAILED');
    await setRunningHub(server.url, 'success', 50);
  });

  it('removes an item that was not charged, and keeps the rest of the batch', async () => {
    await setRunningHub(server.url, 'success', 50);
    const d = await member(3);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    d.service.pauseBatch(batchId);
    await d.service.whenIdle();
    const [first, ...rest] = batchOf(d.service.getState(), batchId).items;
    d.service.removeItem(first!.id);
    await waitForState(d.service, (st) => batchOf(st, batchId).items.length === 2);
    d.service.resumeBatch(batchId);
    await d.service.whenIdle();
    const batch = batchOf(d.service.getState(), batchId);
    expect(batch.items.map((i) => i.id)).toEqual(rest.map((i) => i.id));
    expect(batch.items.map((i) => i.stage)).toEqual(['done', 'done']);
    expect(await serverTasks(d)).toBe(2);
    expect(d.service.getState().membership?.quotaRemaining).toBe(98);
    // a done item was charged: it stays
    expect(failure(() => d.service.removeItem(batch.items[0]!.id)).code).toBe('ITEM_CHARGED');
  });
});
