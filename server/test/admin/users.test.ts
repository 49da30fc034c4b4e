/**
 * Admin users over HTTP on SQLite and MariaDB: search by full phone and by the last 4 digits, keyset paging, the
 * detail, and quota adjustments (+/−, reason required, never 0, never below 0) written as `adjust` ledger rows with
 * an audit row; 20 concurrent adjustments add up; concurrent debits never take the balance below 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuditEntrySchema, adminPage, adminUserDetailResponse, adminUserSchema, quotaAdjustmentResponse } from '@aizhao/shared';
import { buyMembership, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { type DbKind, type TestServer } from '../support/server.js';
import { ADMIN_USERNAME, adminLogin, startAdminServer, type AdminClient } from './helpers.js';

describe.each<DbKind>(['sqlite', 'mysql'])('admin users on %s', (db) => {
  let s: TestServer;
  let admin: AdminClient;
  const suffix = String(process.pid % 10000).padStart(4, '0');
  const phones = ['13900000000', '13700000000', '13600000000'].map((p) => p.slice(0, 7) + suffix);
  const users: { userId: string; token: string; phone: string }[] = [];

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db }));
    for (const p of phones) users.push(await login(s.url, p));
    users.push(await login(s.url, '13512345678'));
    admin = await adminLogin(s.url, password);
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('finds a user by the full phone number (full number shown) and by its last 4 digits', async () => {
    const full = await admin.get(`/users?phone=${phones[1]}`);
    expect(full.status).toBe(200);
    const page = adminPage(adminUserSchema).parse(full.body);
    expect(page.items).toEqual([
      { id: users[1]!.userId, phone: phones[1], isMember: false, quotaRemaining: 0, quotaExpireAt: null, createdAt: expect.any(String) },
    ]);
    expect(page.nextCursor).toBeNull();
    const last4 = await admin.get(`/users?phone=${suffix}`);
    expect(last4.body.items.map((u: { phone: string }) => u.phone)).toEqual([...phones].reverse()); // newest first
    expect((await admin.get('/users?phone=5678')).body.items.map((u: { id: string }) => u.id)).toEqual([users[3]!.userId]);
    expect((await admin.get('/users?phone=0001')).body.items).toEqual([]);
    expect((await admin.get('/users?phone=139')).status).toBe(400);
    expect((await admin.get('/users?phone=abcd')).status).toBe(400);
    expect((await admin.get('/users?phone=&cursor=&limit=')).status).toBe(200); // empty parameters are "not given"
  });

  it('pages newest first with keyset cursors', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: any } = await admin.get(`/users?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.items.map((u: { id: string }) => u.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(users.map((u) => u.userId).reverse());
    expect((await admin.get('/users?cursor=not-a-cursor')).status).toBe(400);
    expect((await admin.get('/users?limit=101')).status).toBe(400);
  });

  it('adjusts quota up and down with a reason: an `adjust` ledger row and an audit row', async () => {
    const u = users[0]!;
    const up = await admin.post(`/users/${u.userId}/quota-adjustments`, { delta: 7, reason: '补偿：生成失败' });
    expect(up.status).toBe(201);
    const body = quotaAdjustmentResponse.parse(up.body);
    expect(body).toMatchObject({ quotaRemaining: 7, ledgerEntry: { action: 'adjust', amount: 7, balanceAfter: 7, reason: '补偿：生成失败', taskId: null, orderId: null } });
    const down = await admin.post(`/users/${u.userId}/quota-adjustments`, { delta: -3, reason: 'duplicate compensation' });
    expect(down.status).toBe(201);
    expect(down.body).toMatchObject({ quotaRemaining: 4, ledgerEntry: { amount: -3, balanceAfter: 4 } });

    const rows = await s.db.models.QuotaLog.findAll({ where: { userId: u.userId }, order: [['id', 'ASC']] });
    expect(rows.map((r) => [r.action, r.amount, r.balanceAfter])).toEqual([
      ['adjust', 7, 7],
      ['adjust', -3, 4],
    ]);
    expect((await s.db.models.User.findByPk(u.userId))?.quotaRemaining).toBe(4);
    const audits = await s.db.models.AdminAuditLog.findAll({ where: { targetType: 'user', targetId: u.userId }, order: [['id', 'ASC']] });
    expect(audits.map((a) => [a.adminUsername, a.action, a.reason, a.details])).toEqual([
      [ADMIN_USERNAME, 'user.quota_adjust', '补偿：生成失败', { delta: 7, balanceAfter: 7, ledgerId: String(rows[0]!.id) }],
      [ADMIN_USERNAME, 'user.quota_adjust', 'duplicate compensation', { delta: -3, balanceAfter: 4, ledgerId: String(rows[1]!.id) }],
    ]);
    const log = await admin.get('/audit-log?limit=1');
    expect(log.status).toBe(200);
    const entries = adminPage(adminAuditEntrySchema).parse(log.body);
    expect(entries.items[0]).toMatchObject({ admin: ADMIN_USERNAME, action: 'user.quota_adjust', target: { type: 'user', id: u.userId }, reason: 'duplicate compensation' });
    expect(entries.nextCursor).toBeTruthy();
    const next = await admin.get(`/audit-log?limit=1&cursor=${entries.nextCursor}`);
    expect(next.body.items[0]).toMatchObject({ action: 'user.quota_adjust', reason: '补偿：生成失败' });
  });

  it('refuses a missing or blank reason, a zero or fractional delta and a balance below 0, writing nothing', async () => {
    const u = users[0]!;
    const before = await s.db.models.QuotaLog.count();
    const auditsBefore = await s.db.models.AdminAuditLog.count();
    for (const body of [{ delta: 1 }, { delta: 1, reason: '   ' }, { delta: 0, reason: 'zero' }, { delta: 1.5, reason: 'half' }, { delta: '2', reason: 'string' }, { delta: -5, reason: 'too much' }, {}]) {
      const r = await admin.post(`/users/${u.userId}/quota-adjustments`, body);
      expect([JSON.stringify(body), r.status, r.body.error.code]).toEqual([JSON.stringify(body), 400, 'INVALID_INPUT']);
    }
    expect(await s.db.models.QuotaLog.count()).toBe(before);
    expect(await s.db.models.AdminAuditLog.count()).toBe(auditsBefore);
    expect((await s.db.models.User.findByPk(u.userId))?.quotaRemaining).toBe(4);
    const exact = await admin.post(`/users/${u.userId}/quota-adjustments`, { delta: -4, reason: 'to zero' });
    expect(exact.status).toBe(201);
    expect(exact.body.quotaRemaining).toBe(0);
    const missing = await admin.post('/users/01HZZZZZZZZZZZZZZZZZZZZZZZ/quota-adjustments', { delta: 1, reason: 'x' });
    expect(missing.status).toBe(404);
  });

  it('shows the detail: user, orders, tasks and the ledger', async () => {
    const u = users[2]!;
    const orderId = await buyMembership(s.url, u.token);
    await admin.post(`/users/${u.userId}/quota-adjustments`, { delta: 2, reason: 'bonus' });
    const r = await admin.get(`/users/${u.userId}`);
    expect(r.status).toBe(200);
    const d = adminUserDetailResponse.parse(r.body);
    expect(d.user).toMatchObject({ id: u.userId, phone: phones[2], isMember: true, quotaRemaining: 102 });
    expect(d.orders).toEqual([expect.objectContaining({ id: orderId, status: 'paid', amountFen: 9900, userPhone: phones[2], transactionId: expect.stringMatching(/^4200/) })]);
    expect(d.tasks).toEqual([]);
    expect(d.ledger.map((l) => [l.action, l.amount, l.balanceAfter])).toEqual([
      ['adjust', 2, 102],
      ['grant', 100, 100],
    ]);
    expect((await admin.get('/users/01HZZZZZZZZZZZZZZZZZZZZZZZ')).status).toBe(404);
    expect((await admin.get('/users/bad id!')).status).toBe(404);
  });

  it('20 concurrent adjustments all land: balance = their sum, one ledger row each', async () => {
    const u = users[3]!;
    const deltas = Array.from({ length: 20 }, (_, i) => i + 1);
    const rs = await Promise.all(deltas.map((d) => admin.post(`/users/${u.userId}/quota-adjustments`, { delta: d, reason: `parallel ${d}` })));
    expect(rs.map((r) => r.status)).toEqual(Array(20).fill(201));
    const sum = deltas.reduce((a, b) => a + b, 0);
    expect((await s.db.models.User.findByPk(u.userId))?.quotaRemaining).toBe(sum);
    const rows = await s.db.models.QuotaLog.findAll({ where: { userId: u.userId }, order: [['id', 'ASC']] });
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.balanceAfter)).toEqual(rows.map((_, i) => rows.slice(0, i + 1).reduce((a, r) => a + r.amount, 0)));
    expect(await s.db.models.AdminAuditLog.count({ where: { targetId: u.userId, action: 'user.quota_adjust' } })).toBe(20);
    await expectLedgerInvariant(s.db);
  });

  it('20 concurrent debits of 30 from a balance of 210 never go below 0: exactly 7 succeed', async () => {
    const u = users[3]!;
    const rs = await Promise.all(Array.from({ length: 20 }, () => admin.post(`/users/${u.userId}/quota-adjustments`, { delta: -30, reason: 'claw back' })));
    const statuses = rs.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(7).fill(201), ...Array(13).fill(400)]);
    expect((await s.db.models.User.findByPk(u.userId))?.quotaRemaining).toBe(0);
    await expectLedgerInvariant(s.db);
  });
});
