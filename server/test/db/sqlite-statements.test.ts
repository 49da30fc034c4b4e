/**
 * The kept prepared statements of a sqlite3 connection (db/sqlite-statements.ts), on a real SQLite file: one prepare
 * per SQL text however often it runs, each call with its own parameters and rows, a failed prepare or step answered
 * (never a call left hanging, nothing kept in an error state or holding a lock), the least recently used finalized
 * beyond the bound, and a connection that closes once they are finalized.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStatements } from '../../src/db/sqlite-statements.js';

const open = (file: string): Promise<sqlite3.Database> =>
  new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(db)));
  });
const exec = (db: sqlite3.Database, sql: string): Promise<void> =>
  new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
const close = (db: sqlite3.Database): Promise<void> => new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));

describe('kept sqlite3 statements', () => {
  let dir: string;
  let db: sqlite3.Database;
  let prepares: string[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aizhao-stmts-'));
    db = await open(join(dir, 'db.sqlite'));
    await exec(db, 'PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);');
    prepares = [];
    const prepare = db.prepare.bind(db) as (...args: unknown[]) => sqlite3.Statement;
    (db as unknown as { prepare: (...args: unknown[]) => sqlite3.Statement }).prepare = (...args: unknown[]) => {
      prepares.push(args[0] as string);
      return prepare(...args);
    };
  });
  afterEach(async () => {
    await close(db).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prepares a statement once and runs it with each call’s own parameters, also many at once', async () => {
    const s = new SqliteStatements(db);
    const inserted = await Promise.all(Array.from({ length: 50 }, (_, i) => s.run('INSERT INTO t (name) VALUES (?)', [`n${i}`])));
    expect(new Set(inserted.map((r) => r.lastID)).size).toBe(50);
    expect(inserted.every((r) => r.changes === 1)).toBe(true);
    const rows = await Promise.all(Array.from({ length: 50 }, (_, i) => s.all<{ name: string }>('SELECT name FROM t WHERE name = ?', [`n${i}`])));
    expect(rows.map((r) => r.map((x) => x.name))).toEqual(Array.from({ length: 50 }, (_, i) => [`n${i}`]));
    expect(await s.all('SELECT COUNT(*) AS n FROM t', [])).toEqual([{ n: 50 }]);
    expect(prepares).toEqual(['INSERT INTO t (name) VALUES (?)', 'SELECT name FROM t WHERE name = ?', 'SELECT COUNT(*) AS n FROM t']);
    expect(s.size).toBe(3);
  });

  it('answers a failed prepare with its error, keeps nothing of it, and goes on', async () => {
    const s = new SqliteStatements(db);
    const bad = [s.all('SELEC nonsense', []), s.run('SELEC nonsense', [])];
    for (const r of await Promise.allSettled(bad)) {
      expect(r.status).toBe('rejected');
      expect(String((r as PromiseRejectedResult).reason)).toMatch(/syntax error/);
    }
    expect(s.size).toBe(0);
    expect(await s.all('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
  });

  it('drops a statement whose step failed, and that failure holds no lock', async () => {
    const s = new SqliteStatements(db);
    await s.run('INSERT INTO t (name) VALUES (?)', ['a']);
    await expect(s.run('INSERT INTO t (name) VALUES (?)', ['a'])).rejects.toThrow(/UNIQUE/);
    expect(s.size).toBe(0);
    // another connection can take the write lock at once
    const other = await open(join(dir, 'db.sqlite'));
    try {
      await exec(other, 'PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; INSERT INTO t (name) VALUES (\'b\'); COMMIT;');
    } finally {
      await close(other);
    }
    expect((await s.run('INSERT INTO t (name) VALUES (?)', ['c'])).changes).toBe(1);
    expect(await s.all('SELECT name FROM t ORDER BY name', [])).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    expect(prepares.filter((p) => p.startsWith('INSERT'))).toHaveLength(2);
  });

  it('a kept SELECT run to its end holds no read transaction open (a WAL checkpoint is not held back)', async () => {
    const s = new SqliteStatements(db);
    await s.run('INSERT INTO t (name) VALUES (?)', ['x']);
    expect(await s.all('SELECT * FROM t', [])).toHaveLength(1);
    const other = await open(join(dir, 'db.sqlite'));
    try {
      // a checkpoint that must wait for no reader: fails (busy) while a read transaction is open on `db`
      await exec(other, 'PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; DELETE FROM t; COMMIT; PRAGMA wal_checkpoint(TRUNCATE);');
      const [row] = await new Promise<{ busy: number }[]>((resolve, reject) =>
        other.all<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)', (err, r) => (err ? reject(err) : resolve(r))),
      );
      expect(row!.busy).toBe(0);
    } finally {
      await close(other);
    }
  });

  it('keeps at most its bound, finalizing the least recently used', async () => {
    const s = new SqliteStatements(db, 2);
    await s.all('SELECT 1 AS a', []);
    await s.all('SELECT 2 AS b', []);
    await s.all('SELECT 1 AS a', []);
    await s.all('SELECT 3 AS c', []);
    expect(s.size).toBe(2);
    await s.all('SELECT 1 AS a', []);
    await s.all('SELECT 2 AS b', []);
    expect(prepares).toEqual(['SELECT 1 AS a', 'SELECT 2 AS b', 'SELECT 3 AS c', 'SELECT 2 AS b']);
  });

  it('the connection closes with statements kept: they are finalized first (sqlite3 alone refuses)', async () => {
    const s = new SqliteStatements(db);
    await s.all('SELECT 1 AS a', []);
    await s.run('INSERT INTO t (name) VALUES (?)', ['z']);
    expect(s.size).toBe(2);
    await close(db);
    expect(s.size).toBe(0);
    // what sqlite3 does with a statement still prepared: refuses to close
    const other = await open(join(dir, 'db.sqlite'));
    const stmt = await new Promise<sqlite3.Statement>((resolve, reject) => {
      const st = other.prepare('SELECT 1', (err) => (err ? reject(err) : resolve(st)));
    });
    await expect(close(other)).rejects.toThrow(/unfinalized|SQLITE_BUSY/i);
    await new Promise((r) => stmt.finalize(r));
    await close(other);
  });
});
