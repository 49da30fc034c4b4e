/**
 * Money under concurrency, on MariaDB (row locks, real connections) and SQLite:
 * 50 parallel creates with quota 10 → exactly 10 accepted; 20 simultaneous refunds → one; deadlocks retried.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Op } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { failAndRefund, refundTask } from '../../src/modules/tasks/lifecycle.js';
import { call, garmentJpeg, loginAsMember, uploadInput } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { createDatabase } from '../../src/db/index.js';
import { createMigrator } from '../../src/db/migrator.js';
import { createMysqlDatabase, startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';

describe.each<DbKind>(MONEY_DBS)('quota under concurrency on %s', (db) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false, env: { PLAN_MONTHLY_QUOTA: '10' } });
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('accepts exactly 10 of 50 parallel task creations with quota 10, never going negative', async () => {
    const { token, userId } = await loginAsMember(s.url);
    const inputKey = await uploadInput(s.url, token, await garmentJpeg(800, 900));
    const results = await Promise.all(
      Array.from({ length: 50 }, () => call(s.url, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((c) => c === 201)).toHaveLength(10);
    expect(statuses.filter((c) => c === 402)).toHaveLength(40);
    for (const r of results.filter((x) => x.status === 402)) expect(r.body.error.code).toBe('QUOTA_EXHAUSTED');
    const remaining = results.filter((r) => r.status === 201).map((r) => r.body.quotaRemaining as number);
    expect(new Set(remaining)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));

    const user = await s.db.models.User.findByPk(userId);
    expect(user?.quotaRemaining).toBe(0);
    expect(await s.db.models.Task.count({ where: { userId } })).toBe(10);
    expect(await s.db.models.QuotaLog.count({ where: { userId, action: 'deduct' } })).toBe(10);
    const negative = await s.db.models.QuotaLog.count({ where: { userId, balanceAfter: { [Op.lt]: 0 } } });
    expect(negative).toBe(0);
    await expectLedgerInvariant(s.db);
  });

  it('refunds a failing task exactly once when the failure path fires 20 times at once', async () => {
    const { token, userId } = await loginAsMember(s.url);
    const inputKey = await uploadInput(s.url, token, await garmentJpeg(800, 900));
    const created = await call(s.url, 'POST', '/task/create', { token, body: { type: 'basic_clean', inputKey } });
    expect(created.status).toBe(201);
    const taskId = created.body.task.id as string;

    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => failAndRefund(s.ctx, taskId, `failure ${i}`)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(await s.db.models.QuotaLog.count({ where: { taskId, action: 'refund' } })).toBe(1);
    expect((await s.db.models.User.findByPk(userId))?.quotaRemaining).toBe(10);

    // the refund itself is guarded by the unique (taskId, action) key, even if called again directly
    const task = await s.db.models.Task.findByPk(taskId);
    const again = await Promise.all(Array.from({ length: 20 }, () => s.db.transaction((t) => refundTask(s.ctx, task!, t))));
    expect(again.filter(Boolean)).toHaveLength(0);
    expect(await s.db.models.QuotaLog.count({ where: { taskId, action: 'refund' } })).toBe(1);
    expect((await s.db.models.User.findByPk(userId))?.quotaRemaining).toBe(10);
    const view = await call(s.url, 'GET', `/task/${taskId}`, { token });
    expect(view.body.task).toMatchObject({ status: 'failed' });
    await expectLedgerInvariant(s.db);
  });

  it('retries a whole transaction that loses a deadlock (and gives up after 3 retries)', async () => {
    const { User } = s.db.models;
    const now = new Date();
    const a = await User.create({ id: newId(), phone: '13700000001', quotaExpireAt: null, createdAt: now, updatedAt: now });
    const b = await User.create({ id: newId(), phone: '13700000002', quotaExpireAt: null, createdAt: now, updatedAt: now });
    let attempts = 0;
    const lockBoth = (first: string, second: string) =>
      s.db.transaction(async (t) => {
        attempts++;
        await User.findByPk(first, { transaction: t, lock: t.LOCK.UPDATE });
        await new Promise((r) => setTimeout(r, 150));
        await User.findByPk(second, { transaction: t, lock: t.LOCK.UPDATE });
        return true;
      });
    const done = await Promise.all([lockBoth(a.id, b.id), lockBoth(b.id, a.id)]);
    expect(done).toEqual([true, true]);
    if (db !== 'sqlite') expect(attempts).toBeGreaterThanOrEqual(3); // one of the two was chosen as the deadlock victim and re-run

    let tries = 0;
    const deadlock = Object.assign(new Error('deadlock'), { parent: { errno: 1213 } });
    await expect(
      s.db.transaction(async () => {
        tries++;
        throw deadlock;
      }),
    ).rejects.toBe(deadlock);
    expect(tries).toBe(4);
  });

  it.runIf(db !== 'sqlite')('runs on the snapshot isolation it says, and retries a transaction that gets error 1020', async () => {
    const [[row]] = (await s.db.sequelize.query('SELECT @@SESSION.innodb_snapshot_isolation AS si')) as unknown as [[{ si: number }]];
    expect(Number(row.si)).toBe(db === 'mysql-si' ? 1 : 0);
    const { User } = s.db.models;
    const now = new Date();
    const u = await User.create({ id: newId(), phone: '13700000003', quotaExpireAt: null, createdAt: now, updatedAt: now });
    let attempts = 0;
    // read first (the snapshot is taken), let another transaction change the row, then lock it: with snapshot
    // isolation ON the lock fails with 1020 and the whole transaction is run again (then it sees the new value)
    const seen = await s.db.transaction(async (t) => {
      attempts++;
      await User.findByPk(u.id, { transaction: t });
      if (attempts === 1) await User.update({ phoneLast4: '7777' }, { where: { id: u.id } });
      const locked = await User.findByPk(u.id, { transaction: t, lock: t.LOCK.UPDATE });
      return locked?.phoneLast4;
    });
    expect(seen).toBe('7777');
    expect(attempts).toBe(db === 'mysql-si' ? 2 : 1);
  });

  it('the database itself refuses a negative balance (CHECK constraint), whoever writes it', async () => {
    const { User } = s.db.models;
    const now = new Date();
    const u = await User.create({ id: newId(), phone: '13700000004', quotaExpireAt: null, createdAt: now, updatedAt: now });
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (err: { original?: Error; message: string }) => String(err.original?.message ?? err.message),
      );
    // MariaDB: "CONSTRAINT `users_quota_remaining_nonnegative` failed"; SQLite: "CHECK constraint failed"
    expect(await refusal(s.db.sequelize.query('UPDATE users SET quota_remaining = -1 WHERE id = ?', { replacements: [u.id] }))).toMatch(
      /constraint .*failed|users_quota_remaining_nonnegative/i,
    );
    expect(await refusal(User.update({ quotaRemaining: -5 }, { where: { id: u.id } }))).toMatch(/constraint .*failed|users_quota_remaining_nonnegative/i);
    expect((await User.findByPk(u.id))?.quotaRemaining).toBe(0);
  });
});

describe.each<DbKind>(['sqlite', 'mysql'])('the balance CHECK migration on %s', (kind) => {
  it('keeps every index of users (SQLite rebuilds the table to add the constraint)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-check-mig-'));
    const mysql = kind === 'mysql' ? await createMysqlDatabase() : null;
    const db = createDatabase({ url: mysql?.url ?? null, dataDir, poolMin: 0, poolMax: 2 });
    const indexNames = async () =>
      ((await db.sequelize.getQueryInterface().showIndex('users')) as { name: string }[])
        .map((i) => i.name)
        .filter((n) => n.startsWith('idx_'))
        .sort();
    try {
      const migrator = createMigrator(db.sequelize);
      await migrator.up({ to: '2026.11.26T00.00.05.job-locks' });
      const before = await indexNames();
      expect(before).toEqual(['idx_users_createdAt', 'idx_users_member_expire', 'idx_users_phoneLast4_createdAt']);
      await migrator.up({ to: '2026.12.01T00.00.06.order-snapshot-and-balance-check' });
      expect(await indexNames()).toEqual(before);
      await migrator.down({ to: '2026.12.01T00.00.06.order-snapshot-and-balance-check' });
      expect(await indexNames()).toEqual(before);
    } finally {
      await db.close();
      await mysql?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
