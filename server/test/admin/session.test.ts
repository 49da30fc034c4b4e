/**
 * Admin login, session and CSRF over HTTP: 401 for everything but login without a session, cookie attributes,
 * logout, expiry, CSRF on every state change, the merchant JWT and the admin cookie each refused by the other API,
 * account lock-out after 5 failures and the per-IP failure limit. The server's clock is injected and moved.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSessionResponse } from '@aizhao/shared';
import { call, login } from '../support/client.js';
import { type DbKind, type TestServer } from '../support/server.js';
import { mutableClock } from '../membership/helpers.js';
import { ADMIN_ENDPOINTS, ADMIN_USERNAME, AdminClient, adminLogin, startAdminServer } from './helpers.js';

const MINUTE = 60_000;

describe.each<DbKind>(['sqlite', 'mysql'])('admin session on %s', (db) => {
  const clock = mutableClock();
  let s: TestServer;
  let base: string;
  let password: string;

  beforeAll(async () => {
    // TRUST_PROXY: the tests log in "from other addresses" with X-Forwarded-For
    ({ s, password } = await startAdminServer({ db, jobs: false, now: clock.now, env: { TRUST_PROXY: 'true' } }));
    base = s.url;
  });
  afterAll(async () => {
    await s.destroy();
  });

  it('answers 401 UNAUTHENTICATED on every path but login without a session, or with a forged cookie', async () => {
    for (const cookie of [undefined, 'aizhao_admin=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'aizhao_admin=%zz']) {
      for (const e of ADMIN_ENDPOINTS) {
        const c = new AdminClient(base);
        c.cookie = cookie ?? null;
        const r = await c.request(e.method, `/admin/api${e.path}`, { body: e.body, csrf: 'whatever' });
        expect([e.path, r.status, r.body?.error?.code]).toEqual([e.path, 401, 'UNAUTHENTICATED']);
      }
    }
  });

  it('refuses wrong credentials with 401 INVALID_CREDENTIALS and sets no cookie', async () => {
    const c = new AdminClient(base);
    for (const [username, pw] of [
      [ADMIN_USERNAME, 'wrong-password'],
      ['nobody', password],
    ] as const) {
      const r = await c.login(username, pw);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
      expect(r.headers.getSetCookie()).toEqual([]);
    }
    const bad = await c.post('/login', { username: ADMIN_USERNAME });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    const notJson = await c.request('POST', '/admin/api/login', { raw: '{oops', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
  });

  it('logs in with an httpOnly SameSite=Strict cookie whose token is stored only hashed, and serves the session', async () => {
    const c = await adminLogin(base, password);
    expect(adminSessionResponse.parse((await c.get('/session')).body)).toEqual({ admin: { username: ADMIN_USERNAME }, csrfToken: c.csrfToken });
    const attrs = c.lastSetCookie!.split(';').map((p) => p.trim());
    expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/admin', `Max-Age=${12 * 3600}`]));
    expect(attrs).not.toContain('Secure'); // NODE_ENV=test over http
    const token = c.cookie!.slice('aizhao_admin='.length);
    const rows = await s.db.models.AdminSession.findAll();
    expect(rows.map((r) => r.id)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(rows.map((r) => r.id)).not.toContain(token);
    const admin = await s.db.models.Admin.findOne({ where: { username: ADMIN_USERNAME } });
    expect(admin?.lastLoginAt?.getTime()).toBe(clock.ms());
  });

  it('never lets a merchant JWT into the admin API, nor the admin cookie into the merchant API', async () => {
    const merchant = await login(base);
    for (const e of ADMIN_ENDPOINTS) {
      const r = await call(base, e.method, `/admin/api${e.path}`, { token: merchant.token, body: e.body });
      expect([e.path, r.status]).toEqual([e.path, 401]);
    }
    const c = await adminLogin(base, password);
    for (const path of ['/me', '/membership/status', '/tasks']) {
      const r = await call(base, 'GET', path, { headers: { cookie: c.cookie! } });
      expect([path, r.status, r.body.error.code]).toEqual([path, 401, 'UNAUTHENTICATED']);
    }
    const sts = await call(base, 'POST', '/storage/sts', { headers: { cookie: c.cookie! }, body: {} });
    expect(sts.status).toBe(401);
  });

  it('answers 403 CSRF to every state change without the session’s token, and changes nothing', async () => {
    const merchant = await login(base);
    const c = await adminLogin(base, password);
    const other = await adminLogin(base, password);
    const posts = ADMIN_ENDPOINTS.filter((e) => e.method === 'POST');
    for (const csrf of [false, 'wrong-token', other.csrfToken!] as const) {
      for (const e of posts) {
        const r = await c.post(e.path, e.body, { csrf });
        expect([e.path, r.status, r.body?.error?.code]).toEqual([e.path, 403, 'CSRF']);
      }
      const adjust = await c.post(`/users/${merchant.userId}/quota-adjustments`, { delta: 5, reason: 'csrf test' }, { csrf });
      expect(adjust.status).toBe(403);
    }
    expect((await s.db.models.User.findByPk(merchant.userId))?.quotaRemaining).toBe(0);
    expect(await s.db.models.QuotaLog.count({ where: { userId: merchant.userId } })).toBe(0);
    expect((await c.get('/session')).status).toBe(200); // the session survived (logout was refused too)
    const ok = await c.post(`/users/${merchant.userId}/quota-adjustments`, { delta: 5, reason: 'csrf test' });
    expect(ok.status).toBe(201);
  });

  it('logs out (204, cookie cleared) and the old cookie is dead', async () => {
    const c = await adminLogin(base, password);
    const cookie = c.cookie;
    const out = await c.post('/logout');
    expect(out.status).toBe(204);
    expect(c.lastSetCookie).toMatch(/^aizhao_admin=;.*Max-Age=0/);
    const again = new AdminClient(base);
    again.cookie = cookie;
    expect((await again.get('/session')).status).toBe(401);
  });

  it('ends a session after ADMIN_SESSION_HOURS', async () => {
    const c = await adminLogin(base, password);
    clock.advance(12 * 3600_000 - 1);
    expect((await c.get('/dashboard')).status).toBe(200);
    clock.advance(1);
    expect((await c.get('/dashboard')).status).toBe(401);
  });

  const from = (ip: string) => new AdminClient(base, { 'x-forwarded-for': ip });

  it('locks the account for this address for 15 minutes after 5 consecutive failures from it (then 429 even with the right password)', async () => {
    clock.advance(16 * MINUTE); // a fresh per-IP window
    const c = from('198.51.100.1');
    // (3 + 5 + 1 failures stay below the account-wide slow-down of 10, tested on its own below)
    for (let i = 0; i < 3; i++) expect((await c.login(ADMIN_USERNAME, `bad-${i}`)).status).toBe(401);
    expect((await c.login(ADMIN_USERNAME, password)).status).toBe(200); // a success resets the count
    for (let i = 0; i < 5; i++) expect((await c.login(ADMIN_USERNAME, `bad-${i}`)).status).toBe(401);
    const locked = await c.login(ADMIN_USERNAME, password);
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('RATE_LIMITED');
    // the one who failed on purpose does not lock the operator out: from another address the account still works
    const operator = from('203.0.113.9');
    expect((await operator.login(ADMIN_USERNAME, password)).status).toBe(200);
    expect((await operator.get('/session')).status).toBe(200);
    clock.advance(15 * MINUTE - 1);
    expect((await c.login(ADMIN_USERNAME, password)).status).toBe(429);
    clock.advance(1);
    expect((await c.login(ADMIN_USERNAME, password)).status).toBe(200);
  });

  it('slows down (not locks) an account that fails from many addresses: 2 s between tries after 10 failures', async () => {
    clock.advance(16 * MINUTE);
    for (let i = 0; i < 10; i++) expect((await from(`198.51.100.${20 + i}`).login(ADMIN_USERNAME, `bad-${i}`)).status).toBe(401);
    const slowed = await from('203.0.113.10').login(ADMIN_USERNAME, password);
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('retry-after')).toBe('2');
    clock.advance(2000);
    expect((await from('203.0.113.10').login(ADMIN_USERNAME, password)).status).toBe(200);
  });

  it('limits login failures per IP (20 per 15 minutes), whatever the usernames', async () => {
    clock.advance(16 * MINUTE);
    const c = from('198.51.100.77');
    for (let i = 0; i < 20; i++) expect((await c.login(`nobody-${i}`, 'x')).status).toBe(401);
    const limited = await c.login(ADMIN_USERNAME, password);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    clock.advance(15 * MINUTE);
    expect((await c.login(ADMIN_USERNAME, password)).status).toBe(200);
  });

  it('records logins, logouts and the adjustment in the audit log', async () => {
    const c = await adminLogin(base, password);
    const r = await c.get('/audit-log?limit=100');
    expect(r.status).toBe(200);
    const actions = r.body.items.map((i: { action: string }) => i.action);
    expect(actions).toContain('admin.login');
    expect(actions).toContain('admin.logout');
    expect(actions).toContain('user.quota_adjust');
    expect(actions).toContain('admin.seed');
    // failed logins and lock-outs are there too, with the address and why
    const failed = r.body.items.filter((i: { action: string }) => i.action === 'admin.login_failed');
    expect(failed.length).toBeGreaterThanOrEqual(20);
    expect(failed.map((i: { details: { why: string } }) => i.details.why)).toEqual(
      expect.arrayContaining(['bad_credentials', 'locked', 'slowed', 'ip_limited']),
    );
    const locks = r.body.items.filter((i: { action: string }) => i.action === 'admin.locked');
    expect(locks[0]).toMatchObject({ details: { ip: '198.51.100.1', minutes: 15 } });
  });
});
