/**
 * The operator turns a channel off (PAYMENT_CHANNEL): a purchase with it answers 400 UNSUPPORTED_CHANNEL naming the
 * channels that are on, /client-config lists only those (the desktop hides the other), and the Alipay notify_url and
 * sandbox payer refuse; incomplete Alipay keys stop the server at start.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { call, login } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each([
  ['wx', 'alipay', '支付宝暂未开通，请使用微信支付'],
  ['alipay', 'wx', '微信支付暂未开通，请使用支付宝'],
] as const)('PAYMENT_CHANNEL=%s', (on, off, message) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ jobs: false, env: { PAYMENT_CHANNEL: on } });
  });
  afterAll(() => s.destroy());

  it(`refuses ${off} with a clear error and sells ${on}`, async () => {
    const { token } = await login(s.url);
    const refused = await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: off } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'UNSUPPORTED_CHANNEL', message });
    const unknown = await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: 'unionpay' } });
    expect(unknown.body.error.code).toBe('UNSUPPORTED_CHANNEL');
    expect((await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: on } })).status).toBe(201);
    expect((await call(s.url, 'GET', '/client-config')).body.paymentChannels).toEqual([on]);
  });

  if (on === 'wx') {
    it('the Alipay notify_url and sandbox payer answer that Alipay is off', async () => {
      const r = await fetch(`${s.url}/membership/alipay-callback`, { method: 'POST', body: 'a=b' });
      expect([r.status, await r.text()]).toEqual([404, 'fail']);
      const pay = await call(s.url, 'POST', '/sandbox/alipay/orders/01JAAAAAAAAAAAAAAAAAAAAAAA/pay');
      expect(pay.body.error.code).toBe('UNSUPPORTED_CHANNEL');
    });
  }
});

describe('Alipay keys are checked at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-alipay-config-'));
  const base = { DATA_DIR: dir, PAYMENT_CHANNEL: 'wx,alipay' };
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err.problems.join('\n');
      throw err;
    }
    return '';
  };

  it('outside sandbox: the app id, seller id, private key and one verification mode are required', () => {
    const msg = problems({ ...base, SANDBOX: '0' });
    for (const name of ['ALIPAY_APP_ID', 'ALIPAY_SELLER_ID', 'ALIPAY_PRIVATE_KEY_PATH', 'ALIPAY_PUBLIC_KEY_PATH or ALIPAY_APP_CERT_PATH']) {
      expect(msg).toContain(name);
    }
  });

  it('a key file that is not an RSA key, a PID that is not one and half a certificate set are refused', () => {
    const notKey = join(dir, 'not-a-key.pem');
    writeFileSync(notKey, 'hello');
    const cert = join(dir, 'app.crt');
    writeFileSync(cert, 'x');
    const msg = problems({ ...base, ALIPAY_PRIVATE_KEY_PATH: notKey, ALIPAY_APP_CERT_PATH: cert });
    expect(msg).toContain('ALIPAY_PRIVATE_KEY_PATH');
    expect(msg).toContain('certificate mode needs all three');
    expect(problems({ ...base, ALIPAY_SELLER_ID: '1234' })).toContain('ALIPAY_SELLER_ID');
  });

  it('takes the key tool’s bare base64 as well as PEM; sandbox mode generates its own keys', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bare = join(dir, 'app_private_key.txt');
    writeFileSync(bare, privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
    const c = loadConfig({ ...base, ALIPAY_PRIVATE_KEY_PATH: bare });
    expect(c.alipay?.privateKeyPem).toBe(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim());
    const sandbox = loadConfig({ DATA_DIR: dir });
    expect(sandbox.paymentChannels).toEqual(['wx', 'alipay']);
    expect(sandbox.alipay?.gateway).toMatch(/\/sandbox\/alipay\/gateway\.do$/);
    expect(loadConfig({ ...base, PAYMENT_CHANNEL: 'wx' }).alipay).toBeNull();
  });
});
