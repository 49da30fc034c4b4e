/**
 * GET /sandbox/internal/accounts of the sandbox process (what `npm run doctor`'s dry run reads): the emulated vendor
 * accounts as production variables, the key files and the Tencent listener — every sandbox secret, so a client that
 * is not on this machine is refused even when the process listens on every interface.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/lib/logger.js';
import { startSandboxServer, type SandboxProcess } from '../../src/sandbox/serve.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-sandbox-accounts-'));
/** an address of this machine that is not loopback (the route must refuse a client coming from it) */
const external = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
let running: SandboxProcess;
let port: number;

beforeAll(async () => {
  const config = loadConfig({ SANDBOX: '1', HOST: '0.0.0.0', SANDBOX_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  running = await startSandboxServer(config, createLogger('silent'));
  port = Number(new URL(running.url).port);
});
afterAll(async () => {
  await running?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /sandbox/internal/accounts', () => {
  it('answers a loopback client with the emulated accounts, the key files and the Tencent listener', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/sandbox/internal/accounts`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as {
      env: Record<string, string>;
      files: Record<string, string>;
      tencent: { port: number; ca: string };
    };
    const secrets = loadConfig({ SANDBOX: '1', DATA_DIR: dataDir }).sandboxSecrets!;
    expect(body.env).toMatchObject({
      TENCENT_SECRET_ID: secrets.cos.secretId,
      TENCENT_SECRET_KEY: secrets.cos.secretKey,
      COS_BUCKET: secrets.cos.bucket,
      WECHAT_MERCHANT_SERIAL_NO: secrets.wechat.merchantSerialNo,
      RUNNINGHUB_API_KEY: secrets.runninghub.apiKey,
      SMS_APP_ID: '1400006666',
      ALIPAY_APP_ID: secrets.alipay.appId,
      ALIPAY_SELLER_ID: secrets.alipay.sellerId,
    });
    expect(body.files).toEqual({
      WECHAT_MERCHANT_PRIVATE_KEY_PATH: secrets.wechat.merchantPrivateKeyPem,
      WECHAT_PLATFORM_PUBLIC_KEY_PATH: secrets.wechat.platformPublicKeyPem,
      ALIPAY_PRIVATE_KEY_PATH: secrets.alipay.appPrivateKeyPem,
      ALIPAY_PUBLIC_KEY_PATH: secrets.alipay.alipayPublicKeyPem,
    });
    expect(body.tencent).toEqual({ port: running.tencent.port, ca: running.tencent.ca });
  });

  it.skipIf(!external)('refuses a client that is not on the loopback interface, in the contract’s error shape', async () => {
    const res = await fetch(`http://${external}:${port}/sandbox/internal/accounts`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });
});
