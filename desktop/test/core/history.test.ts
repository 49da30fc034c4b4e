/**
 * History and local files against the sandbox server: task rows with the local name, folder and the result files
 * still on disk; status/type filters and cursor paging; re-downloading a task's results (missing files only, into
 * its folder, or a new folder for a task made elsewhere); and the path guard of open/reveal/thumbnail, and a changed
 * result root for the next batch.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '@aizhao/shared';
import { call, garmentJpeg, login as apiLogin, setRunningHub, uploadInput, waitForTask } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { purgeExpiredResults } from '../../../server/src/jobs/retention.js';
import { DesktopError } from '../../src/core/errors.js';
import { localDate, resultFileNames } from '../../src/core/result-paths.js';
import type { TaskRow } from '../../src/shared/contract.js';
import { buyInApp, loginWithSandboxCode, photoFolder, startDesktop, waitForState, type Desktop } from '../support/desktop.js';

/** tasks the same merchant makes elsewhere: with this computer's 4, one more than a page of 20 */
const FOREIGN = 17;

describe('history, re-download and local files', () => {
  let server: TestServer;
  let d: Desktop;
  /** the same merchant, logged in elsewhere (the server API directly) */
  let elsewhere: { token: string };
  let batchDir: string;
  let failedTaskId: string;
  const foreign: Task[] = [];

  const failure = (p: Promise<unknown> | (() => unknown)) =>
    Promise.resolve()
      .then(typeof p === 'function' ? p : () => p)
      .then(
        () => expect.fail('expected a DesktopError'),
        (e: unknown) => {
          expect(e).toBeInstanceOf(DesktopError);
          return e as DesktopError;
        },
      );
  const allRows = async (filter: { status?: Task['status']; type?: Task['type'] } = {}) => {
    const rows: TaskRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await d.service.listTasks({ ...filter, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return rows;
  };
  /** a task made by the same merchant through the API, not by this computer */
  const createElsewhere = async (type: Task['type'] = 'basic_clean') => {
    const inputKey = await uploadInput(server.url, elsewhere.token, await garmentJpeg(900, 1100, '#7a3bb0'));
    const params = type === 'model_pose12' ? { scene: 'studio', category: 'dress' } : {};
    const r = await call(server.url, 'POST', '/task/create', { token: elsewhere.token, body: { type, inputKey, params } });
    expect(r.status).toBe(201);
    return r.body.task as Task;
  };

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
    d = await startDesktop(server.url);
    const phone = await loginWithSandboxCode(d, server.url);
    await buyInApp(d);
    elsewhere = await apiLogin(server.url, phone);

    const photos = await photoFolder(3);
    batchDir = join(d.resultRoot, `${localDate(new Date())} ${basename(photos)}`);
    await d.service.addFiles([photos]);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const batch = d.service.getState().batches.find((b) => b.id === batchId)!;
    expect(batch.items.map((i) => i.stage)).toEqual(['done', 'done', 'done']);
    expect(batch.items.map((i) => i.outputDir)).toEqual([batchDir, batchDir, batchDir]);

    // one model_pose12 task that fails at the vendor (and is refunded)
    await setRunningHub(server.url, 'fail', 50);
    await d.service.addFiles([await photoFolder(1)]);
    const failedBatch = await d.service.startBatch({ type: 'model_pose12', params: { scene: 'street', category: 'coat' } });
    await d.service.whenIdle();
    const failed = d.service.getState().batches.find((b) => b.id === failedBatch.batchId)!.items[0]!;
    expect([failed.stage, failed.refunded]).toEqual(['failed', true]);
    failedTaskId = failed.taskId!;
    await setRunningHub(server.url, 'success', 50);

    foreign.push(...(await Promise.all(Array.from({ length: FOREIGN }, () => createElsewhere()))));
  });
  afterAll(async () => {
    await d?.service.close();
    await server?.destroy();
  });

  it('lists this computer’s tasks with their local name, folder and result files', async () => {
    const rows = await allRows({ type: 'basic_clean', status: 'done' });
    const mine = rows.filter((r) => r.name !== null);
    expect(mine.map((r) => r.name).sort()).toEqual(['款式01.jpg', '款式02.jpg', '款式03.jpg']);
    for (const row of mine) {
      const stem = row.name!.replace(/\.jpg$/, '');
      expect(row).toMatchObject({
        type: 'basic_clean',
        status: 'done',
        resultCount: 1,
        errorReason: null,
        outputDir: batchDir,
      });
      expect(row.files).toEqual([join(row.outputDir!, `${stem}_白底.jpg`)]);
      expect(existsSync(row.files[0]!)).toBe(true);
    }
    // tasks made elsewhere carry no local name or files
    const theirs = (await allRows()).find((r) => r.id === foreign[0]!.id);
    expect(theirs).toMatchObject({ name: null, files: [], outputDir: null });
  });

  it('filters by status and type', async () => {
    const failed = await allRows({ status: 'failed' });
    expect(failed.map((r) => r.id)).toEqual([failedTaskId]);
    expect(failed[0]).toMatchObject({ type: 'model_pose12', name: '款式01.jpg', files: [], params: { scene: 'street', category: 'coat' } });
    expect(failed[0]!.errorReason).toBeTruthy();

    const poses = await allRows({ type: 'model_pose12' });
    expect(poses.map((r) => r.id)).toEqual([failedTaskId]);
    const basic = await allRows({ type: 'basic_clean' });
    expect(basic).toHaveLength(3 + FOREIGN);
    expect(basic.every((r) => r.type === 'basic_clean')).toBe(true);
    expect(await allRows({ status: 'failed', type: 'basic_clean' })).toEqual([]);
  });

  it('pages through the history with the cursor, newest first, each task once', async () => {
    const first = await d.service.listTasks({});
    expect(first.items).toHaveLength(20);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await d.service.listTasks({ cursor: first.nextCursor! });
    expect(second.items).toHaveLength(3 + 1 + FOREIGN - 20);
    expect(second.nextCursor).toBeNull();

    const all = [...first.items, ...second.items];
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const created = all.map((r) => Date.parse(r.createdAt));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(all.at(-1)!.name).not.toBeNull(); // the oldest are this computer's first batch
    await expect(d.service.listTasks({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(DesktopError);
  });

  it('re-downloads a deleted result into the same folder, and only what is missing', async () => {
    const row = (await allRows({ type: 'basic_clean', status: 'done' })).find((r) => r.name === '款式02.jpg')!;
    const kept = join(batchDir, '款式02_白底.jpg');
    expect(row.files).toEqual([kept]);
    const bytes = statSync(kept).size;
    rmSync(kept);
    expect((await allRows({ type: 'basic_clean', status: 'done' })).find((r) => r.id === row.id)).toMatchObject({
      files: [],
      outputDir: batchDir,
    });

    const { files } = await d.service.redownload(row.id);
    expect(files).toEqual([kept]);
    expect(statSync(kept).size).toBe(bytes);

    // nothing missing: nothing written, nothing duplicated
    const mtime = statSync(kept).mtimeMs;
    expect((await d.service.redownload(row.id)).files).toEqual([kept]);
    expect(statSync(kept).mtimeMs).toBe(mtime);
    expect(readdirSync(batchDir).sort()).toEqual(['款式01_白底.jpg', '款式02_白底.jpg', '款式03_白底.jpg']);
  });

  it('refuses to re-download a task that has no results', async () => {
    expect(await failure(d.service.redownload(failedTaskId))).toMatchObject({
      code: 'NOT_DONE',
      message: '任务还没有完成，暂无结果可下载',
    });
    await setRunningHub(server.url, 'hang');
    try {
      const hanging = await createElsewhere('model_pose12');
      expect(hanging.status).toBe('processing');
      expect((await failure(d.service.redownload(hanging.id))).code).toBe('NOT_DONE');
    } finally {
      await setRunningHub(server.url, 'success', 50);
    }
    expect((await failure(d.service.redownload('01HZZZZZZZZZZZZZZZZZZZZZZZ'))).code).toBe('NOT_FOUND');
  });

  it('puts a task made elsewhere under <root>/<date>/任务-<last8>/ and keeps that folder', async () => {
    const task = await waitForTask(server.url, elsewhere.token, foreign[0]!.id);
    expect(task.status).toBe('done');
    const folder = `任务-${task.id.slice(-8)}`;
    const dir = join(d.resultRoot, localDate(new Date(task.createdAt)), folder);

    const { files } = await d.service.redownload(task.id);
    expect(files).toEqual([join(dir, `${folder}_白底.jpg`)]);
    expect(readdirSync(dir)).toEqual([`${folder}_白底.jpg`]);

    const again = await d.service.redownload(task.id);
    expect(again.files).toEqual(files);
    expect(readdirSync(join(dir, '..')).filter((n) => n.startsWith(folder))).toEqual([folder]);

    const row = (await allRows()).find((r) => r.id === task.id)!;
    expect(row).toMatchObject({ name: folder, outputDir: dir, files });
  });

  it('opens and reveals only result folders and files', async () => {
    const dir = batchDir;
    const file = join(dir, readdirSync(dir)[0]!);
    await d.service.openFolder(dir);
    await d.service.openFolder(d.resultRoot);
    d.service.revealFile(file);
    expect(d.platform.opened).toEqual([dir, d.resultRoot]);
    expect(d.platform.revealed).toEqual([file]);

    for (const outside of [
      '/etc',
      '/',
      join(d.resultRoot, '..'),
      join(d.resultRoot, '..', '..', 'etc'),
      `${d.resultRoot}-evil`,
      'results',
      '',
    ]) {
      expect((await failure(d.service.openFolder(outside))).code, outside).toBe('FORBIDDEN_PATH');
    }
    for (const outside of ['/etc/passwd', join(dir, '..', '..', '..', '..', 'etc', 'passwd')]) {
      expect((await failure(() => d.service.revealFile(outside))).code, outside).toBe('FORBIDDEN_PATH');
    }
    expect((await failure(d.service.openFolder(join(d.resultRoot, 'no-such-day')))).code).toBe('NOT_FOUND');
    expect(d.platform.opened).toHaveLength(2);
    expect(d.platform.revealed).toHaveLength(1);
  });

  it('creates the result root when the merchant opens it before the first batch', async () => {
    const fresh = join(d.dir, 'not-yet-there');
    d.platform.nextFolder = fresh;
    const previous = d.service.getState().settings.resultRoot;
    await d.service.chooseResultRoot();
    await d.service.openFolder(fresh);
    expect(existsSync(fresh)).toBe(true);
    expect(d.platform.opened.at(-1)).toBe(fresh);
    d.platform.nextFolder = previous;
    await d.service.chooseResultRoot();
  });

  it('makes thumbnails of draft files and results only', async () => {
    const folder = await photoFolder(1);
    await d.service.addFiles([folder]);
    const draftFile = d.service.getState().draft.files[0]!.path;
    expect(await d.service.thumbnail(draftFile)).toMatch(/^data:image\/png;base64,/);
    const result = join(batchDir, readdirSync(batchDir)[0]!);
    expect(await d.service.thumbnail(result)).toMatch(/^data:image\/png;base64,/);
    for (const outside of ['/etc/passwd', join(folder, '..', 'other.jpg')]) {
      expect((await failure(d.service.thumbnail(outside))).code, outside).toBe('FORBIDDEN_PATH');
    }
    d.service.clearDraft();
    expect((await failure(d.service.thumbnail(draftFile))).code).toBe('FORBIDDEN_PATH');
  });

  it('sends the next batch to a newly chosen result root, and still opens the old folders', async () => {
    const before = d.service.getState().settings.resultRoot;
    d.platform.nextFolder = null; // the merchant cancels the picker
    await d.service.chooseResultRoot();
    expect(d.service.getState().settings.resultRoot).toBe(before);

    const root = mkdtempSync(join(tmpdir(), 'aizhao-newroot-'));
    d.platform.nextFolder = root;
    await d.service.chooseResultRoot();
    expect(d.service.getState().settings.resultRoot).toBe(root);
    expect(d.store.get('settings')).toEqual({ resultRoot: root });

    const one = await photoFolder(1);
    await d.service.addFiles([one]);
    const { batchId } = await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const item = d.service.getState().batches.find((b) => b.id === batchId)!.items[0]!;
    expect(item.stage).toBe('done');
    expect(item.outputDir).toBe(join(root, `${localDate(new Date())} ${basename(one)}`));
    expect(item.files).toEqual(resultFileNames('basic_clean', '款式01').map((n) => join(item.outputDir, n)));
    expect(existsSync(item.files[0]!)).toBe(true);

    await d.service.openFolder(batchDir);
    expect(d.platform.opened.at(-1)).toBe(batchDir);
  });

  it('after the server’s retention period: the row says so, re-download is refused, the local files stay', async () => {
    expect(d.service.getState().options?.resultRetentionDays).toBe(30);
    const row = (await allRows({ type: 'basic_clean', status: 'done' })).find((r) => r.name === '款式03.jpg')!;
    expect(row).toMatchObject({ resultsExpired: false, resultCount: 1 });
    // the task ended 31 days ago; the server's retention sweep runs
    await server.db.models.Task.update({ finishedAt: new Date(Date.now() - 31 * 86_400_000) }, { where: { id: row.id } });
    await purgeExpiredResults(server.ctx);

    const after = (await allRows({ type: 'basic_clean', status: 'done' })).find((r) => r.id === row.id)!;
    expect(after).toMatchObject({ resultsExpired: true, resultCount: 0, files: row.files });
    expect(row.files.every((f) => existsSync(f))).toBe(true);
    expect(await failure(d.service.redownload(row.id))).toMatchObject({
      code: 'RESULT_EXPIRED',
      message: '结果已过期：服务器上已不再保留这个结果',
    });
  });

  it('a batch left for longer than the retention period: the reopened app says the results expired, not "failed"', async () => {
    await setRunningHub(server.url, 'success', 1500);
    await d.service.addFiles([await photoFolder(1)]);
    const { batchId } = await d.service.startBatch({ type: 'model_pose12', params: { scene: 'studio', category: 'dress' } });
    const processing = await waitForState(d.service, (st) => st.batches.find((b) => b.id === batchId)?.items[0]?.stage === 'processing');
    const taskId = processing.batches.find((b) => b.id === batchId)!.items[0]!.taskId!;
    await d.service.close(); // the merchant quits while the model works
    expect((await waitForTask(server.url, elsewhere.token, taskId)).status).toBe('done');
    // … and comes back after the server's retention period
    await server.db.models.Task.update({ finishedAt: new Date(Date.now() - 31 * 86_400_000) }, { where: { id: taskId } });
    await purgeExpiredResults(server.ctx);

    d = await startDesktop(server.url, { from: d });
    await d.service.whenIdle();
    const item = d.service.getState().batches.find((b) => b.id === batchId)!.items[0]!;
    expect(item).toMatchObject({
      stage: 'failed',
      errorReason: '结果已过期：服务器上已不再保留这个结果',
      refunded: false,
      retryable: false,
      files: [],
    });
    expect((await failure(() => d.service.retryItem(item.id))).code).toBe('RESULT_EXPIRED');
  });
});
