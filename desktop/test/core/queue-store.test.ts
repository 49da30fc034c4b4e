/**
 * What the queue writes when: a new batch, every new clientRequestId and input key are on disk before any request uses them
 * (so a crash can never lead to paying twice); other changes are written together shortly after, and on flush.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QueueStore, type QueueItem } from '../../src/core/queue-store.js';
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

  it('writes a new clientRequestId or input key at once, and other changes together later or on flush', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-queue-'));
    const q = new QueueStore(confStore(dir), 100);
    q.addBatch({ id: 'b1', userId: 'u1', createdAt: '2026-11-26T00:00:00Z', type: 'basic_clean', params: {}, notified: false }, [
      item('a'),
      item('b'),
    ]);

    q.update('a', { stage: 'uploading' });
    q.update('a', { stage: 'creating', uploaded: true });
    expect(onDisk(dir).item('a')?.stage).toBe('waiting'); // not yet written
    q.update('b', { stage: 'creating', clientRequestId: 'crid-b2' });
    expect(onDisk(dir).item('b')).toMatchObject({ clientRequestId: 'crid-b2', stage: 'creating' });
    expect(onDisk(dir).item('a')).toMatchObject({ stage: 'creating', uploaded: true }); // went along with it
    // the input key is sent with the clientRequestId: the same id with another key would be refused as a conflict
    q.update('b', { inputKey: 'input/u1/k.jpg' });
    expect(onDisk(dir).item('b')?.inputKey).toBe('input/u1/k.jpg');

    q.update('a', { stage: 'processing', taskId: 't1' });
    await new Promise((r) => setTimeout(r, 250));
    expect(onDisk(dir).item('a')).toMatchObject({ stage: 'processing', taskId: 't1' });
    expect(onDisk(dir).taskRecord('t1')).toEqual({ name: 'a.jpg', outputDir: '/results/2026-11-26/a', type: 'basic_clean' });

    q.update('a', { stage: 'done', files: ['/results/2026-11-26/a/a_白底.jpg'] });
    q.flush();
    expect(onDisk(dir).item('a')?.stage).toBe('done');
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
