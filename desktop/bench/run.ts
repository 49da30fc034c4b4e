/**
 * `npm run bench` (desktop part): the desktop's speed targets on this machine. Checking a dropped folder of 1000
 * photos, the queue's writes for a 1000-photo batch, the cost of one state push with 1000 items, and a 30-photo
 * batch from drop to results on disk against the sandbox server (SQLite). Exits non-zero when a target is missed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanPaths } from '../src/core/input-files.js';
import { QueueStore, type QueueItem } from '../src/core/queue-store.js';
import type { AppState, ItemView } from '../src/shared/contract.js';
import { garmentJpeg } from '../../server/test/support/client.js';
import { record, report, timed } from '../../server/bench/measure.js';
import { startTestServer } from '../../server/test/support/server.js';
import { buyInApp, confStore, loginWithSandboxCode, photoFolder, startDesktop } from '../test/support/desktop.js';

const N = 1000;

// 1. a dropped folder of 1000 photos: walked, sniffed, sized
const folder = mkdtempSync(join(tmpdir(), 'aizhao-bench-'));
const photo = await garmentJpeg(600, 800);
for (let i = 0; i < N; i++) writeFileSync(join(folder, `款式${i}.jpg`), photo);
const scans: number[] = [];
for (let i = 0; i < 5; i++) scans.push((await timed(() => scanPaths([folder], 20 * 1024 * 1024)))[0]);
record(`check a dropped folder of ${N} photos`, scans, 1500);

// 2. the queue of a 1000-photo batch: the batch written at once, then 6 stage changes per photo
const item = (i: number): QueueItem => ({
  id: `item-${i}`,
  batchId: 'b',
  userId: 'u',
  path: join(folder, `款式${i}.jpg`),
  name: `款式${i}.jpg`,
  size: photo.length,
  mime: 'image/jpeg',
  ext: 'jpg',
  type: 'basic_clean',
  params: {},
  outputDir: `/home/shop/Pictures/AI照/2026-11-26/款式${i}`,
  stage: 'waiting',
  inputKey: null,
  uploaded: false,
  clientRequestId: `c-${i}-0000000000000000000000000000`,
  taskId: null,
  failure: null,
  errorReason: null,
  refunded: false,
  files: [],
});
const adds: number[] = [];
const updates: number[] = [];
for (let run = 0; run < 3; run++) {
  const q = new QueueStore(confStore(mkdtempSync(join(tmpdir(), 'aizhao-bench-q-'))));
  const items = Array.from({ length: N }, (_, i) => item(i));
  const [add] = await timed(() =>
    q.addBatch({ id: 'b', userId: 'u', createdAt: new Date().toISOString(), type: 'basic_clean', params: {}, notified: false }, items),
  );
  const [update] = await timed(() => {
    for (const stage of ['uploading', 'creating', 'processing', 'downloading', 'done'] as const)
      for (let i = 0; i < N; i++) q.update(`item-${i}`, stage === 'processing' ? { stage, taskId: `task-${i}` } : { stage });
    q.flush();
  });
  adds.push(add);
  updates.push(update);
}
record(`queue: write a new ${N}-photo batch`, adds, 300);
record(`queue: ${5 * N} stage changes of that batch, then flush`, updates, 500);

// 3. one state push with 1000 items (what crosses IPC: a structured clone)
const view = (i: number): ItemView => ({
  ...item(i),
  uploadedBytes: 0,
  taskId: null,
  files: [],
  retryable: false,
  removable: true,
  keptAfterCancel: false,
  relPath: `item-${i}.jpg`,
  exports: [],
});
const state: AppState = {
  ready: true,
  offline: false,
  options: null,
  user: { id: 'u', phone: '138****0000' },
  sessionPersisted: true,
  membership: null,
  payment: null,
  draft: { files: [], rejected: [] },
  batches: [
    {
      id: 'b',
      createdAt: '',
      type: 'basic_clean',
      params: {},
      items: Array.from({ length: N }, (_, i) => view(i)),
      finished: 0,
      paused: false,
      cancelled: false,
      name: '',
      dir: null,
      presets: [],
      flat: false,
    },
  ],
  settings: { resultRoot: '/home/shop/Pictures/AI照', exportDefaults: { presets: [], flat: false } },
  about: { version: '0.1.0', helpUrl: null },
  update: { status: 'latest', version: null, percent: null, required: false, minVersion: null, message: null },
  consent: null,
};
const pushes: number[] = [];
for (let i = 0; i < 50; i++) pushes.push((await timed(() => structuredClone(state)))[0]);
record(`one state push with ${N} items (structured clone)`, pushes, 20);

// 4. a 30-photo batch, drop to 30 white images on disk, against the sandbox server
const server = await startTestServer({ db: 'sqlite' });
try {
  const d = await startDesktop(server.url);
  await loginWithSandboxCode(d, server.url);
  await buyInApp(d);
  const photos = await photoFolder(30);
  const [batch] = await timed(async () => {
    await d.service.addFiles([photos]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
  });
  const done = d.service.getState().batches[0]!.items.filter((i) => i.stage === 'done').length;
  if (done !== 30) throw new Error(`only ${done} of 30 photos done`);
  record('30-photo basic_clean batch, drop → results on disk', [batch], 30_000);
  await d.service.close();
} finally {
  await server.destroy();
}

report('desktop benchmark', 1);
