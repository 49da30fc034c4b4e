/**
 * What the server offers the desktop app: the lowest version it serves (MIN_CLIENT_VERSION → 426 UPGRADE_REQUIRED for
 * an older `X-Client-Version`, /client-config and the legal texts still answered so the app can update), the help
 * link, and the terms/privacy acceptance recorded per user with its versions and time (SQLite and MariaDB).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfigResponse, consentStatusResponse, legalDocResponse } from '@aizhao/shared';
import { call, login } from '../support/client.js';
import { startTestServer, type DbKind, type TestServer } from '../support/server.js';

describe.each<DbKind>(['sqlite', 'mysql'])('the desktop app’s terms, version and help (%s)', (db) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false, env: { MIN_CLIENT_VERSION: '0.2.0', HELP_URL: 'https://kf.qq.com/aizhao' } });
  });
  afterAll(() => s?.destroy());

  it('tells the app the lowest version and the help page, and refuses an older app with 426 UPGRADE_REQUIRED', async () => {
    const cfg = clientConfigResponse.parse((await call(s.url, 'GET', '/client-config', { headers: { 'x-client-version': '0.1.0' } })).body);
    expect(cfg).toMatchObject({ minClientVersion: '0.2.0', helpUrl: 'https://kf.qq.com/aizhao' });

    const { token } = await login(s.url);
    const old = await call(s.url, 'GET', '/membership/status', { token, headers: { 'x-client-version': '0.1.9' } });
    expect(old.status).toBe(426);
    expect(old.body.error).toMatchObject({
      code: 'UPGRADE_REQUIRED',
      message: expect.stringMatching(/[\u4e00-\u9fff]/),
      details: [{ minClientVersion: '0.2.0' }],
    });
    // logging in is refused too (before any code is spent); the legal texts are still readable
    expect(
      (await call(s.url, 'POST', '/auth/sms-code', { body: { phone: '13800138000' }, headers: { 'x-client-version': '0.1.0' } })).status,
    ).toBe(426);
    expect((await call(s.url, 'GET', '/legal/terms', { headers: { 'x-client-version': '0.1.0' } })).status).toBe(200);

    for (const v of ['0.2.0', '0.2.1', '0.10.0', '1.0.0'])
      expect((await call(s.url, 'GET', '/membership/status', { token, headers: { 'x-client-version': v } })).status, v).toBe(200);
    // no header (admin, scripts): served
    expect((await call(s.url, 'GET', '/membership/status', { token })).status).toBe(200);
  });

  it('serves the terms and the privacy policy, and records the acceptance of the current versions', async () => {
    const terms = legalDocResponse.parse((await call(s.url, 'GET', '/legal/terms')).body);
    const privacy = legalDocResponse.parse((await call(s.url, 'GET', '/legal/privacy')).body);
    expect(terms).toMatchObject({ kind: 'terms', title: 'AI照用户协议' });
    expect(privacy).toMatchObject({ kind: 'privacy', title: 'AI照隐私政策' });
    expect(terms.body.length).toBeGreaterThan(100);

    const { token } = await login(s.url);
    expect((await call(s.url, 'GET', '/me/consent')).status).toBe(401);
    const before = consentStatusResponse.parse((await call(s.url, 'GET', '/me/consent', { token })).body);
    expect(before).toEqual({
      terms: { title: terms.title, version: terms.version },
      privacy: { title: privacy.title, version: privacy.version },
      accepted: null,
    });

    const stale = await call(s.url, 'POST', '/me/consent', {
      token,
      body: { termsVersion: '2020-01-01', privacyVersion: privacy.version },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONSENT_OUTDATED');
    expect((await call(s.url, 'POST', '/me/consent', { token, body: { termsVersion: terms.version } })).status).toBe(400);

    const began = Date.now();
    const accepted = await call(s.url, 'POST', '/me/consent', {
      token,
      body: { termsVersion: terms.version, privacyVersion: privacy.version },
    });
    expect(accepted.status).toBe(200);
    const after = consentStatusResponse.parse(accepted.body);
    expect(after.accepted).toMatchObject({ termsVersion: terms.version, privacyVersion: privacy.version });
    expect(Date.parse(after.accepted!.acceptedAt)).toBeGreaterThanOrEqual(began - 1000);
    expect(consentStatusResponse.parse((await call(s.url, 'GET', '/me/consent', { token })).body)).toEqual(after);
    // recorded in the database, with the address
    const [rows] = await s.db.sequelize.query('SELECT userId, termsVersion, privacyVersion, ip FROM consents');
    expect(rows).toEqual([
      expect.objectContaining({ termsVersion: terms.version, privacyVersion: privacy.version, ip: expect.any(String) }),
    ]);

    // another user has accepted nothing
    const other = await login(s.url);
    expect(consentStatusResponse.parse((await call(s.url, 'GET', '/me/consent', { token: other.token })).body).accepted).toBeNull();
  });
});
