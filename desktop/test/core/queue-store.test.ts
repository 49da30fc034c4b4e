/**
 * What the queue writes when: a new batch and every new clientRequestId are on disk before any request uses them (so
 * a crash can never lead to paying twice), the input key is made from the item; other changes are written together
 * shortly after, off the main thread, and on flush. Its file: whole versions only, never an older one over a newer
 * one, moved out of the settings store, a damaged one set aside.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { AtomicJsonFile } from '../../src/core/atomic-json-file.js';
import { QUEUE_FILE, QueueStore, inputKeyFor, type QueueItem } from '../../src/core/queue-store.js';
import { confStore } from '../support/desktop.js';

const item = (id: string): QueueItem => ({
  id,
  batchId: 'b1',
  userId: 'u1',
  path: `/photos/${id}.jpg`,
  name: `${id}.jpg`,
  size: 1000,
  mime: 'image/jpeg',
  ext: 'jpg',
  type: 'basic_clean',
  params: {},
  outputDir: `/results/2026-11-26/${id}`,
  stage: 'waiting',
  inputKey: null,
  uploaded: false,
  clientRequestId: `crid-${id}`,
  taskId: null,
  failure: null,
  errorReason: null,
  refunded: false,
  files: [],
});

/** the queue as a freshly started app would read it from disk */
const onDisk = (dir: string) => new QueueStore(confStore(dir));

describe('QueueStore persistence', () => {
  it('writes a new batch at once, with every clientRequestId', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const q = new QueueStore(confStore(dir), 60_000);
    q.addBatch({ id: 'b1', userId: 'u1', createdAt: '2026-11-26T00:00:00Z', type: 'basic_clean', params: {}, notified: false }, [
      item('a'),
      item('b'),
    ]);
    expect(
      onDisk(dir)
        .items('u1')
        .map((i) => i.clientRequestId),
    ).toEqual(['crid-a', 'crid-b']);
  });

  it('writes a new clientRequestId at once, and other changes (the input key too) together later or on flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const q = new QueueStore(confStore(dir), 100);
    q.addBatch({ id: 'b1', userId: 'u1', createdAt: '2026-11-26T00:00:00Z', type: 'basic_clean', params: {}, notified: false }, [
      item('a'),
      item('b'),
    ]);

    q.update('a', { stage: 'uploading', inputKey: inputKeyFor('input/u1/', item('a')) });
    q.update('a', { stage: 'creating', uploaded: true });
    expect(onDisk(dir).item('a')).toMatchObject({ stage: 'waiting', inputKey: null }); // not yet written
    q.update('b', { stage: 'creating', clientRequestId: 'crid-b2' });
    expect(onDisk(dir).item('b')).toMatchObject({ clientRequestId: 'crid-b2', stage: 'creating' });
    expect(onDisk(dir).item('a')).toMatchObject({ stage: 'creating', uploaded: true, inputKey: 'input/u1/a.jpg' }); // went along with it

    q.update('a', { stage: 'processing', taskId: 't1' });
    await new Promise((r) => setTimeout(r, 250));
    expect(onDisk(dir).item('a')).toMatchObject({ stage: 'processing', taskId: 't1' });
    expect(onDisk(dir).taskRecord('t1')).toEqual({ name: 'a.jpg', outputDir: '/results/2026-11-26/a', type: 'basic_clean' });

    q.update('a', { stage: 'done', files: ['/results/2026-11-26/a/a_白底.jpg'] });
    q.flush();
    expect(onDisk(dir).item('a')?.stage).toBe('done');
  });

  it('the input key is made from the item, so a resumed item uploads to and creates with the same key', () => {
    const resumed: QueueItem = { ...item('a'), stage: 'uploading' };
    expect(inputKeyFor('input/u1/', item('a'))).toBe(inputKeyFor('input/u1/', resumed));
    expect(inputKeyFor('input/u1/', item('a'))).not.toBe(inputKeyFor('input/u1/', item('b')));
  });

  it('coalesces the changes of a batch into few writes, none of them on the main thread while it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const q = new QueueStore(confStore(dir), 60_000);
    const items = Array.from({ length: 200 }, (_, i) => item(`i${i}`));
    q.addBatch({ id: 'b1', userId: 'u1', createdAt: '2026-11-26T00:00:00Z', type: 'basic_clean', params: {}, notified: false }, items);
    const writes = vi.spyOn(AtomicJsonFile.prototype, 'write');
    const writesNow = vi.spyOn(AtomicJsonFile.prototype, 'writeNow');
    try {
      for (const stage of ['uploading', 'creating', 'processing', 'downloading', 'done'] as const) {
        for (const i of items) q.update(i.id, stage === 'uploading' ? { stage, inputKey: inputKeyFor('input/u1/', i) } : { stage });
        await new Promise((r) => setTimeout(r, 5)); // a little later: the same write window
      }
      expect(writes).not.toHaveBeenCalled();
      await q.written();
      expect(writes).toHaveBeenCalledTimes(1);
      // changes while a write is on its way: one more write, after it
      q.update('i0', { errorReason: 'x' });
      await new Promise((r) => setImmediate(r));
      const first = q.written();
      q.update('i1', { errorReason: 'y' });
      q.update('i2', { errorReason: 'z' });
      await first;
      await q.written();
      expect(writes.mock.calls.length).toBeLessThanOrEqual(3);
      expect(writesNow).not.toHaveBeenCalled();
    } finally {
      writes.mockRestore();
      writesNow.mockRestore();
    }
    expect(
      onDisk(dir)
        .items('u1')
        .every((i) => i.stage === 'done' && i.inputKey === `input/u1/${i.id}.jpg`),
    ).toBe(true);
    expect(onDisk(dir).item('i2')?.errorReason).toBe('z');
  });

  it('written(): the changes so far written without a synchronous write, callers at once sharing a write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const q = new QueueStore(confStore(dir), 60_000);
    q.addBatch({ id: 'b1', userId: 'u1', createdAt: '2026-11-26T00:00:00Z', type: 'basic_clean', params: {}, notified: false }, [
      item('a'),
      item('b'),
      item('c'),
    ]);
    await q.written(); // nothing new: resolves at once
    const writes = vi.spyOn(AtomicJsonFile.prototype, 'write');
    const writesNow = vi.spyOn(AtomicJsonFile.prototype, 'writeNow');
    try {
      q.update('a', { stage: 'creating', uploaded: true });
      const a = q.written();
      q.update('b', { stage: 'creating', uploaded: true });
      const b = q.written();
      q.update('c', { stage: 'creating', uploaded: true });
      const c = q.written();
      await Promise.all([a, b, c]);
      expect(writes.mock.calls.length).toBeLessThanOrEqual(2); // a's write, then one for b and c
      expect(writesNow).not.toHaveBeenCalled();
    } finally {
      writes.mockRestore();
      writesNow.mockRestore();
    }
    expect(
      onDisk(dir)
        .items('u1')
        .map((i) => i.uploaded),
    ).toEqual([true, true, true]);
  });

  it('a write behind never replaces a newer version written meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const f = new AtomicJsonFile<{ v: number }>(join(dir, 'doc.json'));
    const older = f.write({ v: 1 });
    f.writeNow({ v: 2 }); // e.g. a pause, while the write behind is on its way
    await older;
    expect(new AtomicJsonFile(join(dir, 'doc.json')).read()).toEqual({ v: 2 });
    expect(readdirSync(dir)).toEqual(['doc.json']); // no temporary file left
    await f.write({ v: 3 });
    expect(new AtomicJsonFile(join(dir, 'doc.json')).read()).toEqual({ v: 3 });
    f.writeNow({ v: 4 });
    expect(new AtomicJsonFile(join(dir, 'doc.json')).read()).toEqual({ v: 4 });
  });

  it('reads the newest whole version: the last written behind after a crash, the last durable one if that is torn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const f = new AtomicJsonFile<{ v: number }>(join(dir, 'doc.json'));
    f.writeNow({ v: 1 });
    await f.write({ v: 2 });
    const again = new AtomicJsonFile<{ v: number }>(join(dir, 'doc.json'));
    expect(again.read()).toEqual({ v: 2 });
    writeFileSync(f.latestPath, readFileSync(f.latestPath, 'utf8').slice(0, 7)); // a power cut during the write behind
    expect(new AtomicJsonFile(join(dir, 'doc.json')).read()).toEqual({ v: 1 });
    // a store that read version 2 goes on from there: what it writes next is the newest
    again.writeNow({ v: 3 });
    expect(new AtomicJsonFile(join(dir, 'doc.json')).read()).toEqual({ v: 3 });
  });

  it('moves a queue an older version kept in the settings store into its own file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const store = confStore(dir);
    store.set('queue', { batches: [], items: [item('a')], tasks: {} });
    store.set('settings', { resultRoot: '/results' });
    expect(new QueueStore(store).item('a')?.clientRequestId).toBe('crid-a');
    expect(confStore(dir).get('queue')).toBeUndefined();
    expect(confStore(dir).get('settings')).toEqual({ resultRoot: '/results' });
    expect(existsSync(join(dir, QUEUE_FILE))).toBe(true);
    expect(onDisk(dir).item('a')?.clientRequestId).toBe('crid-a');
  });

  it('sets aside a queue file that does not parse, and leftovers of a write a crash interrupted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    writeFileSync(join(dir, QUEUE_FILE), '{"batches": [');
    writeFileSync(join(dir, `${QUEUE_FILE}.123-4.tmp`), '{}');
    expect(onDisk(dir).items('u1')).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.startsWith(QUEUE_FILE))).toEqual([expect.stringMatching(/^queue\.json\.corrupt-\d+$/)]);
  });
});

describe('clearing finished batches (清除已完成)', () => {
  it('keeps the failures a retry can still fix, in their batch, and clears everything else that ended', () => {
    const q = new QueueStore(confStore(mkdtempSync(join(tmpdir(), 'aizhao-queue-'))));
    const batch = (id: string) => ({
      id,
      userId: 'u1',
      createdAt: '2026-11-26T00:00:00Z',
      type: 'basic_clean' as const,
      params: {},
      notified: true,
    });
    const at = (id: string, batchId: string, change: Partial<QueueItem>): QueueItem => ({ ...item(id), batchId, ...change });
    q.addBatch(batch('mixed'), [
      at('done', 'mixed', { stage: 'done', taskId: 't1' }),
      at('refunded', 'mixed', { stage: 'failed', failure: 'task', taskId: 't2', refunded: true }),
      at('expired', 'mixed', { stage: 'failed', failure: 'expired', taskId: 't3' }),
    ]);
    q.addBatch(batch('ok'), [at('ok1', 'ok', { stage: 'done', taskId: 't4' }), at('gone', 'ok', { stage: 'cancelled' })]);
    q.addBatch(batch('running'), [at('busy', 'running', { stage: 'processing', taskId: 't5' }), at('done2', 'running', { stage: 'done' })]);
    expect(q.removeFinished('u1')).toBe(1);
    expect(q.batches('u1').map((b) => b.id)).toEqual(['mixed', 'running']);
    expect(q.items('u1').map((i) => i.id)).toEqual(['refunded', 'busy', 'done2']);
  });
});
