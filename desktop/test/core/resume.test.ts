/**
 * Crash safety of the local queue: a desktop process killed with SIGKILL mid-batch resumes on restart (uploads,
 * creations, sync, downloads), nothing is charged twice, and nothing the server made a task of is uploaded again —
 * also when the crash fell between the server creating a task and the app saving its id, or in the middle of a
 * download.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { expectLedgerInvariant } from '../../../server/test/support/invariants.js';
import { AtomicJsonFile } from '../../src/core/atomic-json-file.js';
import { QUEUE_FILE, type QueueItem } from '../../src/core/queue-store.js';
import { Uploader } from '../../src/core/uploader.js';
import { photoFolder, startDesktop, testSecretBox, type Desktop } from '../support/desktop.js';

const N = 12;
const child = fileURLToPath(new URL('../support/desktop-child.ts', import.meta.url));

describe('a killed desktop resumes its queue without paying twice', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-desktop-'));
  const secrets = testSecretBox(true);
  const from = { dir, secrets, resultRoot: join(dir, 'results') };
  const running: Desktop[] = [];

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
  });
  afterAll(async () => {
    for (const d of running) await d.service.close();
    await server?.destroy();
  });

  const deducts = () => server.db.models.QuotaLog.count({ where: { action: 'deduct' } });

  it('SIGKILL mid-batch, then a restart finishes every item with one charge each, uploading nothing twice that had its task', async () => {
    const folder = await photoFolder(N);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, server.url, dir, secrets.key.toString('hex'), folder], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // kill as soon as some tasks exist on the server while others are still uploading
    const killedAt = await new Promise<string[]>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        const stages = JSON.parse(line) as string[];
        const created = stages.filter((s) => s === 'processing' || s === 'downloading' || s === 'done').length;
        if (created >= 2 && stages.some((s) => s === 'waiting' || s === 'uploading')) {
          proc.removeAllListeners('exit');
          proc.kill('SIGKILL');
          resolve(stages);
        }
      });
    });
    await new Promise((r) => proc.once('exit', r));
    expect(killedAt.filter((s) => s === 'done').length).toBeLessThan(N);
    const chargedBeforeRestart = await deducts();
    expect(chargedBeforeRestart).toBeLessThan(N);
    const createdBeforeRestart = (await server.db.models.Task.findAll()).map((t) => t.inputKey);
    expect(createdBeforeRestart.length).toBeGreaterThanOrEqual(2);

    const uploads = vi.spyOn(Uploader.prototype, 'upload');
    const d = await startDesktop(server.url, { from });
    running.push(d);
    expect(d.service.getState().user).not.toBeNull(); // the saved session
    await d.service.whenIdle();
    const uploadedAgain = uploads.mock.calls.map(([, key]) => key);
    uploads.mockRestore();
    // what the server made a task of was on disk as uploaded before the task was asked for: not sent again
    expect(uploadedAgain.filter((k) => createdBeforeRestart.includes(k))).toEqual([]);
    expect(new Set(uploadedAgain).size).toBe(uploadedAgain.length);
    expect(uploadedAgain.length).toBeLessThanOrEqual(N - createdBeforeRestart.length);
    const items = d.service.getState().batches.flatMap((b) => b.items);
    expect(items.map((i) => [i.stage, i.errorReason])).toEqual(Array(N).fill(['done', null]));
    expect(await deducts()).toBe(N);
    expect(await server.db.models.Task.count()).toBe(N);
    expect(d.service.getState().membership?.quotaRemaining).toBe(100 - N);
    // every result whole, in the batch folder, nothing else (no .part)
    const outputDir = items[0]!.outputDir;
    expect(items.every((i) => i.outputDir === outputDir)).toBe(true);
    expect(readdirSync(outputDir).sort()).toEqual(items.map((i) => `${i.name.replace('.jpg', '')}_白底.jpg`).sort());
    await expectLedgerInvariant(server.db);
    await d.service.close();
    running.pop();
  });

  it('a creation the server made but the app never saved, and a half-written download, resume uncharged', async () => {
    // rewrite the saved queue as a crash at those two moments would have left it
    const file = new AtomicJsonFile<{ items: QueueItem[] }>(join(dir, QUEUE_FILE));
    const queue = file.read()!;
    const [lost, half] = queue.items as [QueueItem, QueueItem];
    const lostTaskId = lost.taskId;
    Object.assign(lost, { stage: 'creating', taskId: null, files: [] });
    const lostFile = join(lost.outputDir, `${lost.stem}_白底.jpg`);
    rmSync(lostFile);
    Object.assign(half, { stage: 'downloading', files: [] });
    const halfFile = join(half.outputDir, `${half.stem}_白底.jpg`);
    rmSync(halfFile);
    writeFileSync(`${halfFile}.part`, Buffer.alloc(1234, 7));
    file.writeNow(queue);
    const before = await deducts();

    const d = await startDesktop(server.url, { from });
    running.push(d);
    await d.service.whenIdle();
    const items = d.service.getState().batches.flatMap((b) => b.items);
    expect(items.every((i) => i.stage === 'done')).toBe(true);
    expect(items.find((i) => i.id === lost.id)?.taskId).toBe(lostTaskId); // the same task, found by clientRequestId
    expect(await deducts()).toBe(before);
    expect(await server.db.models.Task.count()).toBe(N);
    expect(existsSync(halfFile)).toBe(true);
    expect(existsSync(`${halfFile}.part`)).toBe(false);
    expect(existsSync(lostFile)).toBe(true);
    await expectLedgerInvariant(server.db);
  });
});
