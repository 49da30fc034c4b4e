/**
 * A production (non-sandbox) configuration whose vendors are our emulators: COS, CI, WeChat Pay and RunningHub in a
 * sandbox test server, Tencent STS and SMS on the Tencent emulators' HTTPS listener (server/src/sandbox/tencent, the
 * code the sandbox process runs, here on that server's COS emulator and SMS outbox), and an HTTPS front for
 * PUBLIC_BASE_URL. `doctorFor(env)` runs the doctor with that configuration, `env` overriding it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/index.js';
import { runDoctor, type CheckResult, type DoctorEndpoints } from '../../src/doctor/checks.js';
import { sandboxCosEndpoint } from '../../src/sandbox/cos/index.js';
import { SANDBOX_SMS_ACCOUNT, startTencentEmulators, TENCENT_HOSTS, type TencentEmulators } from '../../src/sandbox/tencent/index.js';
import { emulatorAgent, selfSignedCertificate } from '../../src/sandbox/tls.js';
import { startTestServer, type TestServer } from '../support/server.js';

export interface DoctorWorld {
  s: TestServer;
  tencent: TencentEmulators;
  /** the base environment: every vendor variable set, pointing at the emulators */
  env: Record<string, string>;
  endpoints: DoctorEndpoints;
  /** a data dir with a migrated SQLite database */
  migratedDataDir: string;
  /** a fresh directory for files (keys) a test writes */
  dir: string;
  close(): Promise<void>;
}

/** An HTTPS server for 127.0.0.1 that passes every request to `target` (what nginx does in production). */
async function startHttpsFront(target: string): Promise<{ url: string; ca: string; close(): Promise<void> }> {
  const pems = await selfSignedCertificate();
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const up = http.request(
      new URL(req.url ?? '/', target),
      { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: pems.cert,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startDoctorWorld(): Promise<DoctorWorld> {
  const s = await startTestServer({ jobs: false });
  const secrets = s.ctx.config.sandboxSecrets!;
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-'));
  const sandbox = s.sandbox!;
  const tencent = await startTencentEmulators({
    host: '127.0.0.1',
    account: { secretId: secrets.cos.secretId, secretKey: secrets.cos.secretKey },
    issueTemporaryKey: (o) => sandbox.cos.issueTemporaryKey(o),
    outbox: sandbox.sms,
  });
  const front = await startHttpsFront(s.url);
  // qcloud-cos-sts (axios) takes no agent: trust the emulators process-wide, as NODE_EXTRA_CA_CERTS would
  const savedAgent = https.globalAgent;
  https.globalAgent = new https.Agent({ ca: [tencent.ca] });
  const smsAgent = emulatorAgent({ ca: tencent.ca, hostnames: [TENCENT_HOSTS.sms], address: '127.0.0.1' });

  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const migratedDataDir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-db-'));
  const db = createDatabase({ url: null, dataDir: migratedDataDir });
  await db.migrate();
  await db.close();

  const w = secrets.wechat;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    SANDBOX: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: migratedDataDir,
    PUBLIC_BASE_URL: front.url,
    JWT_SECRET: 'doctor-test-jwt-secret-0123456789abcdef',
    TENCENT_SECRET_ID: secrets.cos.secretId,
    TENCENT_SECRET_KEY: secrets.cos.secretKey,
    TENCENT_APPID: secrets.cos.appId,
    COS_BUCKET: secrets.cos.bucket,
    COS_REGION: secrets.cos.region,
    WECHAT_APPID: w.appid,
    WECHAT_MCHID: w.mchid,
    WECHAT_API_V3_KEY: w.apiV3Key,
    WECHAT_MERCHANT_SERIAL_NO: w.merchantSerialNo,
    WECHAT_MERCHANT_PRIVATE_KEY_PATH: write('apiclient_key.pem', w.merchantPrivateKeyPem),
    WECHAT_PLATFORM_PUBLIC_KEY_ID: w.platformPublicKeyId,
    WECHAT_PLATFORM_PUBLIC_KEY_PATH: write('pub_key.pem', w.platformPublicKeyPem),
    RUNNINGHUB_BASE_URL: `${s.url}/sandbox/runninghub`,
    RUNNINGHUB_API_KEY: secrets.runninghub.apiKey,
    RUNNINGHUB_WEBAPP_ID: secrets.runninghub.webappId,
    RUNNINGHUB_NODE_PROMPT: '6:text',
    RUNNINGHUB_NODE_IMAGE: '10:image',
    RUNNINGHUB_NODE_SEED: '3:seed',
    SMS_APP_ID: SANDBOX_SMS_ACCOUNT.smsSdkAppId,
    SMS_SIGN_NAME: SANDBOX_SMS_ACCOUNT.signName,
    SMS_TEMPLATE_ID: SANDBOX_SMS_ACCOUNT.templateId,
    VENDOR_RETRIES: '0',
    ALIPAY_APP_ID: secrets.alipay.appId,
    ALIPAY_SELLER_ID: secrets.alipay.sellerId,
    ALIPAY_PRIVATE_KEY_PATH: write('alipay_app_private_key.pem', secrets.alipay.appPrivateKeyPem),
    ALIPAY_PUBLIC_KEY_PATH: write('alipay_public_key.pem', secrets.alipay.alipayPublicKeyPem),
    ALIPAY_GATEWAY: `${s.url}/sandbox/alipay/gateway.do`,
  };
  const endpoints: DoctorEndpoints = {
    cos: sandboxCosEndpoint(s.url),
    stsHost: `127.0.0.1:${tencent.port}`,
    sms: { endpoint: `${TENCENT_HOSTS.sms}:${tencent.port}`, agent: smsAgent },
    wechatBaseUrl: `${s.url}/sandbox/wxpay`,
    httpsAgent: new https.Agent({ ca: front.ca }),
  };
  return {
    s,
    tencent,
    env,
    endpoints,
    migratedDataDir,
    dir,
    async close() {
      https.globalAgent = savedAgent;
      smsAgent.destroy();
      await front.close();
      await tencent.close();
      await s.destroy();
      rmSync(dir, { recursive: true, force: true });
      rmSync(migratedDataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the doctor with the world's configuration, `env` overriding it; the results by check name. */
export async function doctorFor(world: DoctorWorld, env: Record<string, string> = {}): Promise<Record<string, CheckResult>> {
  const results = await runDoctor(loadConfig({ ...world.env, ...env }), world.endpoints);
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

/** A platform public key WeChat Pay did not sign with. */
export const otherPublicKeyPem = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
