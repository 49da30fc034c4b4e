/**
 * State pushes as patches (no clock): a push for one changed item of a 2 000-item batch carries only that item; the
 * renderer's `applyStateMessage` rebuilds exactly the main process's state from a snapshot and the patches, keeping
 * every unchanged item and batch object; a missed patch asks for a snapshot; the real AppService's pushes over a
 * whole batch replay to its final state; and `getState` reads nothing from the store file.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppService } from '../../src/core/app-service.js';
import { StatePublisher, diffState } from '../../src/core/state-patch.js';
import type { AppState, ItemView, StateMessage, StatePatch } from '../../src/shared/contract.js';
import { applyStateMessage, type SyncedState } from '../../src/renderer/src/store/state-sync.js';
import { appState, batch, item } from '../support/app-state-fixtures.js';
import { confStore, photoFolder, recordingPlatform, testSecretBox } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

const N = 2000;
const bigBatch = (id: string, n: number, o: (i: number) => Partial<ItemView> = () => ({})) =>
  batch({ id, items: Array.from({ length: n }, (_, i) => item({ id: `${id}-${i}`, batchId: id, name: `款式${i}.jpg`, ...o(i) })) });

/** the state with item `id` changed by `change` (new objects along its path, as the service builds them) */
function withItem(s: AppState, id: string, change: Partial<ItemView>): AppState {
  return structuredClone({
    ...s,
    batches: s.batches.map((b) => ({ ...b, items: b.items.map((i) => (i.id === id ? { ...i, ...change } : i)) })),
  });
}

function apply(synced: SyncedState | null, message: StateMessage): SyncedState {
  const out = applyStateMessage(synced, message);
  if (out.kind !== 'applied') throw new Error(`message ${message.version} not applied: ${out.kind}`);
  return out.synced;
}

describe('state patches', () => {
  it('a push for one changed item of 2 000 carries only that item', () => {
    const publisher = new StatePublisher();
    const first = appState({ batches: [bigBatch('b1', N, () => ({ stage: 'uploading' }))] });
    expect(publisher.publish(first)).toBeNull(); // the first state reaches the renderer as a snapshot
    const next = withItem(first, 'b1-1234', { uploadedBytes: 1_200_000 }); // every object rebuilt, one value changed
    const patch = publisher.publish(next)!;
    expect(patch).toMatchObject({ kind: 'patch', version: 2, base: 1, fields: {} });
    expect(patch.items).toEqual({ changed: [next.batches[0]!.items[1234]], removed: [] });
    expect(patch.batches).toEqual({ changed: [], removed: [], order: null });
    const full = JSON.stringify(next).length;
    expect(JSON.stringify(patch).length * 100).toBeLessThan(full); // a few hundred bytes against ~1 MB
    expect(publisher.publish(structuredClone(next))).toBeNull(); // nothing changed: nothing pushed
  });

  it('rebuilds the main process’s state exactly, keeping the objects of everything unchanged', () => {
    const publisher = new StatePublisher();
    const states: AppState[] = [];
    let s = appState({ batches: [bigBatch('b1', 50), bigBatch('b2', 30, () => ({ stage: 'done', files: ['/r/a.jpg'] }))] });
    states.push(s);
    s = withItem(s, 'b1-3', { stage: 'uploading', uploadedBytes: 10 });
    states.push(s);
    s = { ...structuredClone(s), offline: true, membership: { ...s.membership!, quotaRemaining: 12 } };
    states.push(s);
    // a watched folder's usage (a top-level field like any other: it must reach the renderer)
    const folder = {
      id: 'hf_1',
      path: '/照片',
      type: 'basic_clean' as const,
      params: {},
      presets: [{ id: 'taobao' as const }],
      dailyLimit: 50,
    };
    const views = { paused: false, usedToday: 0, waiting: 0, lastError: null, watching: true };
    s = { ...structuredClone(s), hotFolders: [{ ...folder, ...views }] };
    states.push(s);
    s = { ...structuredClone(s), hotFolders: [{ ...folder, ...views, usedToday: 3, waiting: 1 }] };
    states.push(s);
    // a new batch in front, an item removed, a batch's own flag changed
    s = structuredClone({
      ...s,
      batches: [
        bigBatch('b3', 5),
        { ...s.batches[0]!, paused: true, items: s.batches[0]!.items.filter((i) => i.id !== 'b1-7') },
        s.batches[1]!,
      ],
    });
    states.push(s);
    s = structuredClone({ ...s, batches: s.batches.filter((b) => b.id !== 'b2') }); // 清除已完成
    states.push(s);
    s = withItem(s, 'b3-4', { stage: 'done', files: ['/r/b3-4_白底.jpg'] });
    states.push(s);

    publisher.publish(states[0]!);
    let synced = apply(null, publisher.snapshot());
    for (const state of states.slice(1)) {
      const before = synced;
      const patch = publisher.publish(state)!;
      synced = apply(synced, patch);
      expect(synced.app).toEqual(state);
      // whatever the patch did not name is the very object the renderer had
      const named = new Set(patch.items.changed.map((i) => i.id));
      const old = new Map(before.app.batches.flatMap((b) => b.items).map((i) => [i.id, i]));
      for (const i of synced.app.batches.flatMap((b) => b.items)) if (!named.has(i.id) && old.has(i.id)) expect(i).toBe(old.get(i.id));
      for (const b of synced.app.batches) {
        const was = before.app.batches.find((x) => x.id === b.id);
        const touched =
          patch.batches.changed.some((h) => h.id === b.id) || b.items.some((i) => named.has(i.id)) || was?.items.length !== b.items.length;
        if (was && !touched) expect(b).toBe(was);
      }
      if (!('membership' in patch.fields)) expect(synced.app.membership).toBe(before.app.membership);
    }
  });

  it('applies a patch only onto its base: a gap asks for a snapshot, an old message is dropped', () => {
    const a = appState({ batches: [bigBatch('b1', 3)] });
    const b = withItem(a, 'b1-0', { stage: 'uploading' });
    const c = withItem(b, 'b1-1', { stage: 'uploading' });
    const patch = (base: number, from: AppState, to: AppState): StatePatch => ({
      kind: 'patch',
      version: base + 1,
      base,
      ...diffState(from, to)!,
    });
    const held: SyncedState = { version: 1, app: a };
    expect(applyStateMessage(held, patch(2, b, c))).toEqual({ kind: 'resync' });
    expect(applyStateMessage(null, patch(1, a, b))).toEqual({ kind: 'resync' });
    expect(applyStateMessage(held, { kind: 'snapshot', version: 1, state: c })).toEqual({ kind: 'stale' });
    expect(applyStateMessage(held, patch(0, a, b))).toEqual({ kind: 'stale' });
  });
});

describe('the service’s state', () => {
  it('getState reads nothing from the store file (this process writes it: the state is kept in memory)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-state-'));
    const store = confStore(dir);
    store.set('settings', { resultRoot: '/Users/shop/Pictures/店铺' });
    let reads = 0;
    const counting = { ...store, get: (k: string) => (reads++, store.get(k)) };
    const service = new AppService({
      apiBaseUrl: 'http://127.0.0.1:9',
      store: counting,
      dataDir: join(dir, 'data'),
      secrets: testSecretBox(),
      platform: recordingPlatform(),
      defaultResultRoot: '/tmp/none',
    });
    const afterStart = reads;
    for (let i = 0; i < 20; i++) expect(service.getState().settings.resultRoot).toBe('/Users/shop/Pictures/店铺');
    service.getSnapshot();
    expect(reads).toBe(afterStart);
    void service.close();
  });
});

describe('the service’s pushes over a whole batch (real server)', () => {
  const sandbox = sandboxDesktop('member');

  it('replay from a snapshot to the final state, each carrying only what changed since the one before', async () => {
    const { d } = sandbox;
    const messages: StateMessage[] = [];
    d.service.onStateMessage((m) => messages.push(m));
    let synced = apply(null, d.service.getSnapshot());
    // the snapshot published what had not been pushed yet: that patch is older than the snapshot, and dropped
    for (const m of messages.splice(0)) expect(applyStateMessage(synced, m)).toEqual({ kind: 'stale' });
    await d.service.addFiles([await photoFolder(4)]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const final = d.service.getSnapshot(); // publishes what the coalescing timer has not pushed yet
    expect(messages.length).toBeGreaterThan(3);
    expect(messages.at(-1)!.version).toBe(final.version);
    for (const m of messages) {
      expect(m.kind).toBe('patch');
      const patch = m as StatePatch;
      const before = new Map(synced.app.batches.flatMap((b) => b.items).map((i) => [i.id, i]));
      for (const i of patch.items.changed) expect(i).not.toEqual(before.get(i.id));
      for (const [k, v] of Object.entries(patch.fields)) expect(v, k).not.toEqual(synced.app[k as keyof AppState]);
      synced = apply(synced, patch);
    }
    expect(synced).toEqual({ version: final.version, app: final.state });
    expect(final.state.batches[0]!.items.map((i) => i.stage)).toEqual(['done', 'done', 'done', 'done']);
  });
});
