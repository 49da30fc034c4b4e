/**
 * Admin tasks over HTTP on SQLite and MariaDB: list filters and paging, the detail (signed input and result URLs that
 * really fetch, vendor task id, timeline), and fail-and-refund of a stuck task — 20 admins at once: exactly one
 * refund, 19 × 409 TASK_TERMINAL, one audit row, one cancel of the vendor task at RunningHub, the ledger invariant
 * holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPage, adminTaskDetailSchema, adminTaskSchema } from '@aizhao/shared';
import { call, garmentJpeg, loginAsMember, setRunningHub, uploadInput, waitForTask } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { ADMIN_USERNAME, adminLogin, startAdminServer, type AdminClient } from './helpers.js';

const businessDate = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(ms));

describe.each<DbKind>(MONEY_DBS)('admin tasks on %s', (db) => {
  let s: TestServer;
  let admin: AdminClient;
  let merchant: { token: string; userId: string };
  let doneId: string;
  let stuckId: string;
  let vendorTaskId: string;

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db }));
    admin = await adminLogin(s.url, password);
    merchant = await loginAsMember(s.url);
    const inputKey = await uploadInput(s.url, merchant.token, await garmentJpeg());
    const basic = await call(s.url, 'POST', '/task/create', { token: merchant.token, body: { type: 'basic_clean', inputKey } });
    doneId = (await waitForTask(s.url, merchant.token, basic.body.task.id)).id;
    await setRunningHub(s.url, 'hang');
    const pose = await call(s.url, 'POST', '/task/create', {
      token: merchant.token,
      body: { type: 'model_pose12', inputKey, params: { scene: 'street', category: 'coat' } },
    });
    stuckId = pose.body.task.id;
    // wait until it is submitted to (the hanging) RunningHub
    for (let i = 0; i < 100 && !vendorTaskId; i++) {
      const row = await s.db.models.Task.findByPk(stuckId);
      if (row?.vendorTaskId) vendorTaskId = row.vendorTaskId;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(vendorTaskId).toBeTruthy();
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('lists tasks newest first, filtered by status, type, user and date, with cursors', async () => {
    const all = await admin.get('/tasks');
    expect(all.status).toBe(200);
    const page = adminPage(adminTaskSchema).parse(all.body);
    expect(page.items.map((t) => t.id)).toEqual([stuckId, doneId]);
    expect(page.items[0]).toMatchObject({ userId: merchant.userId, status: 'processing', type: 'model_pose12', vendorTaskId, resultCount: 0 });
    expect(page.items[1]).toMatchObject({ status: 'done', type: 'basic_clean', resultCount: 2 });
    const ids = async (q: string) => ((await admin.get(`/tasks?${q}`)).body.items as { id: string }[]).map((t) => t.id);
    expect(await ids('status=processing')).toEqual([stuckId]);
    expect(await ids('status=done&type=basic_clean')).toEqual([doneId]);
    expect(await ids('type=model_pose12&status=done')).toEqual([]);
    expect(await ids(`userId=${merchant.userId}`)).toEqual([stuckId, doneId]);
    expect(await ids('userId=01HZZZZZZZZZZZZZZZZZZZZZZZ')).toEqual([]);
    const today = businessDate(Date.now());
    const yesterday = businessDate(Date.now() - 86_400_000);
    expect(await ids(`from=${today}&to=${today}`)).toEqual([stuckId, doneId]);
    expect(await ids(`to=${yesterday}`)).toEqual([]);
    expect(await ids(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    const first = await admin.get('/tasks?limit=1');
    expect(first.body.items.map((t: { id: string }) => t.id)).toEqual([stuckId]);
    const second = await admin.get(`/tasks?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((t: { id: string }) => t.id)).toEqual([doneId]);
    expect(second.body.nextCursor).toBeNull();
    for (const bad of ['status=stuck', 'type=x', 'from=2026-13-01', 'to=yesterday', 'userId=a%20b', 'sort=id']) {
      expect([bad, (await admin.get(`/tasks?${bad}`)).status]).toEqual([bad, 400]);
    }
  });

  it('shows a done task with signed input and result URLs that fetch, and its timeline', async () => {
    const r = await admin.get(`/tasks/${doneId}`);
    expect(r.status).toBe(200);
    const t = adminTaskDetailSchema.parse(r.body.task);
    // both results of basic_clean, each with its kind; each signed URL answers its own image type
    expect(t.results.map((x) => [x.kind, x.key])).toEqual([
      ['white', `output/${merchant.userId}/${doneId}/result.jpg`],
      ['cutout', `output/${merchant.userId}/${doneId}/cutout.png`],
    ]);
    for (const [url, type] of [
      [t.inputUrl!, 'image/jpeg'],
      [t.results[0]!.url, 'image/jpeg'],
      [t.results[1]!.url, 'image/png'],
    ] as const) {
      const got = await fetch(url);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe(type);
    }
    expect(t.timeline.map((e) => e.event)).toEqual(['created', 'ledger.deduct', 'done']);
    expect((await admin.get('/tasks/01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
  });

  it('shows the stuck task with its vendor task id', async () => {
    const r = await admin.get(`/tasks/${stuckId}`);
    const t = adminTaskDetailSchema.parse(r.body.task);
    expect(t).toMatchObject({ status: 'processing', vendorTaskId, results: [], errorReason: null });
    expect(t.timeline.map((e) => e.event)).toEqual(['created', 'ledger.deduct', 'submitted']);
    expect(t.timeline[2]!.detail).toContain(vendorTaskId);
  });

  it('needs a reason to fail a task', async () => {
    for (const body of [undefined, {}, { reason: '' }, { reason: '  ' }]) {
      const r = await admin.post(`/tasks/${stuckId}/fail-and-refund`, body);
      expect(r.status).toBe(400);
    }
    expect((await s.db.models.Task.findByPk(stuckId))?.status).toBe('processing');
  });

  it('20 concurrent fail-and-refunds of the stuck task: one succeeds, 19 × 409 TASK_TERMINAL, one refund', async () => {
    const before = (await s.db.models.User.findByPk(merchant.userId))!.quotaRemaining;
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => admin.post(`/tasks/${stuckId}/fail-and-refund`, { reason: `RunningHub 卡住 #${i}` })));
    const ok = rs.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    const refused = rs.filter((r) => r.status !== 200);
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(Array(19).fill([409, 'TASK_TERMINAL']));
    const task = adminTaskDetailSchema.parse(ok[0]!.body.task);
    expect(task.status).toBe('failed');
    expect(task.errorReason).toMatch(/^RunningHub 卡住 #\d+$/);
    const events = task.timeline.map((e) => e.event);
    expect(events.slice(0, 3)).toEqual(['created', 'ledger.deduct', 'submitted']);
    expect(events.slice(3).sort()).toEqual(['admin.task.fail_and_refund', 'failed', 'ledger.refund']); // same moment

    expect(await s.db.models.QuotaLog.count({ where: { taskId: stuckId, action: 'refund' } })).toBe(1);
    expect((await s.db.models.User.findByPk(merchant.userId))!.quotaRemaining).toBe(before + 1);
    const audits = await s.db.models.AdminAuditLog.findAll({ where: { targetType: 'task', targetId: stuckId } });
    expect(audits.map((a) => [a.adminUsername, a.action, a.reason])).toEqual([[ADMIN_USERNAME, 'task.fail_and_refund', task.errorReason]]);
    expect(audits[0]!.details).toMatchObject({ stage: 'running', refunded: 1 });
    await expectLedgerInvariant(s.db);
    // it was running at RunningHub: cancelled there, once (by the one call whose failure won)
    const rh = await call<{ cancels: Record<string, number> }>(s.url, 'GET', '/sandbox/runninghub/stats');
    expect(rh.body.cancels[vendorTaskId]).toBe(1);

    // the merchant sees it failed with the reason, and the quota back
    const seen = await call(s.url, 'GET', `/task/${stuckId}`, { token: merchant.token });
    expect(seen.body.task).toMatchObject({ status: 'failed', errorReason: task.errorReason });
    const status = await call(s.url, 'GET', '/membership/status', { token: merchant.token });
    expect(status.body.quotaRemaining).toBe(before + 1);
  });

  it('a terminal task answers 409 TASK_TERMINAL and nothing changes', async () => {
    for (const id of [doneId, stuckId]) {
      const r = await admin.post(`/tasks/${id}/fail-and-refund`, { reason: 'again' });
      expect([r.status, r.body.error.code]).toEqual([409, 'TASK_TERMINAL']);
    }
    expect((await s.db.models.Task.findByPk(doneId))?.status).toBe('done');
    expect(await s.db.models.QuotaLog.count({ where: { action: 'refund' } })).toBe(1);
    expect((await admin.post('/tasks/01HZZZZZZZZZZZZZZZZZZZZZZZ/fail-and-refund', { reason: 'x' })).status).toBe(404);
  });

  it('a task RunningHub fails: the merchant reads Chinese, the operator also sees the vendor\'s own words', async () => {
    await setRunningHub(s.url, 'fail', 100);
    const inputKey = await uploadInput(s.url, merchant.token, await garmentJpeg());
    const created = await call(s.url, 'POST', '/task/create', {
      token: merchant.token,
      body: { type: 'model_pose12', inputKey, params: { scene: 'studio', category: 'dress' } },
    });
    const failed = await waitForTask(s.url, merchant.token, created.body.task.id);
    expect(failed).toMatchObject({ status: 'failed', errorReason: 'AI模特生成失败，次数已返还，请换一张图片或稍后重试' });
    expect(JSON.stringify(failed)).not.toMatch(/KSampler|Sandbox|emulator/); // nothing of the vendor reaches the merchant

    const t = adminTaskDetailSchema.parse((await admin.get(`/tasks/${failed.id}`)).body.task);
    expect(t.errorReason).toBe(failed.errorReason);
    const vendor = t.timeline.find((e) => e.event === 'vendor.error');
    expect(vendor?.detail).toContain('the AI app failed');
    expect(t.timeline.map((e) => e.event).slice(-3).sort()).toEqual(['failed', 'ledger.refund', 'vendor.error']);
  });
});
