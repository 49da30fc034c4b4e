/**
 * The merchant's day at the service level, against the real sandbox server on SQLite and on MariaDB: log in, buy,
 * drop a folder of 30 photos, and get 30 white-background images in a dated batch folder mirroring the dropped one — with one list call per
 * sync tick for all tasks, and exactly 30 charges.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/core/result-paths.js';
import { startTestServer, type DbKind, type TestServer } from '../../../server/test/support/server.js';
import { expectLedgerInvariant } from '../../../server/test/support/invariants.js';
import { buyInApp, loginWithSandboxCode, photoFolder, startDesktop, type Desktop } from '../support/desktop.js';

describe.each<DbKind>(['sqlite', 'mysql'])('a batch of 30 photos (%s)', (db) => {
  let server: TestServer;
  let d: Desktop;
  const requests: string[] = [];
  const realFetch = globalThis.fetch;

  beforeAll(async () => {
    server = await startTestServer({ db });
    // count the app's API calls (the fetch boundary; the server is real)
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(server.url)) requests.push(`${init?.method ?? 'GET'} ${url.slice(server.url.length)}`);
      return realFetch(input, init);
    }) as typeof fetch;
    d = await startDesktop(server.url);
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await d?.service.close();
    await server?.destroy();
  });

  it('uploads, creates 30 tasks and lands 30 white 800×800 images in the mirrored <root>/<date> <name>/', async () => {
    await loginWithSandboxCode(d, server.url);
    const bought = await buyInApp(d);
    expect(bought.payment?.quotaAfter).toBe(100);
    expect(d.service.getState().membership).toMatchObject({ isMember: true, quotaRemaining: 100 });

    const folder = await photoFolder(30, { sub: true });
    const batchDir = join(d.resultRoot, `${localDate(new Date())} ${basename(folder)}`);
    await d.service.addFiles([folder]);
    const draft = d.service.getState().draft;
    expect(draft.files).toHaveLength(30);
    expect(draft.rejected).toEqual([]);

    requests.length = 0;
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    expect(d.service.getState().draft.files).toEqual([]);
    await d.service.whenIdle();

    const batch = d.service.getState().batches.find((b) => b.id === batchId)!;
    expect(batch.items).toHaveLength(30);
    expect(batch.finished).toBe(30);
    expect(batch.items.map((i) => i.stage)).toEqual(Array(30).fill('done'));
    expect(new Set(batch.items.map((i) => i.taskId)).size).toBe(30);
    expect(d.service.getState().membership?.quotaRemaining).toBe(70);

    // the dropped folder's tree, mirrored under <root>/<date> <folder name>/
    for (const item of batch.items) {
      const stem = item.name.replace(/\.jpg$/, '');
      const dir = item.relPath.startsWith('子文件夹/') ? join(batchDir, '子文件夹') : batchDir;
      expect(item.outputDir).toBe(dir);
      expect(item.files).toEqual([join(dir, `${stem}_白底.jpg`)]);
    }
    expect(readdirSync(batchDir).filter((n) => n !== '子文件夹')).toHaveLength(20); // no .part left behind
    expect(readdirSync(join(batchDir, '子文件夹'))).toHaveLength(10);
    // every result is an 800×800 JPEG on pure white, within Taobao's 38–300 KB
    for (const item of batch.items) {
      const file = item.files[0]!;
      const img = sharp(file);
      const meta = await img.metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 800, 800]);
      const bytes = statSync(file).size;
      expect(bytes).toBeGreaterThanOrEqual(38 * 1024);
      expect(bytes).toBeLessThanOrEqual(300 * 1024);
      const { data } = await img.extract({ left: 0, top: 0, width: 4, height: 4 }).raw().toBuffer({ resolveWithObject: true });
      expect(Math.min(...data)).toBeGreaterThanOrEqual(250);
    }

    // one list call per sync tick for all active tasks: never one poll per task
    expect(requests.filter((r) => /^GET \/task\//.test(r))).toEqual([]);
    const listCalls = requests.filter((r) => r.startsWith('GET /tasks?'));
    expect(listCalls.length).toBeGreaterThan(0);
    expect(listCalls.every((r) => r.includes('ids='))).toBe(true);
    expect(requests.filter((r) => r === 'POST /task/create')).toHaveLength(30);
    expect(requests.filter((r) => r === 'POST /storage/sts').length).toBeLessThanOrEqual(2);

    // the server agrees: 30 tasks, 30 charges, and the ledger adds up
    const tasks = await server.db.models.Task.count();
    expect(tasks).toBe(30);
    await expectLedgerInvariant(server.db);

    // one notification when the batch finished
    expect(d.platform.notifications).toHaveLength(1);
    expect(d.platform.notifications[0]!.body).toContain('30 张图片已完成');
    expect(existsSync(join(batchDir, '子文件夹', '款式03_白底.jpg'))).toBe(true); // from the sub-folder
  });
});
