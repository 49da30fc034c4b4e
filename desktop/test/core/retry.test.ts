/**
 * What goes wrong, and what the merchant is told and charged: a task that fails on the vendor (refunded, one-click
 * retry), content rejected before any charge, files the server refuses, a file gone before upload, and batches the
 * balance or membership cannot pay for.
 */
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DesktopError } from '../../src/core/errors.js';
import { changeBalance, lockUser } from '../../../server/src/modules/quota/ledger.js';
import { call, setRunningHub } from '../../../server/test/support/client.js';
import type { TestServer } from '../../../server/test/support/server.js';
import { expectLedgerInvariant } from '../../../server/test/support/invariants.js';
import { buyInApp, loginWithSandboxCode, photoFolder, type Desktop } from '../support/desktop.js';
import { sandboxDesktop } from '../support/sandbox-desktop.js';

describe('failures, refunds and retries', () => {
  let server: TestServer;
  let d: Desktop;
  const sandbox = sandboxDesktop('guest');
  beforeAll(() => ({ server, d } = sandbox));

  const items = () => d.service.getState().batches.flatMap((b) => b.items);
  const quota = () => d.service.getState().membership?.quotaRemaining;

  it('refuses a batch before anything is spent when not a member', async () => {
    await loginWithSandboxCode(d, server.url);
    await d.service.addFiles([await photoFolder(2)]);
    await expect(d.service.startBatch({ type: 'basic_clean', params: {} })).rejects.toMatchObject({
      code: 'NOT_MEMBER',
      message: '请先开通会员',
    });
    expect(d.service.getState().batches).toEqual([]);
    expect(d.service.getState().draft.files).toHaveLength(2); // the draft stays for after paying
    d.service.clearDraft();
  });

  it('a model task that fails at the vendor is refunded, says so, and one retry makes it', async () => {
    await buyInApp(d);
    await setRunningHub(server.url, 'fail', 50);
    await d.service.addFiles([await photoFolder(1)]);
    await expect(d.service.startBatch({ type: 'model_pose12', params: { scene: 'studio' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await d.service.startBatch({ type: 'model_pose12', params: { scene: 'studio', category: 'dress' } });
    await d.service.whenIdle();
    const [failed] = items();
    expect(failed).toMatchObject({ stage: 'failed', refunded: true });
    expect(failed!.errorReason).toBe('AI模特生成失败，次数已返还，请换一张图片或稍后重试'); // the server's reason, as it wrote it
    await expect.poll(quota).toBe(100); // the refund is shown
    // the notification says what was charged: nothing, the task's 次 came back
    expect(d.platform.notifications.at(-1)!.body).toBe('0 张已完成，1 张处理失败，次数已退回，共扣 0 次。可在“处理进度”中重试');

    await setRunningHub(server.url, 'success', 50);
    d.service.retryItem(failed!.id);
    await d.service.whenIdle();
    const [done] = items();
    expect(done!.stage).toBe('done');
    expect(done!.taskId).not.toBe(failed!.taskId); // a new task: the failed one was refunded
    const stem = done!.name.replace('.jpg', '');
    expect(readdirSync(done!.outputDir).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `${stem}_pose${String(i + 1).padStart(2, '0')}.jpg`),
    );
    expect(quota()).toBe(99);
    const ledger = await server.db.models.QuotaLog.findAll({ where: { action: ['deduct', 'refund'] }, order: [['id', 'ASC']] });
    expect(ledger.map((l) => l.action)).toEqual(['deduct', 'refund', 'deduct']);
    await expectLedgerInvariant(server.db);
    expect(() => d.service.retryItem(done!.id)).toThrow(expect.objectContaining({ code: 'NOT_FAILED' }));
    d.service.clearFinishedBatches();
    expect(d.service.getState().batches).toEqual([]);
  });

  it('content rejected by the audit is not charged and can be retried', async () => {
    await call(server.url, 'POST', '/sandbox/audit/behaviour', { body: { mode: 'reject' } });
    await d.service.addFiles([await photoFolder(1)]);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const [item] = items();
    expect(item).toMatchObject({
      stage: 'failed',
      refunded: false,
      taskId: null,
      errorReason: '图片未通过内容审核，请更换图片（本次未扣次数）',
    });
    expect(quota()).toBe(99);

    await call(server.url, 'POST', '/sandbox/audit/behaviour', { body: { mode: 'pass' } });
    d.service.retryItem(item!.id);
    await d.service.whenIdle();
    expect(items()[0]!.stage).toBe('done');
    expect(quota()).toBe(98);
    d.service.clearFinishedBatches();
  });

  it('an image the server refuses, and a file deleted before upload, fail uncharged with the reason', async () => {
    const folder = await photoFolder(2);
    const tiny = join(folder, '太小.png');
    writeFileSync(
      tiny,
      await sharp({ create: { width: 40, height: 40, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    await d.service.addFiles([folder]);
    expect(d.service.getState().draft.files).toHaveLength(3);
    const gone = d.service.getState().draft.files.find((f) => f.name === '款式02.jpg')!.path;
    rmSync(gone);
    await d.service.startBatch({ type: 'basic_clean', params: {} });
    await d.service.whenIdle();
    const byName = Object.fromEntries(items().map((i) => [i.name, i]));
    expect(byName['款式01.jpg']!.stage).toBe('done');
    expect(byName['太小.png']).toMatchObject({ stage: 'failed', refunded: false, taskId: null });
    expect(byName['太小.png']!.errorReason).toBeTruthy();
    expect(byName['款式02.jpg']).toMatchObject({ stage: 'failed', refunded: false, errorReason: '无法读取文件（已被移动或删除）' });
    expect(quota()).toBe(97);
    await expectLedgerInvariant(server.db);
    // 清除已完成 keeps the two failures a retry can fix (in their batch), and clears the done photo
    d.service.clearFinishedBatches();
    expect(
      d.service
        .getState()
        .batches.flatMap((b) => b.items)
        .map((i) => i.name)
        .sort(),
    ).toEqual(['太小.png', '款式02.jpg']);
  });

  it('refuses a batch bigger than the balance, saying how much it needs', async () => {
    const batchesBefore = d.service.getState().batches;
    await d.service.addFiles([await photoFolder(4)]);
    // an admin adjustment leaves 3 (the server's own ledger path)
    const userId = d.service.getState().user!.id;
    await server.db.transaction(async (t) => {
      const user = await lockUser(server.db, userId, t);
      await changeBalance(server.db, user, { action: 'adjust', amount: 3 - user.quotaRemaining, reason: 'test' }, t);
    });
    const err = await d.service.startBatch({ type: 'basic_clean', params: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DesktopError);
    expect(err).toMatchObject({ code: 'QUOTA_EXHAUSTED', message: '剩余次数不足：这批需要 4 次，剩余 3 次。可以先处理前 3 张，或续费' });
    expect(d.service.getState().batches).toEqual(batchesBefore); // no batch was started
    expect(quota()).toBe(3);
    await expectLedgerInvariant(server.db);
  });
});

describe('downloads whose signed URLs went stale', () => {
  let d: Desktop;
  const sandbox = sandboxDesktop('member');
  beforeAll(() => ({ d } = sandbox));

  it('asks for fresh URLs once when the ones from the sync are refused, and finishes', async () => {
    // the sync's URLs arrive already refused by storage (as if they expired while the download waited)
    const api = d.service.api;
    const listTasks = api.listTasks;
    let taskCalls = 0;
    const task = api.task;
    api.listTasks = async (q) => {
      const page = await listTasks(q);
      return {
        ...page,
        items: page.items.map((t) => ({
          ...t,
          results: t.results.map((r) => ({ ...r, url: r.url.replace(/q-signature=[0-9a-f]+/, 'q-signature=0') })),
        })),
      };
    };
    api.task = async (id) => (taskCalls++, task(id));
    try {
      await d.service.addFiles([await photoFolder(2)]);
      await d.service.startBatch({ type: 'basic_clean', params: {} });
      await d.service.whenIdle();
    } finally {
      api.listTasks = listTasks;
      api.task = task;
    }
    const items = d.service.getState().batches.flatMap((b) => b.items);
    expect(items.map((i) => i.stage)).toEqual(['done', 'done']);
    expect(taskCalls).toBe(2); // one fresh task per item, no more
    expect(readdirSync(items[0]!.outputDir).sort()).toEqual(items.map((i) => `${i.name.replace('.jpg', '')}_白底.jpg`).sort());
    expect(d.platform.notifications.at(-1)!.body).toBe('2 张图片已完成，共扣 2 次，结果已保存到本地文件夹');
  });

  it('results that cannot be fetched were charged: the notification says so, not 「失败的不扣次数」', async () => {
    const api = d.service.api;
    const { listTasks, task } = api;
    const refuse = <T extends { results: { url: string }[] }>(t: T): T => ({
      ...t,
      results: t.results.map((r) => ({ ...r, url: r.url.replace(/q-signature=[0-9a-f]+/, 'q-signature=0') })),
    });
    api.listTasks = async (q) => {
      const page = await listTasks(q);
      return { ...page, items: page.items.map(refuse) };
    };
    api.task = async (id) => {
      const r = await task(id);
      return { ...r, task: refuse(r.task) };
    };
    try {
      await d.service.addFiles([await photoFolder(1)]);
      await d.service.startBatch({ type: 'basic_clean', params: {} });
      await d.service.whenIdle();
    } finally {
      api.listTasks = listTasks;
      api.task = task;
    }
    const failed = d.service.getState().batches[0]!.items[0]!;
    expect(failed).toMatchObject({ stage: 'failed', refunded: false, retryable: false });
    expect(failed.taskId).not.toBeNull();
    const body = d.platform.notifications.at(-1)!.body;
    expect(body).toBe('0 张已完成，1 张已扣次数，结果已过期无法下载，共扣 1 次');
    expect(body).not.toContain('不扣次数');
  });
});
