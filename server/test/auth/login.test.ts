/** SMS-code login: codes, attempts, single use, expiry, send limits, and JWT checks. */
import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newPhone } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('SMS login', () => {
  let s: TestServer;
  // 10:00 in Asia/Shanghai, so that the steps below stay within one business day
  let clock = Date.parse('2026-11-26T02:00:00Z');
  beforeAll(async () => {
    s = await startTestServer({
      now: () => new Date(clock),
      env: { SMS_PHONE_COOLDOWN_SECONDS: '60', SMS_PHONE_DAILY_LIMIT: '3', SMS_IP_HOURLY_LIMIT: '6', SMS_CODE_TTL_SECONDS: '300' },
    });
  });
  afterAll(() => s.destroy());

  const send = (phone: string) => call(s.url, 'POST', '/auth/sms-code', { body: { phone } });
  const latestCode = async (phone: string) => (await call(s.url, 'GET', `/sandbox/sms/outbox?phone=${phone}`)).body.messages[0].code as string;
  const login = (phone: string, code: string) => call(s.url, 'POST', '/auth/login', { body: { phone, code } });

  it('rejects malformed phone numbers', async () => {
    for (const phone of ['12345', '23800138000', '1380013800a', '+8613800138000']) {
      const r = await send(phone);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('INVALID_PHONE');
      expect(r.body.error.requestId).toBe(r.headers.get('x-request-id'));
    }
    expect((await call(s.url, 'POST', '/auth/sms-code', { body: {} })).body.error.code).toBe('INVALID_INPUT');
  });

  it('sends 6-digit codes, registers on first login, and never stores the code in clear', async () => {
    const phone = newPhone();
    const sent = await send(phone);
    expect(sent.body).toEqual({ ok: true, cooldownSeconds: 60 });
    const code = await latestCode(phone);
    expect(code).toMatch(/^\d{6}$/);
    const row = await s.db.models.SmsCode.findOne({ where: { phone } });
    expect(row!.codeHash).not.toContain(code);
    const res = await login(phone, code);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ isMember: false, quotaRemaining: 0, phone: `${phone.slice(0, 3)}****${phone.slice(7)}` });
    expect(new Date(res.body.expiresAt).getTime() - clock).toBeCloseTo(7 * 86400_000, -4);
    const me = await call(s.url, 'GET', '/me', { token: res.body.token });
    expect(me.body.user.id).toBe(res.body.user.id);
    // single use
    const again = await login(phone, code);
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('INVALID_CODE');
  });

  it('kills a code after 5 wrong tries: the 6th try answers 429 even with the right code', async () => {
    const phone = newPhone();
    await send(phone);
    const code = await latestCode(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const r = await login(phone, wrong);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('INVALID_CODE');
    }
    const sixth = await login(phone, code);
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    // a new code works again
    clock += 61_000;
    await send(phone);
    expect((await login(phone, await latestCode(phone))).status).toBe(200);
  });

  it('expires codes after SMS_CODE_TTL_SECONDS', async () => {
    const phone = newPhone();
    await send(phone);
    const code = await latestCode(phone);
    clock += 301_000;
    expect((await login(phone, code)).body.error.code).toBe('INVALID_CODE');
  });

  it('limits sends per phone (cooldown, daily) and per IP (hourly)', async () => {
    clock += 2 * 3600_000; // past the per-IP window of the tests above
    const phone = newPhone();
    expect((await send(phone)).status).toBe(200);
    const tooSoon = await send(phone);
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.error.code).toBe('RATE_LIMITED');
    clock += 61_000;
    expect((await send(phone)).status).toBe(200);
    clock += 61_000;
    expect((await send(phone)).status).toBe(200);
    clock += 61_000;
    expect((await send(phone)).status).toBe(429); // 3 a day
    // per IP: 6 an hour across phones
    clock += 3 * 3600_000;
    const results = [];
    for (let i = 0; i < 7; i++) results.push((await send(newPhone())).status);
    expect(results).toEqual([200, 200, 200, 200, 200, 200, 429]);
  });
});

describe('merchant tokens', () => {
  let s: TestServer;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    s = await startTestServer();
    const phone = newPhone();
    await call(s.url, 'POST', '/auth/sms-code', { body: { phone } });
    const code = (await call(s.url, 'GET', `/sandbox/sms/outbox?phone=${phone}`)).body.messages[0].code;
    const res = await call(s.url, 'POST', '/auth/login', { body: { phone, code } });
    token = res.body.token;
    userId = res.body.user.id;
  });
  afterAll(() => s.destroy());

  const me = (t?: string) => call(s.url, 'GET', '/me', { token: t });
  const secret = () => new TextEncoder().encode(s.ctx.config.jwt.secret);

  it('accepts the issued token and rejects missing, tampered, alg:none, wrong audience/issuer and expired ones', async () => {
    expect((await me(token)).status).toBe(200);
    expect((await me()).status).toBe(401);
    expect((await me()).body.error.code).toBe('UNAUTHENTICATED');
    const [h, p, sig] = token.split('.');
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'someone-else' })}.${sig}`;
    expect((await me(tampered)).status).toBe(401);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
    expect((await me(none)).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const make = (iss: string, aud: string, exp: number) =>
      new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setAudience(aud).setSubject(userId).setIssuedAt(now).setExpirationTime(exp).sign(secret());
    expect((await me(await make('aizhao-api', 'aizhao-merchant', now + 60))).status).toBe(200); // positive control
    expect((await me(await make('aizhao-api', 'aizhao-admin', now + 60))).status).toBe(401);
    expect((await me(await make('someone', 'aizhao-merchant', now + 60))).status).toBe(401);
    expect((await me(await make('aizhao-api', 'aizhao-merchant', now - 10))).status).toBe(401);
    // HS512 with the same secret: algorithm is pinned
    const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setIssuer('aizhao-api').setAudience('aizhao-merchant').setSubject(userId).setExpirationTime(now + 60).sign(secret());
    expect((await me(hs512)).status).toBe(401);
    // a hand-made HS256 token signed with another secret
    const forged = `${b64({ alg: 'HS256', typ: 'JWT' })}.${p}`;
    const forgedSig = createHmac('sha256', 'not-the-secret').update(forged).digest('base64url');
    expect((await me(`${forged}.${forgedSig}`)).status).toBe(401);
  });

  it('rejects a correctly signed token without an expiry (it would be valid for ever)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('aizhao-api').setAudience('aizhao-merchant').setSubject(userId).setIssuedAt(now).sign(secret());
    const r = await me(forever);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
  });
});
