/**
 * Admin accounts: `npm run admin:create -- --username NAME` (password from standard input) creates an account that can
 * log in, and run again sets a new password (ending the account's sessions); the configured admin is seeded once and
 * left alone on restart; the admin migration backfills users.phoneLast4 for users that existed before it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/index.js';
import { createMigrator } from '../../src/db/migrator.js';
import { hashPassword } from '../../src/lib/password.js';
import { createMysqlDatabase, startTestServer, type DbKind } from '../support/server.js';
import { AdminClient, adminLogin, ADMIN_USERNAME, startAdminServer } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/admin-create.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

function adminCreate(dataDir: string, args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [CLI, ...args],
      { env: { ...process.env, SANDBOX: '1', DATA_DIR: dataDir, DATABASE_URL: '', NODE_ENV: 'test' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('admin:create', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-admin-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates an admin that logs in, and resets its password (old sessions and password stop working)', async () => {
    expect((await adminCreate(dataDir, [], 'whatever-long\n')).code).toBe(2);
    expect((await adminCreate(dataDir, ['--username', 'boss'], 'short\n')).code).toBe(1);
    const created = await adminCreate(dataDir, ['--username', 'boss'], 'first-password-1\n');
    expect(created).toMatchObject({ code: 0, stdout: 'admin boss created\n' });

    const s = await startTestServer({ dataDir, jobs: false });
    try {
      const c = await adminLogin(s.url, 'first-password-1', 'boss');
      expect((await c.get('/session')).body.admin).toEqual({ username: 'boss' });
      const stored = await s.db.models.Admin.findOne({ where: { username: 'boss' } });
      expect(stored?.passwordHash).toMatch(/^\$scrypt\$ln=\d+,r=8,p=1\$/);
      expect(stored?.passwordHash).not.toContain('first-password-1');

      const reset = await adminCreate(dataDir, ['--username=boss'], 'second-password-2\n');
      expect(reset).toMatchObject({ code: 0, stdout: expect.stringContaining('password updated') });
      expect((await c.get('/session')).status).toBe(401);
      expect((await new AdminClient(s.url).login('boss', 'first-password-1')).status).toBe(401);
      await adminLogin(s.url, 'second-password-2', 'boss');
      const audit = await s.db.models.AdminAuditLog.findAll({ where: { adminUsername: '(cli)' }, order: [['id', 'ASC']] });
      expect(audit.map((a) => a.action)).toEqual(['admin.create', 'admin.password_reset']);
    } finally {
      await s.close();
    }
  });
});

describe('the configured admin', () => {
  it('is seeded once; a restart with another hash leaves the account as it is', async () => {
    const { s, password } = await startAdminServer({ jobs: false });
    const dataDir = s.dataDir;
    await s.close();
    const again = await startTestServer({ dataDir, jobs: false, env: { ADMIN_USERNAME, ADMIN_PASSWORD_HASH: await hashPassword('another-one-9') } });
    try {
      await adminLogin(again.url, password);
      expect((await new AdminClient(again.url).login(ADMIN_USERNAME, 'another-one-9')).status).toBe(401);
      expect(await again.db.models.Admin.count()).toBe(1);
      expect(await again.db.models.AdminAuditLog.count({ where: { action: 'admin.seed' } })).toBe(1);
    } finally {
      await again.destroy();
    }
  });
});

describe.each<DbKind>(['sqlite', 'mysql'])('the admin migration on %s', (kind) => {
  it('backfills users.phoneLast4 and the model sets it on creation', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-admin-mig-'));
    const mysql = kind === 'mysql' ? await createMysqlDatabase() : null;
    const db = createDatabase({ url: mysql?.url ?? null, dataDir, poolMin: 0, poolMax: 2 });
    try {
      const migrator = createMigrator(db.sequelize);
      await migrator.up({ to: '2026.11.26T00.00.01.initial-schema' });
      await db.sequelize.query(
        "INSERT INTO users (id, phone, isMember, quota_remaining, createdAt, updatedAt) VALUES ('OLD1', '13912345678', 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
      );
      await migrator.up();
      expect((await db.models.User.findByPk('OLD1'))?.phoneLast4).toBe('5678');
      await db.models.User.create({ id: 'NEW1', phone: '13700004321', quotaExpireAt: null });
      await db.models.User.bulkCreate([{ id: 'NEW2', phone: '13700008765', quotaExpireAt: null }], { fields: ['id', 'phone', 'quotaExpireAt', 'createdAt', 'updatedAt'] });
      const rows = await db.models.User.findAll({ where: { id: ['NEW1', 'NEW2'] }, order: [['id', 'ASC']] });
      expect(rows.map((u) => u.phoneLast4)).toEqual(['4321', '8765']);
      // every later migration goes down cleanly too (SQLite rebuilds a table to drop a column)
      await migrator.down({ to: '2026.11.26T00.00.02.admin' });
      expect((await migrator.pending()).map((m) => m.name)).toEqual([
        '2026.11.26T00.00.02.admin',
        '2026.11.26T00.00.03.task-vendor-error',
        '2026.11.26T00.00.04.task-results-purged',
        '2026.11.26T00.00.05.job-locks',
        '2026.12.01T00.00.06.order-snapshot-and-balance-check',
        '2026.12.01T00.00.08.refunds',
      ]);
      await migrator.up();
      expect(await migrator.pending()).toEqual([]);
    } finally {
      await db.close();
      await mysql?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
