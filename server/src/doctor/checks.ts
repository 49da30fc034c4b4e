/**
 * `npm run doctor`: every vendor and the database, checked with the real clients of server/src/vendors (never the
 * sandbox shortcuts) and without side effects beyond a probe object under `doctor/` that is deleted again. Each
 * check answers ✓ or ✗ with what to fix. Endpoints default to the real vendors; tests and the dry run
 * (doctor/dry-run.ts) point them at the emulators.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import sharp from 'sharp';
import type { Config } from '../config.js';
import { createDatabase } from '../db/index.js';
import { createMigrator } from '../db/migrator.js';
import { VendorError } from '../lib/errors.js';
import { NO_RETRY, withDeadline } from '../lib/retry.js';
import { CosImageProcessor } from '../vendors/cos/ci.js';
import { CosObjectStorage } from '../vendors/cos/storage.js';
import { QcloudStsIssuer } from '../vendors/cos/sts.js';
import { HttpRunningHubClient } from '../vendors/runninghub/client.js';
import { TencentSmsSender } from '../vendors/sms/tencent.js';
import { HttpWechatPayClient } from '../vendors/wechatpay/client.js';
import { SdkAlipayClient } from '../vendors/alipay/client.js';
import { buildWechatPayKeys } from '../vendors/wechatpay/keys.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** what was found (✓) or what is wrong and how to fix it (✗) */
  detail: string;
}

/** Where the vendor clients connect (default: the real vendors). */
export interface DoctorEndpoints {
  /** cos-nodejs-sdk-v5 `Domain`/`Protocol` */
  cos?: { domain: string; protocol: 'http:' | 'https:' };
  /** Tencent STS host[:port] (always https) */
  stsHost?: string;
  /** Tencent SMS host[:port] and an HTTPS agent */
  sms?: { endpoint: string; agent?: https.Agent };
  wechatBaseUrl?: string;
  /** agent for the PUBLIC_BASE_URL request */
  httpsAgent?: https.Agent;
  /**
   * The dry run against the emulators on this machine: there is no nginx and no certificate in front of the server
   * there, so an http PUBLIC_BASE_URL is accepted — and the line says it would fail in production.
   */
  dryRun?: boolean;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const code = (err: unknown): string | undefined => (err instanceof VendorError ? err.details.code : undefined);

async function check(name: string, timeoutMs: number, run: () => Promise<string>): Promise<CheckResult> {
  try {
    const detail = await withDeadline(run(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms (DOCTOR_TIMEOUT_MS)`));
    return { name, ok: true, detail };
  } catch (err) {
    return { name, ok: false, detail: message(err) };
  }
}

/** Fails a check with the advice appended to what the vendor said. */
function fail(err: unknown, advice: string): never {
  const c = code(err);
  throw new Error(`${message(err)}${c && !message(err).includes(c) ? ` [${c}]` : ''} — ${advice}`);
}

/** A small image with a subject on a plain background: what GoodsMatting can cut out. */
async function probeImage(): Promise<Buffer> {
  const subject = await sharp({ create: { width: 120, height: 160, channels: 3, background: '#2b5fb4' } })
    .png()
    .toBuffer();
  return sharp({ create: { width: 256, height: 320, channels: 3, background: '#ffffff' } })
    .composite([{ input: subject, left: 68, top: 80 }])
    .jpeg()
    .toBuffer();
}

/** COS writable under `doctor/…` (put, head, delete), then CI GoodsMatting on that object (its output deleted too). */
async function cosAndCi(config: Config, ep: DoctorEndpoints, timeoutMs: number): Promise<[CheckResult, CheckResult]> {
  const opts = { ...config.cos, timeoutMs: config.vendorTimeouts.cos, ...ep.cos };
  const storage = new CosObjectStorage(opts);
  const key = `doctor/${randomBytes(8).toString('hex')}.jpg`;
  const cutout = key.replace(/\.jpg$/, '-cutout.png');
  const where = `bucket ${config.cos.bucket} in ${config.cos.region}`;
  const cosFix =
    'check TENCENT_SECRET_ID/TENCENT_SECRET_KEY, COS_BUCKET (<name>-<APPID>) and COS_REGION, and that the CAM user may PutObject/HeadObject/DeleteObject on the bucket (docs/deploy.md)';
  let stored = false;
  const cos = await check('COS', timeoutMs, async () => {
    const body = await probeImage();
    try {
      await storage.put(key, body, 'image/jpeg');
      stored = true;
      const head = await storage.head(key);
      if (!head || head.size !== body.length)
        throw new Error(`the probe object ${key} was written but reads back as ${head ? `${head.size} bytes` : 'missing'}`);
    } catch (err) {
      fail(err, cosFix);
    }
    return `${where}: wrote, read and deleted ${key}`;
  });
  const ci = await check('CI', timeoutMs, async () => {
    if (!stored) throw new Error('not checked: COS is not writable (fix COS first)');
    try {
      await new CosImageProcessor({ ...opts, timeoutMs: config.vendorTimeouts.ci }).goodsMatting(key, cutout);
    } catch (err) {
      fail(
        err,
        'bind the bucket to 数据万象 CI (CI console → bucket management), enable 商品抠图 (GoodsMatting), and give the CAM user the CI permissions listed in docs/deploy.md',
      );
    }
    return `GoodsMatting on the probe image answered (one billed image-processing call; its output ${cutout} deleted)`;
  });
  // clean up whatever was written, whatever failed
  for (const k of [key, cutout]) await storage.delete(k).catch(() => undefined);
  return [cos, ci];
}

async function sts(config: Config, ep: DoctorEndpoints, timeoutMs: number): Promise<CheckResult> {
  return check('STS', timeoutMs, async () => {
    const issuer = new QcloudStsIssuer({ ...config.cos, host: ep.stsHost, timeoutMs: config.vendorTimeouts.sts, retry: NO_RETRY });
    try {
      // the real upload policy (image/* only, at most UPLOAD_MAX_BYTES), for a prefix no merchant has
      const c = await issuer.issue({
        allowPrefix: 'input/doctor/',
        durationSeconds: config.stsDurationSeconds,
        maxBytes: config.upload.maxBytes,
      });
      return `GetFederationToken issued a temporary key valid until ${new Date(c.expiredTime * 1000).toISOString()}`;
    } catch (err) {
      fail(
        err,
        'check TENCENT_SECRET_ID/TENCENT_SECRET_KEY and that the CAM user may call sts:GetFederationToken and grant the COS upload actions (docs/deploy.md)',
      );
    }
  });
}

async function wechatKeys(config: Config): Promise<CheckResult> {
  return check('WeChat Pay keys', config.doctorTimeoutMs, async () => {
    const w = config.wechat;
    try {
      const keys = buildWechatPayKeys({
        publicKeyId: w.platformPublicKeyId,
        publicKeyPem: w.platformPublicKeyPem,
        platformCertPem: w.platformCertPem,
      });
      const certs = w.platformCertPem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      const expired = certs.map((pem) => new X509Certificate(pem)).filter((c) => new Date(c.validTo).getTime() < Date.now());
      if (expired.length) throw new Error(`platform certificate ${expired.map((c) => c.serialNumber).join(', ')} has expired`);
      return `platform ${w.platformPublicKeyId ? `public key ${w.platformPublicKeyId}` : ''}${w.platformPublicKeyId && certs.length ? ' and ' : ''}${certs.length ? `${certs.length} certificate(s)` : ''} parsed (${keys.size} key(s))`;
    } catch (err) {
      fail(
        err,
        'WECHAT_PLATFORM_PUBLIC_KEY_PATH (pub_key.pem, with WECHAT_PLATFORM_PUBLIC_KEY_ID) or WECHAT_PLATFORM_CERT_PATH must be the PEM file downloaded from the merchant platform',
      );
    }
  });
}

async function wechatApi(config: Config, ep: DoctorEndpoints, timeoutMs: number): Promise<CheckResult> {
  return check('WeChat Pay API', timeoutMs, async () => {
    const w = config.wechat;
    const platformKeys = buildWechatPayKeys({
      publicKeyId: w.platformPublicKeyId,
      publicKeyPem: w.platformPublicKeyPem,
      platformCertPem: w.platformCertPem,
    });
    const client = new HttpWechatPayClient({
      baseUrl: ep.wechatBaseUrl ?? w.baseUrl,
      appid: w.appid,
      mchid: w.mchid,
      merchantSerialNo: w.merchantSerialNo,
      merchantPrivateKey: w.merchantPrivateKeyPem,
      platformKeys,
      timeoutMs: config.vendorTimeouts.wechat,
    });
    const outTradeNo = `DOCTOR${Date.now()}${randomBytes(4).toString('hex')}`;
    try {
      // an order that cannot exist: WeChat answers 404 ORDER_NOT_EXIST, signed — our signature was accepted and
      // theirs verified with the configured platform key (the client checks every answer it acts on)
      const found = await client.queryOrder(outTradeNo);
      return found
        ? `query of ${outTradeNo} answered (signed and verified)`
        : `query of an unknown order answered ORDER_NOT_EXIST, signed and verified: merchant key, serial and platform key agree`;
    } catch (err) {
      const c = code(err);
      if (/signature rejected/.test(message(err))) {
        fail(
          err,
          "the answer's signature does not verify with the configured platform key: check WECHAT_PLATFORM_PUBLIC_KEY_ID/_PATH or WECHAT_PLATFORM_CERT_PATH",
        );
      }
      if (c === 'SIGN_ERROR' || c === 'INVALID_REQUEST' || c === 'PARAM_ERROR' || c === 'MCH_NOT_EXISTS') {
        fail(
          err,
          'WeChat refused our request signature: check WECHAT_MCHID, WECHAT_MERCHANT_SERIAL_NO and WECHAT_MERCHANT_PRIVATE_KEY_PATH (apiclient_key.pem of that certificate)',
        );
      }
      fail(
        err,
        'check the WeChat Pay merchant settings (WECHAT_MCHID, WECHAT_MERCHANT_SERIAL_NO, WECHAT_MERCHANT_PRIVATE_KEY_PATH) and that api.mch.weixin.qq.com is reachable',
      );
    }
  });
}

/**
 * Alipay (当面付): alipay.trade.query of a trade that cannot exist, through the official SDK at ALIPAY_GATEWAY. Alipay
 * answers 40004 ACQ.TRADE_NOT_EXIST, signed: our RSA2 request signature was accepted (app id and 应用私钥 agree with
 * the 应用公钥 uploaded to the open platform) and the answer verified with the configured Alipay key or certificate.
 */
export async function alipayApi(config: Config, timeoutMs: number): Promise<CheckResult> {
  return check('Alipay API', timeoutMs, async () => {
    if (!config.alipay) return 'off (PAYMENT_CHANNEL does not include alipay)';
    const client = new SdkAlipayClient({ ...config.alipay, timeoutMs: config.vendorTimeouts.alipay });
    const outTradeNo = `DOCTOR${Date.now()}${randomBytes(4).toString('hex')}`;
    try {
      const found = await client.queryTrade(outTradeNo);
      const mode = config.alipay.appCertPem ? 'certificate mode' : 'public-key mode';
      return found
        ? `query of ${outTradeNo} answered (signed and verified, ${mode})`
        : `query of an unknown trade answered ACQ.TRADE_NOT_EXIST, signed and verified (${mode}): app id, private key and Alipay key agree`;
    } catch (err) {
      const c = code(err);
      if (c === 'INVALID_SIGNATURE') {
        fail(
          err,
          "the answer's signature does not verify: check ALIPAY_PUBLIC_KEY_PATH (支付宝公钥, not the 应用公钥) or the certificates",
        );
      }
      if (c === 'isv.invalid-signature' || c === 'isv.missing-signature') {
        fail(
          err,
          'Alipay refused our request signature: ALIPAY_PRIVATE_KEY_PATH must be the private key of the 应用公钥 set in the open platform',
        );
      }
      if (c === 'isv.invalid-app-id' || c === 'isv.missing-app-id')
        fail(err, 'check ALIPAY_APP_ID (the app must be online and have 当面付)');
      if (c && /cert/i.test(c))
        fail(err, 'check ALIPAY_APP_CERT_PATH / ALIPAY_PUBLIC_CERT_PATH / ALIPAY_ROOT_CERT_PATH (the current certificates)');
      fail(err, 'check the Alipay settings (ALIPAY_APP_ID, keys) and that ALIPAY_GATEWAY is reachable');
    }
  });
}

async function runninghub(config: Config, timeoutMs: number): Promise<CheckResult> {
  return check('RunningHub', timeoutMs, async () => {
    const r = config.runninghub;
    const client = new HttpRunningHubClient({ baseUrl: r.baseUrl, apiKey: r.apiKey, webappId: r.webappId, timeoutMs: r.requestTimeoutMs });
    // outputs of a task id that cannot exist (POST /task/openapi/outputs, "Check Task Output" of the RunningHub API
    // docs, apifox docs-site 5441421 api-276642708): a valid key answers 807 APIKEY_TASK_NOT_FOUND, a bad one 802
    // APIKEY_UNAUTHORIZED. It starts nothing and bills nothing.
    try {
      const out = await client.outputs(`9${Date.now()}${Math.floor(Math.random() * 1e6)}`);
      if (out.kind !== 'not_found') throw new Error(`outputs of an unknown task answered ${out.kind}`);
    } catch (err) {
      fail(
        err,
        code(err) === '802'
          ? 'RUNNINGHUB_API_KEY is not accepted: copy the API key from the RunningHub account page'
          : 'check RUNNINGHUB_BASE_URL and RUNNINGHUB_API_KEY',
      );
    }
    return `API key accepted at ${r.baseUrl} (webapp ${r.webappId})`;
  });
}

async function sms(config: Config, ep: DoctorEndpoints, timeoutMs: number): Promise<CheckResult> {
  return check('SMS', timeoutMs, async () => {
    const s = config.sms;
    const sender = new TencentSmsSender({
      secretId: config.cos.secretId,
      secretKey: config.cos.secretKey,
      region: 'ap-guangzhou',
      smsSdkAppId: s.appId ?? '',
      signName: s.signName ?? '',
      templateId: s.templateId ?? '',
      timeoutSeconds: Math.ceil(config.vendorTimeouts.sms / 1000),
      ...(ep.sms ? { endpoint: ep.sms.endpoint, ...(ep.sms.agent ? { agent: ep.sms.agent } : {}) } : {}),
    });
    let found: Awaited<ReturnType<TencentSmsSender['describeSignAndTemplate']>>;
    try {
      found = await sender.describeSignAndTemplate();
    } catch (err) {
      fail(
        err,
        'check TENCENT_SECRET_ID/TENCENT_SECRET_KEY and that the CAM user may call sms:DescribeSmsSignList, sms:DescribeSmsTemplateList and sms:SendSms',
      );
    }
    const problems: string[] = [];
    // status 0 = approved and in effect (sms_models DescribeSignListStatus / DescribeTemplateListStatus)
    if (!found.sign)
      problems.push(`SMS_SIGN_NAME "${s.signName}" is not a signature of this account (use the signature's text exactly as approved)`);
    else if (found.sign.status !== 0)
      problems.push(
        `signature "${s.signName}" is not approved yet (status ${found.sign.status}${found.sign.reply ? `: ${found.sign.reply}` : ''})`,
      );
    if (!found.template) problems.push(`SMS_TEMPLATE_ID ${s.templateId} is not a template of this account`);
    else if (found.template.status !== 0)
      problems.push(
        `template ${s.templateId} is not approved yet (status ${found.template.status}${found.template.reply ? `: ${found.template.reply}` : ''})`,
      );
    if (problems.length) throw new Error(problems.join('; '));
    return `credentials accepted; signature "${s.signName}" and template ${s.templateId} approved (no message sent)`;
  });
}

async function database(config: Config, timeoutMs: number): Promise<CheckResult> {
  return check('Database', timeoutMs, async () => {
    const db = createDatabase({ url: config.database.url, dataDir: config.dataDir, poolMin: 0, poolMax: 1, reconnectWindowMs: 0 });
    try {
      await db.sequelize.authenticate();
      const pending = await createMigrator(db.sequelize).pending();
      if (pending.length)
        throw new Error(`${pending.length} pending migration(s) (${pending.map((m) => m.name).join(', ')}) — run npm run db:migrate`);
      return `${db.dialect} reachable, every migration applied`;
    } catch (err) {
      if (/pending migration/.test(message(err))) throw err;
      fail(err, 'check DATABASE_URL (mysql://user:password@host:3306/database) and that the database server is running');
    } finally {
      await db.close().catch(() => undefined);
    }
  });
}

async function publicUrl(config: Config, ep: DoctorEndpoints, timeoutMs: number): Promise<CheckResult> {
  return check('PUBLIC_BASE_URL', timeoutMs, async () => {
    const url = new URL(`${config.publicBaseUrl}/healthz`);
    const plainHttp = url.protocol === 'http:' && ep.dryRun;
    if (url.protocol !== 'https:' && !plainHttp) {
      throw new Error(
        `${config.publicBaseUrl} is not https — set PUBLIC_BASE_URL=https://<your domain> behind nginx with a certbot certificate (docs/deploy.md)`,
      );
    }
    const get = plainHttp ? http.get : https.get;
    const status = await new Promise<number>((resolve, reject) => {
      const req = get(url, { ...(ep.httpsAgent && !plainHttp ? { agent: ep.httpsAgent } : {}), timeout: timeoutMs }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    }).catch((err: unknown) =>
      fail(
        err,
        plainHttp
          ? `${url.href} is not reachable: start the server (npm run server, with SANDBOX_URL) or set PUBLIC_BASE_URL to its address`
          : `${url.href} is not reachable: check DNS, nginx (deploy/nginx/aizhao.conf), the certificate and that the server runs`,
      ),
    );
    if (status !== 200)
      throw new Error(`${url.href} answered HTTP ${status} — nginx must pass it to the server (deploy/nginx/aizhao.conf)`);
    return plainHttp
      ? `${url.href} answered 200 over plain http — accepted in this dry run only; production needs https (PUBLIC_BASE_URL=https://<your domain> behind nginx)`
      : `${url.href} answered 200 over https`;
  });
}

/** Runs every check (independent ones concurrently) in a fixed order of lines. */
export async function runDoctor(config: Config, endpoints: DoctorEndpoints = {}): Promise<CheckResult[]> {
  const t = config.doctorTimeoutMs;
  const [cosCi, ...rest] = await Promise.all([
    cosAndCi(config, endpoints, t),
    sts(config, endpoints, t),
    wechatKeys(config),
    wechatApi(config, endpoints, t),
    alipayApi(config, t),
    runninghub(config, t),
    sms(config, endpoints, t),
    database(config, t),
    publicUrl(config, endpoints, t),
  ]);
  return [...cosCi, ...rest];
}

/** The report: one line per check, then a summary. */
export function formatReport(results: CheckResult[]): string {
  const lines = results.map((r) => `${r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(failed ? `${failed} of ${results.length} checks failed` : `all ${results.length} checks passed`);
  return lines.join('\n');
}
