/**
 * A production (non-sandbox) configuration whose vendors are our emulators: COS, CI, WeChat Pay and RunningHub in a
 * sandbox test server, Tencent STS and SMS as local HTTPS fakes that check the credentials as Tencent would, and an
 * HTTPS front for PUBLIC_BASE_URL. `doctorFor(env)` runs the doctor with that configuration, `env` overriding it.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto';
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
import { selfSignedCertificate, startHttpsFake, type HttpsFake } from '../support/https-fake.js';
import { startTestServer, type TestServer } from '../support/server.js';

export const SMS_HOST = 'sms.tencentcloudapi.com';
export const SIGN_NAME = '爱照科技';
export const TEMPLATE_ID = '2024001';

export interface DoctorWorld {
  s: TestServer;
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

/** Tencent STS (API v1 GetFederationToken): the signature must be the HMAC-SHA1 of the account's SecretKey. */
function stsAnswer(host: string, secretId: string, secretKey: string) {
  return (body: string): { status: number; body: unknown } => {
    const { Signature, ...signed } = Object.fromEntries(new URLSearchParams(body));
    const canonical = Object.keys(signed)
      .sort()
      .map((k) => `${k}=${signed[k]}`)
      .join('&');
    const expected = createHmac('sha1', secretKey).update(`POST${host}/?${canonical}`).digest('base64');
    if (signed['SecretId'] !== secretId) {
      return {
        status: 200,
        body: { Response: { Error: { Code: 'AuthFailure.SecretIdNotFound', Message: 'The SecretId is not found' }, RequestId: 'r' } },
      };
    }
    if (Signature !== expected) {
      return {
        status: 200,
        body: {
          Response: {
            Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated' },
            RequestId: 'r',
          },
        },
      };
    }
    const expiredTime = Math.floor(Date.now() / 1000) + Number(signed['DurationSeconds']);
    return {
      status: 200,
      body: {
        Response: { Credentials: { TmpSecretId: 'AKIDtmp', TmpSecretKey: 'k', Token: 't' }, ExpiredTime: expiredTime, RequestId: 'r' },
      },
    };
  };
}

/** Tencent SMS 2021-01-11 Describe* answers for one approved signature and template (credential id checked). */
function smsAnswer(secretId: string) {
  return (body: string, headers: http.IncomingHttpHeaders = {}): { status: number; body: unknown } => {
    if (!String(headers.authorization ?? '').includes(`Credential=${secretId}/`)) {
      return {
        status: 200,
        body: { Response: { Error: { Code: 'AuthFailure.SecretIdNotFound', Message: 'The SecretId is not found' }, RequestId: 'r' } },
      };
    }
    const req = JSON.parse(body) as { TemplateIdSet?: number[]; Limit?: number; Offset?: number };
    if (headers['x-tc-action'] === 'DescribeSmsSignList') {
      const signs = [{ SignId: 1, International: 0, StatusCode: 0, ReviewReply: '', SignName: SIGN_NAME, CreateTime: 1 }];
      return {
        status: 200,
        body: {
          Response: { DescribeSignListStatusSet: signs.slice(req.Offset ?? 0, (req.Offset ?? 0) + (req.Limit ?? 10)), RequestId: 'r' },
        },
      };
    }
    if (headers['x-tc-action'] === 'DescribeSmsTemplateList') {
      const tpl = {
        TemplateId: Number(TEMPLATE_ID),
        International: 0,
        StatusCode: 0,
        ReviewReply: '',
        TemplateName: 'login',
        CreateTime: 1,
      };
      return {
        status: 200,
        body: { Response: { DescribeTemplateStatusSet: (req.TemplateIdSet ?? []).includes(tpl.TemplateId) ? [tpl] : [], RequestId: 'r' } },
      };
    }
    return { status: 200, body: { Response: { Error: { Code: 'InvalidAction', Message: 'not faked' }, RequestId: 'r' } } };
  };
}

export async function startDoctorWorld(): Promise<DoctorWorld> {
  const s = await startTestServer({ jobs: false });
  const secrets = s.ctx.config.sandboxSecrets!;
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-doctor-'));
  const sts: HttpsFake = await startHttpsFake('sts.tencentcloudapi.com');
  const stsHost = `127.0.0.1:${sts.port}`;
  sts.respond = stsAnswer(stsHost, secrets.cos.secretId, secrets.cos.secretKey);
  const sms: HttpsFake = await startHttpsFake(SMS_HOST);
  sms.respond = smsAnswer(secrets.cos.secretId);
  const front = await startHttpsFront(s.url);
  // qcloud-cos-sts (axios) takes no agent: trust the STS fake process-wide, as NODE_EXTRA_CA_CERTS would
  const savedAgent = https.globalAgent;
  https.globalAgent = new https.Agent({ ca: [sts.ca] });

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
    SMS_APP_ID: '1400006666',
    SMS_SIGN_NAME: SIGN_NAME,
    SMS_TEMPLATE_ID: TEMPLATE_ID,
    VENDOR_RETRIES: '0',
    ALIPAY_APP_ID: secrets.alipay.appId,
    ALIPAY_SELLER_ID: secrets.alipay.sellerId,
    ALIPAY_PRIVATE_KEY_PATH: write('alipay_app_private_key.pem', secrets.alipay.appPrivateKeyPem),
    ALIPAY_PUBLIC_KEY_PATH: write('alipay_public_key.pem', secrets.alipay.alipayPublicKeyPem),
    ALIPAY_GATEWAY: `${s.url}/sandbox/alipay/gateway.do`,
  };
  const endpoints: DoctorEndpoints = {
    cos: sandboxCosEndpoint(s.url),
    stsHost,
    sms: { endpoint: `${SMS_HOST}:${sms.port}`, agent: sms.agent },
    wechatBaseUrl: `${s.url}/sandbox/wxpay`,
    httpsAgent: new https.Agent({ ca: front.ca }),
  };
  return {
    s,
    env,
    endpoints,
    migratedDataDir,
    dir,
    async close() {
      https.globalAgent = savedAgent;
      await front.close();
      await sms.close();
      await sts.close();
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
