/**
 * On SQLite each connection keeps the money paths' statements prepared (db/sqlite-statements.ts): one trip to
 * node-sqlite3's thread per statement instead of a prepare and a run. The guarantees stay: a failed statement (a
 * unique violation) rolls its transaction back and the prepared statement serves the next one, `changeBalance` still
 * answers null for an already recorded change, a statement that does not prepare fails each time, and close()
 * finalizes the prepared statements (sqlite3_close refuses a connection that has any).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, isUniqueViolation, type Database } from '../../src/db/index.js';
import { changeBalance, lockUser } from '../../src/modules/quota/ledger.js';

describe('SQLite: prepared statements per connection', () => {
  let db: Database;
  let dataDir = '';
  const NOW = new Date('2026-03-04T05:06:00.123Z');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aizhao-prepared-'));
    db = createDatabase({ url: null, dataDir });
    await db.migrate();
    await db.models.User.create({ id: 'uprepared001', phone: '13800000001', isMember: true, quotaRemaining: 10, quotaExpireAt: new Date(Date.now() + 86_400_000) });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await db?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const deduct = (orderId: string) =>
    db.transaction(async (t) => {
      const user = await lockUser(db, 'uprepared001', t);
      return changeBalance(db, user, { action: 'adjust', amount: -1, orderId, reason: 'test' }, t, NOW);
    });
  const balance = async () => (await db.models.User.findByPk('uprepared001'))!.quotaRemaining;

  it('a transaction’s statements are prepared once, then only run', async () => {
    await deduct('oprep-warm');
    const prepare = vi.spyOn(sqlite3.Database.prototype, 'prepare');
    const run = vi.spyOn(sqlite3.Database.prototype, 'run');
    const all = vi.spyOn(sqlite3.Database.prototype, 'all');
    for (let i = 0; i < 5; i++) expect(await deduct(`oprep-${i}`)).not.toBeNull();
    expect({ prepare: prepare.mock.calls.length, run: run.mock.calls.length, all: all.mock.calls.length }).toEqual({ prepare: 0, run: 0, all: 0 });
    prepare.mockRestore();
    run.mockRestore();
    all.mockRestore();
    expect(await balance()).toBe(4);
  });

  it('a unique violation: null from changeBalance, nothing written, and the prepared statements serve again', async () => {
    expect(await deduct('oprep-0')).toBeNull();
    expect(await deduct('oprep-0')).toBeNull();
    expect(await balance()).toBe(4);
    // the violation thrown: the whole transaction rolls back (the UPDATE before it too)
    const err = await db
      .transaction(async (t) => {
        const user = await lockUser(db, 'uprepared001', t);
        await changeBalance(db, user, { action: 'adjust', amount: -1, orderId: 'oprep-new', reason: 'test' }, t, NOW);
        await db.statement(t, 'write', 'INSERT INTO "quota_logs" ("userId", "orderId", "refundId", "action", "amount", "balanceAfter", "createdAt") VALUES (?, ?, ?, ?, ?, ?, ?)', [
          'uprepared001',
          'oprep-0',
          '',
          'adjust',
          -1,
          0,
          NOW,
        ]);
      })
      .catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect(await balance()).toBe(4);
    expect(await db.models.QuotaLog.count({ where: { orderId: 'oprep-new' } })).toBe(0);
    expect(await deduct('oprep-next')).not.toBeNull();
    expect(await balance()).toBe(3);
  });

  it('a statement that does not prepare fails each time', async () => {
    for (let i = 0; i < 2; i++) {
      const err = await db.transaction((t) => db.statement(t, 'write', 'UPDATE "no_such_table" SET "x" = ?', [1])).catch((e: unknown) => e);
      expect(String((err as Error).message)).toMatch(/no such table/);
      await expect(db.select('SELECT * FROM "no_such_table"', [])).rejects.toThrow(/no such table/);
    }
    expect(await deduct('oprep-after-bad')).not.toBeNull();
  });

  it('close() finalizes them: the file closes cleanly and opens again', async () => {
    await db.select('SELECT "id" FROM "users" WHERE "id" = ?', ['uprepared001']);
    await db.close();
    db = createDatabase({ url: null, dataDir });
    expect(await balance()).toBe(2);
    expect(await deduct('oprep-reopened')).not.toBeNull();
  });
});
