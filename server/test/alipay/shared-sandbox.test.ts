/**
 * A server with SANDBOX_URL uses the shared sandbox process (`npm run sandbox`) for Alipay too: its alipay-sdk calls
 * that process's gateway, and the payer routes it serves are forwarded there; the process's emulated Alipay notifies
 * the server, which grants once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startSandboxServer, type SandboxProcess } from '../../src/sandbox/serve.js';
import { call, login } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { expectGrantedOnce } from '../membership/helpers.js';

describe('Alipay through the shared sandbox process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-shared-sandbox-'));
  let sandbox: SandboxProcess;
  let s: TestServer;

  beforeAll(async () => {
    sandbox = await startSandboxServer(
      loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, SANDBOX_PORT: '0', LOG_LEVEL: 'silent' }),
      createLogger('silent'),
    );
    s = await startTestServer({ jobs: false, dataDir, env: { SANDBOX_URL: sandbox.url } });
  });
  afterAll(async () => {
    await s?.destroy();
    await sandbox?.close();
  });

  it('precreates at the shared gateway; the forwarded payer route pays; the notification grants', async () => {
    expect(s.sandbox).toBeNull();
    const { token, userId } = await login(s.url);
    const purchase = await call(s.url, 'POST', '/membership/purchase', { token, body: { channel: 'alipay' } });
    expect(purchase.status).toBe(201);
    const orderId = purchase.body.orderId as string;
    expect(sandbox.sandbox.alipay!.getTrade(orderId)?.notify_url).toBe(`${s.url}/membership/alipay-callback`);
    const paid = await call(s.url, 'POST', `/sandbox/alipay/orders/${orderId}/pay`);
    expect(paid.body).toEqual({ delivered: true, status: 200, answer: 'success' });
    const again = await call(s.url, 'POST', `/sandbox/alipay/orders/${orderId}/notify`, { body: { times: 5, parallel: true } });
    expect(again.body.answers).toEqual(Array(5).fill('success'));
    await expectGrantedOnce(s, userId, orderId);
  });
});
