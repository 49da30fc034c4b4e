/**
 * The login session against the sandbox server: the token is stored only encrypted by the "OS" (never in plain text,
 * never in the renderer's state), survives a restart, is not stored at all where the OS offers no safe storage, is
 * removed by logout, and is dropped at start when the server no longer accepts it or it cannot be decrypted.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login as apiLogin, newPhone } from '../../../server/test/support/client.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { issueToken } from '../../../server/src/modules/auth/tokens.js';
import { DesktopError } from '../../src/core/errors.js';
import { SessionStore } from '../../src/core/session-store.js';
import type { AppState } from '../../src/shared/contract.js';
import { confStore, loginWithSandboxCode, startDesktop, testSecretBox, type Desktop } from '../support/desktop.js';

const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const CHINESE = /[\u4e00-\u9fff]/;

describe('the login session', () => {
  let server: TestServer;
  const started: Desktop[] = [];

  const start = async (...args: Parameters<typeof startDesktop>) => {
    const d = await startDesktop(...args);
    started.push(d);
    return d;
  };
  /** what the store file holds right now */
  const storeFile = (d: Desktop) => (existsSync(d.store.path) ? JSON.parse(readFileSync(d.store.path, 'utf8')) : {}) as Record<string, any>;
  /** the token as the app keeps it (decrypted with the "OS" key) */
  const savedToken = (d: Desktop) => d.secrets.open(Buffer.from(storeFile(d).session.token as string, 'base64'));
  const expectNoToken = (state: AppState, token: string) => {
    const json = JSON.stringify(state);
    expect(json).not.toContain('eyJ');
    expect(json).not.toContain(token);
    expect(json).not.toContain(token.split('.')[2]);
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail('expected a DesktopError'),
      (e: unknown) => e as DesktopError,
    );

  beforeAll(async () => {
    server = await startTestServer({ db: 'sqlite' });
  });
  afterAll(async () => {
    for (const d of started) await d.service.close();
    await server?.destroy();
  });

  it('logs in with the SMS code and stores the token only encrypted', async () => {
    const d = await start(server.url);
    const pushed: AppState[] = [];
    d.service.onState((s) => pushed.push(s));
    const phone = await loginWithSandboxCode(d, server.url);

    const state = d.service.getState();
    expect(state.user).toEqual({ id: expect.any(String), phone: `${phone.slice(0, 3)}****${phone.slice(-4)}` });
    expect(state.sessionPersisted).toBe(true);
    expect(state.membership).toMatchObject({ isMember: false, quotaRemaining: 0 });

    const raw = readFileSync(d.store.path, 'utf8');
    expect(raw).not.toContain('eyJ');
    const session = storeFile(d).session;
    expect(Object.keys(session).sort()).toEqual(['token', 'userId']);
    expect(session.userId).toBe(state.user!.id);
    expect(session.token).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const token = savedToken(d);
    expect(token).toMatch(JWT);
    expect(raw).not.toContain(token.split('.')[2]);

    // the token works against the server, and never reaches the renderer
    const me = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe(state.user!.id);
    await new Promise((r) => setTimeout(r, 120)); // let the coalesced pushes arrive
    expect(pushed.length).toBeGreaterThan(0);
    for (const s of [state, ...pushed]) expectNoToken(s, token);
  });

  it('is logged in again after a restart, without a code', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    const before = d.service.getState();
    await d.service.close();

    const again = await start(server.url, { from: d });
    const after = again.service.getState();
    expect(after.user).toEqual(before.user);
    expect(after.membership).toEqual(before.membership);
    expect(after.sessionPersisted).toBe(true);
    await expect(again.service.refreshMembership()).resolves.toMatchObject({ isMember: false });
  });

  it('keeps the login in memory only where the OS has no safe storage', async () => {
    const d = await start(server.url, { secure: false });
    await loginWithSandboxCode(d, server.url);
    const state = d.service.getState();
    expect(state.user).not.toBeNull();
    expect(state.sessionPersisted).toBe(false);
    expect(storeFile(d)).not.toHaveProperty('session');
    expect(JSON.stringify(storeFile(d))).not.toContain('eyJ');
    await d.service.close();

    const again = await start(server.url, { from: d });
    expect(again.service.getState().user).toBeNull();
    expect(again.service.getState().sessionPersisted).toBe(false);
  });

  it('forgets the saved session on logout', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    expect(storeFile(d)).toHaveProperty('session');
    d.service.logout();
    expect(d.service.getState().user).toBeNull();
    expect(d.service.getState().membership).toBeNull();
    expect(storeFile(d)).not.toHaveProperty('session');
    await expect(d.service.refreshMembership()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await d.service.close();

    const again = await start(server.url, { from: d });
    expect(again.service.getState().user).toBeNull();
  });

  it('refuses a wrong code and an invalid phone with Chinese messages', async () => {
    const d = await start(server.url);
    const phone = newPhone();
    await d.service.sendCode(phone);

    const wrong = await failure(d.service.login(phone, '000000'));
    expect(wrong).toBeInstanceOf(DesktopError);
    expect(wrong.code).toBe('INVALID_CODE');
    expect(wrong.message).toMatch(CHINESE);

    for (const bad of ['12345', '23800138000', 'abcdefghijk']) {
      const sent = await failure(d.service.sendCode(bad));
      expect([sent.code, CHINESE.test(sent.message)]).toEqual(['INVALID_PHONE', true]);
      const logged = await failure(d.service.login(bad, '123456'));
      expect(logged.code).toBe('INVALID_PHONE');
    }
    expect(d.service.getState().user).toBeNull();
    expect(storeFile(d)).not.toHaveProperty('session');
  });

  it.each([
    ['signed with another secret', (userId: string) => issueToken(randomBytes(32).toString('hex'), userId, '7d')],
    ['expired', (userId: string) => issueToken(server.ctx.config.jwt.secret, userId, '1s', new Date(Date.now() - 3_600_000))],
  ])('ends a saved session whose token the server refuses (%s) at start, instead of hanging', async (_, makeToken) => {
    // a well-formed token of a real user that the server will not accept, saved the way the app saves one
    const { userId } = await apiLogin(server.url);
    const { token } = await makeToken(userId);
    const d = await start(server.url);
    await new SessionStore(d.store, d.secrets).save(token, userId);
    expect(storeFile(d)).toHaveProperty('session');
    await d.service.close();

    const began = Date.now();
    const again = await start(server.url, { from: d });
    expect(Date.now() - began).toBeLessThan(5000);
    expect(again.service.getState()).toMatchObject({ ready: true, user: null, membership: null });
    expect(storeFile(again)).not.toHaveProperty('session');
  });

  it('ends a saved session that cannot be decrypted (another OS account or key)', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    await d.service.close();

    const again = await start(server.url, { from: { ...d, secrets: testSecretBox(true) } });
    expect(again.service.getState().user).toBeNull();
    expect(confStore(d.dir).get('session')).toBeUndefined();
  });
});
