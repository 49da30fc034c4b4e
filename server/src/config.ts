/**
 * Environment → typed configuration, validated once at start (docs/configuration.md). A missing or malformed value stops the
 * server with a message naming the variable. Sandbox mode fills the vendor identities from generated secrets.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './paths.js';
import processDefaults from './process-defaults.json' with { type: 'json' };
import { loadSandboxSecrets, type SandboxSecrets } from './sandbox/secrets.js';
import type { AlipayKeys } from './vendors/alipay/client.js';
import { alipayPrivateKeyPem, alipayPublicKeyPem } from './vendors/alipay/keys.js';
import { DEFAULT_DOWNLOAD_HOSTS, hostPatternProblem } from './vendors/runninghub/download-hosts.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const optStr = z.string().min(1).optional();

/**
 * TRUST_PROXY as Express reads `trust proxy`: true/false (the words `bool` accepts), a number of hops, or a
 * comma-separated list of addresses, CIDRs and the names loopback / linklocal / uniquelocal. Behind nginx on the
 * same machine, `loopback` trusts exactly that proxy (X-Forwarded-For from anyone else is ignored).
 */
function validTrustProxy(v: string): boolean {
  if (bool.safeParse(v).success || /^\d+$/.test(v)) return true;
  return v.split(',').every((part) => {
    const item = part.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
    const [ip, bits, ...rest] = item.split('/');
    return rest.length === 0 && isIP(ip ?? '') !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
  });
}
function trustProxyValue(v: string): boolean | number | string {
  const b = bool.safeParse(v);
  if (b.success) return b.data;
  return /^\d+$/.test(v) ? Number(v) : v;
}

/** The raw environment schema: names and defaults of docs/configuration.md. Aliases are resolved before parsing. */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_BASE_URL: z.url().optional(),
  TRUST_PROXY: z
    .string()
    .min(1)
    .default('false')
    .refine(validTrustProxy, 'must be true, false, a hop count, or addresses/CIDRs/loopback/linklocal/uniquelocal separated by commas')
    .transform(trustProxyValue),
  BUSINESS_TIMEZONE: z.string().default('Asia/Shanghai'),
  SANDBOX: z.enum(['1', '0']).optional(),
  SANDBOX_URL: z.url().optional(),
  SANDBOX_PORT: int(0, 65535).default(3100),
  DATA_DIR: z.string().default('./.data'),
  DATABASE_URL: z.string().regex(/^(mysql|mariadb):\/\//, 'must be mysql://user:pass@host:3306/db').optional(),
  DATABASE_POOL_MIN: int(0).default(5),
  DATABASE_POOL_MAX: int(1).default(20),
  DATABASE_RECONNECT_WINDOW_MS: int(0).default(10_000),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_EXPIRE: z.string().regex(/^\d+[smhd]$/, 'must look like 7d, 12h, 30m').default('7d'),
  TENCENT_SECRET_ID: optStr,
  TENCENT_SECRET_KEY: optStr,
  TENCENT_APPID: optStr,
  COS_BUCKET: optStr,
  COS_REGION: z.string().regex(/^[a-z\d-]+$/).default('ap-guangzhou'),
  COS_IMAGE_DOMAIN: optStr,
  STS_DURATION_SECONDS: int(900, 1800).default(1800),
  PLAN_MONTHLY_QUOTA: int(1).default(100),
  MEMBERSHIP_PRICE: int(1).default(9900),
  PLAN_DAYS: int(1).default(30),
  TASK_COST_BASIC_CLEAN: int(1).default(1),
  TASK_COST_MODEL_POSE12: int(1).default(1),
  UPLOAD_MAX_BYTES: int(1024).default(20 * 1024 * 1024),
  UPLOAD_MIN_SIDE: int(1).default(500),
  RESULT_RETENTION_DAYS: int(1).default(30),
  CI_MAX_CONCURRENCY: int(1, 64).default(4),
  RUNNINGHUB_BASE_URL: z.url().default('https://www.runninghub.cn'),
  RUNNINGHUB_API_KEY: optStr,
  RUNNINGHUB_WEBAPP_ID: z.string().regex(/^\d+$/, 'must be the numeric webappId').optional(),
  RUNNINGHUB_NODE_PROMPT: z.string().regex(/^[^:]+:[^:]+$/, 'must be nodeId:fieldName').optional(),
  RUNNINGHUB_NODE_IMAGE: z.string().regex(/^[^:]+:[^:]+$/, 'must be nodeId:fieldName').optional(),
  RUNNINGHUB_NODE_SEED: z.string().regex(/^[^:]+:[^:]+$/, 'must be nodeId:fieldName').optional(),
  RUNNINGHUB_IMAGE_MODE: z.enum(['url', 'upload']).default('url'),
  RUNNINGHUB_TIMEOUT: int(1000).default(600_000),
  RUNNINGHUB_QUEUE_DEADLINE: int(1000).default(3_600_000),
  RUNNINGHUB_POLL_INTERVAL: int(100).default(5000),
  RUNNINGHUB_MAX_CONCURRENCY: int(1, 64).default(2),
  RUNNINGHUB_REQUEST_TIMEOUT: int(1000, 120_000).default(30_000),
  RUNNINGHUB_DOWNLOAD_HOSTS: z
    .string()
    .default(DEFAULT_DOWNLOAD_HOSTS.join(','))
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .superRefine((hosts, c) => {
      if (hosts.length === 0) c.addIssue({ code: 'custom', message: 'must list at least one host pattern' });
      for (const h of hosts) {
        const problem = hostPatternProblem(h);
        if (problem) c.addIssue({ code: 'custom', message: problem });
      }
    }),
  /** the channels offered, comma-separated (wx, alipay); unset: both in sandbox, else wx (and alipay when ALIPAY_APP_ID is set) */
  PAYMENT_CHANNEL: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((c) => c.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(['wx', 'alipay'])).min(1, 'must name at least one of wx, alipay'))
    .optional(),
  WECHAT_APPID: optStr,
  WECHAT_MCHID: optStr,
  WECHAT_API_V3_KEY: z.string().length(32, 'must be the 32-byte APIv3 key').optional(),
  WECHAT_MERCHANT_CERT_PATH: optStr,
  WECHAT_MERCHANT_SERIAL_NO: optStr,
  WECHAT_MERCHANT_PRIVATE_KEY_PATH: optStr,
  WECHAT_PLATFORM_PUBLIC_KEY_ID: z.string().startsWith('PUB_KEY_ID_').optional(),
  WECHAT_PLATFORM_PUBLIC_KEY_PATH: optStr,
  WECHAT_PLATFORM_CERT_PATH: optStr,
  WECHAT_ORDER_EXPIRE_MINUTES: int(5, 24 * 60).default(30),
  ORDER_QUERY_MIN_INTERVAL: int(0).default(5000),
  WECHAT_ORDER_DESCRIPTION: z.string().min(1).max(127).default('AI照会员-30天'),
  ALIPAY_APP_ID: optStr,
  ALIPAY_SELLER_ID: z.string().regex(/^2088\d{12}$/, 'must be the 16-digit PID starting with 2088').optional(),
  ALIPAY_PRIVATE_KEY_PATH: optStr,
  ALIPAY_PUBLIC_KEY_PATH: optStr,
  ALIPAY_APP_CERT_PATH: optStr,
  ALIPAY_PUBLIC_CERT_PATH: optStr,
  ALIPAY_ROOT_CERT_PATH: optStr,
  ALIPAY_GATEWAY: z.url().default('https://openapi.alipay.com/gateway.do'),
  ALIPAY_TIMEOUT_MS: int(100).default(10_000),
  SMS_PROVIDER: z.enum(['tencent']).default('tencent'),
  SMS_APP_ID: optStr,
  SMS_SIGN_NAME: optStr,
  SMS_TEMPLATE_ID: optStr,
  SMS_APP_KEY: optStr,
  SMS_CODE_TTL_SECONDS: int(60, 3600).default(300),
  SMS_MAX_ATTEMPTS: int(1, 20).default(5),
  SMS_PHONE_COOLDOWN_SECONDS: int(0).default(60),
  SMS_PHONE_DAILY_LIMIT: int(1).default(10),
  SMS_IP_HOURLY_LIMIT: int(1).default(30),
  AUDIT_ENABLED: bool.optional(),
  AUDIT_THRESHOLD: z.coerce.number().min(0).max(1).default(0.8),
  VENDOR_RETRIES: int(0, 10).default(2),
  VENDOR_RETRY_MIN_MS: int(0).default(200),
  VENDOR_RETRY_MAX_MS: int(0).default(2000),
  COS_TIMEOUT_MS: int(100).default(15_000),
  CI_TIMEOUT_MS: int(100).default(30_000),
  STS_TIMEOUT_MS: int(100).default(10_000),
  SMS_TIMEOUT_MS: int(1000).default(10_000),
  WECHAT_TIMEOUT_MS: int(100).default(10_000),
  RUNNINGHUB_DOWNLOAD_TIMEOUT_MS: int(100).default(60_000),
  ADMIN_USERNAME: optStr,
  ADMIN_PASSWORD_HASH: optStr,
  ADMIN_SESSION_HOURS: int(1, 24 * 30).default(12),
  MIN_CLIENT_VERSION: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version such as 1.2.0').optional(),
  HELP_URL: z.url({ protocol: /^https$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** ms between two runs of the background job loop (tests lower it). */
  JOB_TICK_MS: int(20).default(1000),
  /** ms a SIGINT/SIGTERM shutdown may take (PM2's kill_timeout is derived from it in ecosystem.config.cjs) */
  SHUTDOWN_TIMEOUT_MS: int(1000).default(processDefaults.SHUTDOWN_TIMEOUT_MS),
  /** ms an idle keep-alive connection is kept open after shutdown began (a request on it is still answered) */
  SHUTDOWN_IDLE_GRACE_MS: int(0).default(1000),
  /** bearer token for GET /metrics; unset → only loopback clients may read it */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** set: each process also serves /metrics on 127.0.0.1:METRICS_PORT+NODE_APP_INSTANCE (one port per PM2 process) */
  METRICS_PORT: int(1, 65535).optional(),
  /** ms between two checks of the ledger invariant (users whose balance ≠ the sum of their ledger) */
  LEDGER_CHECK_INTERVAL_MS: int(1000).default(10 * 60_000),
  /** ms each check of `npm run doctor` may take (besides each vendor client's own timeout) */
  DOCTOR_TIMEOUT_MS: int(1000).default(30_000),
});

const ALIASES: Record<string, string> = {
  API_DOMAIN: 'PUBLIC_BASE_URL',
  WECHAT_API_KEY: 'WECHAT_API_V3_KEY',
  WECHAT_CERT_PATH: 'WECHAT_MERCHANT_CERT_PATH',
};

/** What docs/configuration.md must list (checked by a test): every variable, its aliases, and the schema's defaults. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
export const CONFIG_ALIASES: Readonly<Record<string, string>> = ALIASES;
export const CONFIG_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(envSchema.shape).flatMap(([name, schema]) => {
    const r = (schema as z.ZodType).safeParse(undefined);
    return r.success && r.data !== undefined ? [[name, String(r.data)]] : [];
  }),
);

export interface WechatKeys {
  appid: string;
  mchid: string;
  apiV3Key: string;
  merchantSerialNo: string;
  merchantPrivateKeyPem: string;
  /** WeChat Pay public key mode */
  platformPublicKeyId?: string;
  platformPublicKeyPem?: string;
  /** platform certificate mode */
  platformCertPem?: string;
}

export type PaymentChannel = 'wx' | 'alipay';

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  /** the address to listen on (127.0.0.1 unless HOST says otherwise) */
  host: string;
  publicBaseUrl: string;
  /** Express `trust proxy`: false, true (every hop), a hop count, or addresses/names such as `loopback` */
  trustProxy: boolean | number | string;
  timezone: string;
  sandbox: boolean;
  dataDir: string;
  database: { url: string | null; poolMin: number; poolMax: number; reconnectWindowMs: number };
  jwt: { secret: string; expire: string };
  cos: { secretId: string; secretKey: string; appId: string; bucket: string; region: string; imageDomain?: string };
  stsDurationSeconds: number;
  plan: { priceFen: number; quota: number; days: number };
  taskCost: { basic_clean: number; model_pose12: number };
  upload: { maxBytes: number; minSide: number };
  resultRetentionDays: number;
  /** what the desktop app is told in /client-config: the lowest version served (older: 426) and the help page */
  client: { minVersion?: string; helpUrl?: string };
  ciMaxConcurrency: number;
  runninghub: {
    baseUrl: string;
    apiKey: string;
    webappId: string;
    nodes: { prompt: string; image: string; seed: string };
    imageMode: 'url' | 'upload';
    timeoutMs: number;
    queueDeadlineMs: number;
    pollIntervalMs: number;
    maxConcurrency: number;
    /** per API request (run, outputs, cancel, upload) */
    requestTimeoutMs: number;
    /** host patterns output files may be downloaded from (besides the API's own host) */
    downloadHosts: string[];
  };
  /** the payment channels offered (PAYMENT_CHANNEL); a purchase with another answers UNSUPPORTED_CHANNEL */
  paymentChannels: PaymentChannel[];
  /** Alipay 当面付; null when the channel is off */
  alipay: (AlipayKeys & { gateway: string }) | null;
  wechat: WechatKeys & { baseUrl: string; orderExpireMinutes: number; queryMinIntervalMs: number; description: string };
  sms: {
    appId?: string;
    signName?: string;
    templateId?: string;
    codeTtlSeconds: number;
    maxAttempts: number;
    phoneCooldownSeconds: number;
    phoneDailyLimit: number;
    ipHourlyLimit: number;
  };
  audit: { enabled: boolean; threshold: number };
  /** retries of vendor calls that are safe to repeat */
  vendorRetry: { retries: number; minMs: number; maxMs: number };
  /** per-request timeouts of the vendor clients, ms */
  vendorTimeouts: { cos: number; ci: number; sts: number; sms: number; wechat: number; alipay: number; runninghub: number; runninghubDownload: number };
  admin: { username?: string; passwordHash?: string; sessionHours: number };
  logLevel: string;
  jobTickMs: number;
  shutdown: { timeoutMs: number; idleGraceMs: number };
  metrics: { token?: string; port?: number };
  ledgerCheckIntervalMs: number;
  doctorTimeoutMs: number;
  /** Generated identities of the sandbox emulators (sandbox mode only). */
  sandboxSecrets: SandboxSecrets | null;
  /** sandbox mode: the shared emulator process (`npm run sandbox`) to use instead of in-process emulators */
  sandboxUrl: string | null;
  /** `npm run sandbox`: the port that process listens on */
  sandboxPort: number;
  warnings: string[];
}

const VENDOR_MARKERS = ['TENCENT_SECRET_ID', 'WECHAT_MCHID', 'RUNNINGHUB_API_KEY'] as const;

/** Parses and validates the environment once. Throws ConfigError naming every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') raw[k] = v;
  for (const [alias, name] of Object.entries(ALIASES)) if (raw[alias] && !raw[name]) raw[name] = raw[alias];

  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (e.SMS_APP_KEY) warnings.push('SMS_APP_KEY is obsolete (SendSms 2021-01-11 uses TENCENT_SECRET_ID/KEY); ignored');

  const present = VENDOR_MARKERS.filter((k) => e[k]);
  let sandbox: boolean;
  if (e.SANDBOX === '1') sandbox = true;
  else if (e.SANDBOX === '0') sandbox = false;
  else if (present.length === 0) sandbox = true;
  else if (present.length === VENDOR_MARKERS.length) sandbox = false;
  else {
    const missing = VENDOR_MARKERS.filter((k) => !e[k]);
    throw new ConfigError([`${missing.join(', ')}: missing (only some cloud credentials are set; set them all, or SANDBOX=1)`]);
  }
  if (e.NODE_ENV === 'production' && sandbox) {
    throw new ConfigError(['SANDBOX: sandbox mode is refused with NODE_ENV=production; configure the real vendors']);
  }

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/+$/, '');
  if (e.NODE_ENV === 'production') {
    const u = new URL(publicBaseUrl);
    if (u.protocol !== 'https:' || /^(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|\[::1\])/.test(u.hostname)) {
      problems.push('PUBLIC_BASE_URL: must be a public https URL in production');
    }
  }

  // a relative DATA_DIR is the repository's (one place for every command, whatever directory npm runs it in)
  const dataDir = resolve(REPO_ROOT, e.DATA_DIR);
  const loopback = (host: string) => /^(127\.|localhost$|::1$|\[::1\]$)/.test(host);
  if (!loopback(e.HOST)) {
    if (sandbox) {
      warnings.push(
        `HOST=${e.HOST}: the sandbox is reachable from other computers — anyone on this network can read every login code and "pay" any order`,
      );
    }
    if (loopback(new URL(publicBaseUrl).hostname)) {
      warnings.push(
        `HOST=${e.HOST} but PUBLIC_BASE_URL is ${publicBaseUrl}: apps on other computers get upload and result URLs they cannot reach; set PUBLIC_BASE_URL=http://<this computer's address>:${e.PORT}`,
      );
    }
  }
  const secrets = sandbox ? loadSandboxSecrets(dataDir) : null;
  const sandboxUrl = sandbox && e.SANDBOX_URL ? e.SANDBOX_URL.replace(/\/+$/, '') : null;
  if (e.SANDBOX_URL && !sandbox) warnings.push('SANDBOX_URL is ignored outside sandbox mode');
  const need = (name: keyof typeof e): string => {
    const v = e[name];
    if (typeof v === 'string' && v) return v;
    problems.push(`${name}: required outside sandbox mode`);
    return '';
  };
  const readFile = (name: keyof typeof e): string | undefined => {
    const p = e[name];
    if (typeof p !== 'string') return undefined;
    try {
      return readFileSync(p, 'utf8');
    } catch {
      problems.push(`${name}: cannot read file ${p}`);
      return undefined;
    }
  };

  // COS / STS / CI
  const cos = secrets
    ? { ...secrets.cos, imageDomain: e.COS_IMAGE_DOMAIN }
    : {
        secretId: need('TENCENT_SECRET_ID'),
        secretKey: need('TENCENT_SECRET_KEY'),
        appId: need('TENCENT_APPID'),
        bucket: need('COS_BUCKET'),
        region: e.COS_REGION,
        imageDomain: e.COS_IMAGE_DOMAIN,
      };
  if (!sandbox && cos.bucket && !/^[a-z\d-]+-\d+$/.test(cos.bucket)) problems.push('COS_BUCKET: must be <name>-<APPID>');

  // RunningHub
  const defaultNodes = { prompt: '6:text', image: '10:image', seed: '3:seed' };
  const runninghub: Config['runninghub'] = {
    baseUrl: secrets ? `${sandboxUrl ?? publicBaseUrl}/sandbox/runninghub` : e.RUNNINGHUB_BASE_URL.replace(/\/+$/, ''),
    apiKey: secrets ? secrets.runninghub.apiKey : need('RUNNINGHUB_API_KEY'),
    webappId: secrets ? (e.RUNNINGHUB_WEBAPP_ID ?? secrets.runninghub.webappId) : need('RUNNINGHUB_WEBAPP_ID'),
    nodes: {
      prompt: e.RUNNINGHUB_NODE_PROMPT ?? (sandbox ? defaultNodes.prompt : need('RUNNINGHUB_NODE_PROMPT')),
      image: e.RUNNINGHUB_NODE_IMAGE ?? (sandbox ? defaultNodes.image : need('RUNNINGHUB_NODE_IMAGE')),
      seed: e.RUNNINGHUB_NODE_SEED ?? (sandbox ? defaultNodes.seed : need('RUNNINGHUB_NODE_SEED')),
    },
    imageMode: e.RUNNINGHUB_IMAGE_MODE,
    timeoutMs: e.RUNNINGHUB_TIMEOUT,
    queueDeadlineMs: e.RUNNINGHUB_QUEUE_DEADLINE,
    pollIntervalMs: e.RUNNINGHUB_POLL_INTERVAL,
    maxConcurrency: e.RUNNINGHUB_MAX_CONCURRENCY,
    requestTimeoutMs: e.RUNNINGHUB_REQUEST_TIMEOUT,
    downloadHosts: e.RUNNINGHUB_DOWNLOAD_HOSTS,
  };

  // WeChat Pay: in sandbox the given keys win (so tests can sign their own notifications), else the generated ones.
  const given: Partial<WechatKeys> = {
    appid: e.WECHAT_APPID,
    mchid: e.WECHAT_MCHID,
    apiV3Key: e.WECHAT_API_V3_KEY,
    merchantSerialNo: e.WECHAT_MERCHANT_SERIAL_NO,
    merchantPrivateKeyPem: readFile('WECHAT_MERCHANT_PRIVATE_KEY_PATH'),
    platformPublicKeyId: e.WECHAT_PLATFORM_PUBLIC_KEY_ID,
    platformPublicKeyPem: readFile('WECHAT_PLATFORM_PUBLIC_KEY_PATH'),
    platformCertPem: readFile('WECHAT_PLATFORM_CERT_PATH'),
  };
  if (e.WECHAT_MERCHANT_CERT_PATH) readFile('WECHAT_MERCHANT_CERT_PATH');
  let wechatKeys: WechatKeys;
  if (secrets) {
    const s = secrets.wechat;
    const hasPlatform = Boolean(given.platformPublicKeyPem || given.platformCertPem);
    wechatKeys = {
      appid: given.appid ?? s.appid,
      mchid: given.mchid ?? s.mchid,
      apiV3Key: given.apiV3Key ?? s.apiV3Key,
      merchantSerialNo: given.merchantSerialNo ?? s.merchantSerialNo,
      merchantPrivateKeyPem: given.merchantPrivateKeyPem ?? s.merchantPrivateKeyPem,
      platformPublicKeyId: hasPlatform ? given.platformPublicKeyId : s.platformPublicKeyId,
      platformPublicKeyPem: hasPlatform ? given.platformPublicKeyPem : s.platformPublicKeyPem,
      platformCertPem: given.platformCertPem,
    };
  } else {
    wechatKeys = {
      appid: need('WECHAT_APPID'),
      mchid: need('WECHAT_MCHID'),
      apiV3Key: need('WECHAT_API_V3_KEY'),
      merchantSerialNo: need('WECHAT_MERCHANT_SERIAL_NO'),
      merchantPrivateKeyPem: given.merchantPrivateKeyPem ?? (need('WECHAT_MERCHANT_PRIVATE_KEY_PATH'), ''),
      platformPublicKeyId: given.platformPublicKeyId,
      platformPublicKeyPem: given.platformPublicKeyPem,
      platformCertPem: given.platformCertPem,
    };
    if (!wechatKeys.platformPublicKeyPem && !wechatKeys.platformCertPem) {
      problems.push('WECHAT_PLATFORM_PUBLIC_KEY_PATH or WECHAT_PLATFORM_CERT_PATH: one is required outside sandbox mode');
    }
    if (wechatKeys.platformPublicKeyPem && !wechatKeys.platformPublicKeyId) {
      problems.push('WECHAT_PLATFORM_PUBLIC_KEY_ID: required with WECHAT_PLATFORM_PUBLIC_KEY_PATH');
    }
    if (!e.SMS_APP_ID) problems.push('SMS_APP_ID: required outside sandbox mode');
    if (!e.SMS_SIGN_NAME) problems.push('SMS_SIGN_NAME: required outside sandbox mode');
    if (!e.SMS_TEMPLATE_ID) problems.push('SMS_TEMPLATE_ID: required outside sandbox mode');
  }

  // Alipay 当面付: public-key mode (ALIPAY_PUBLIC_KEY_PATH) or certificate mode (the three certificates)
  const paymentChannels: PaymentChannel[] = e.PAYMENT_CHANNEL ?? (sandbox || e.ALIPAY_APP_ID ? ['wx', 'alipay'] : ['wx']);
  let alipay: Config['alipay'] = null;
  if (paymentChannels.includes('alipay')) {
    const key = (name: 'ALIPAY_PRIVATE_KEY_PATH' | 'ALIPAY_PUBLIC_KEY_PATH', parse: (t: string) => string): string | undefined => {
      const text = readFile(name);
      if (text === undefined) return undefined;
      try {
        return parse(text);
      } catch {
        problems.push(`${name}: ${e[name]} is not an RSA ${name === 'ALIPAY_PRIVATE_KEY_PATH' ? 'private' : 'public'} key (PEM or the key tool's base64)`);
        return undefined;
      }
    };
    const certs = { app: readFile('ALIPAY_APP_CERT_PATH'), alipay: readFile('ALIPAY_PUBLIC_CERT_PATH'), root: readFile('ALIPAY_ROOT_CERT_PATH') };
    const certCount = [e.ALIPAY_APP_CERT_PATH, e.ALIPAY_PUBLIC_CERT_PATH, e.ALIPAY_ROOT_CERT_PATH].filter(Boolean).length;
    const privateKeyPem = key('ALIPAY_PRIVATE_KEY_PATH', alipayPrivateKeyPem);
    const publicKeyPem = key('ALIPAY_PUBLIC_KEY_PATH', alipayPublicKeyPem);
    if (certCount > 0 && certCount < 3) {
      problems.push('ALIPAY_APP_CERT_PATH, ALIPAY_PUBLIC_CERT_PATH, ALIPAY_ROOT_CERT_PATH: certificate mode needs all three');
    }
    const s = secrets?.alipay;
    const given = { appId: e.ALIPAY_APP_ID, sellerId: e.ALIPAY_SELLER_ID, privateKeyPem };
    if (!s && !sandbox) {
      if (!e.ALIPAY_APP_ID) problems.push('ALIPAY_APP_ID: required when PAYMENT_CHANNEL includes alipay');
      if (!e.ALIPAY_SELLER_ID) problems.push('ALIPAY_SELLER_ID: required when PAYMENT_CHANNEL includes alipay (the PID 2088…)');
      if (!e.ALIPAY_PRIVATE_KEY_PATH) problems.push('ALIPAY_PRIVATE_KEY_PATH: required when PAYMENT_CHANNEL includes alipay');
      if (!e.ALIPAY_PUBLIC_KEY_PATH && certCount === 0) {
        problems.push('ALIPAY_PUBLIC_KEY_PATH or ALIPAY_APP_CERT_PATH/ALIPAY_PUBLIC_CERT_PATH/ALIPAY_ROOT_CERT_PATH: one mode is required');
      }
    }
    const certMode = certCount === 3 && certs.app && certs.alipay && certs.root;
    alipay = {
      appId: given.appId ?? s?.appId ?? '',
      sellerId: given.sellerId ?? s?.sellerId ?? '',
      privateKeyPem: given.privateKeyPem ?? (s ? alipayPrivateKeyPem(s.appPrivateKeyPem) : ''),
      ...(certMode
        ? { appCertPem: certs.app, alipayPublicCertPem: certs.alipay, alipayRootCertPem: certs.root }
        : { alipayPublicKeyPem: publicKeyPem ?? (s ? alipayPublicKeyPem(s.alipayPublicKeyPem) : undefined) }),
      gateway: sandbox ? `${sandboxUrl ?? publicBaseUrl}/sandbox/alipay/gateway.do` : e.ALIPAY_GATEWAY,
    };
  }

  let jwtSecret = e.JWT_SECRET ?? secrets?.jwtSecret;
  if (!jwtSecret) {
    problems.push('JWT_SECRET: required outside sandbox mode (at least 32 characters)');
    jwtSecret = '';
  }
  if (e.DATABASE_POOL_MIN > e.DATABASE_POOL_MAX) problems.push('DATABASE_POOL_MIN: must not exceed DATABASE_POOL_MAX');
  if (e.VENDOR_RETRY_MIN_MS > e.VENDOR_RETRY_MAX_MS) problems.push('VENDOR_RETRY_MIN_MS: must not exceed VENDOR_RETRY_MAX_MS');
  if (e.ADMIN_USERNAME && !e.ADMIN_PASSWORD_HASH) problems.push('ADMIN_PASSWORD_HASH: required with ADMIN_USERNAME');
  try {
    new Intl.DateTimeFormat('en', { timeZone: e.BUSINESS_TIMEZONE });
  } catch {
    problems.push(`BUSINESS_TIMEZONE: unknown time zone ${e.BUSINESS_TIMEZONE}`);
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicBaseUrl,
    trustProxy: e.TRUST_PROXY,
    timezone: e.BUSINESS_TIMEZONE,
    sandbox,
    dataDir,
    database: {
      url: e.DATABASE_URL ?? null,
      poolMin: e.DATABASE_POOL_MIN,
      poolMax: e.DATABASE_POOL_MAX,
      reconnectWindowMs: e.DATABASE_RECONNECT_WINDOW_MS,
    },
    jwt: { secret: jwtSecret, expire: e.JWT_EXPIRE },
    cos,
    stsDurationSeconds: e.STS_DURATION_SECONDS,
    plan: { priceFen: e.MEMBERSHIP_PRICE, quota: e.PLAN_MONTHLY_QUOTA, days: e.PLAN_DAYS },
    taskCost: { basic_clean: e.TASK_COST_BASIC_CLEAN, model_pose12: e.TASK_COST_MODEL_POSE12 },
    upload: { maxBytes: e.UPLOAD_MAX_BYTES, minSide: e.UPLOAD_MIN_SIDE },
    resultRetentionDays: e.RESULT_RETENTION_DAYS,
    client: { minVersion: e.MIN_CLIENT_VERSION, helpUrl: e.HELP_URL },
    ciMaxConcurrency: e.CI_MAX_CONCURRENCY,
    runninghub,
    paymentChannels,
    alipay,
    wechat: {
      ...wechatKeys,
      baseUrl: sandbox ? `${sandboxUrl ?? publicBaseUrl}/sandbox/wxpay` : 'https://api.mch.weixin.qq.com',
      orderExpireMinutes: e.WECHAT_ORDER_EXPIRE_MINUTES,
      queryMinIntervalMs: e.ORDER_QUERY_MIN_INTERVAL,
      description: e.WECHAT_ORDER_DESCRIPTION,
    },
    sms: {
      appId: e.SMS_APP_ID,
      signName: e.SMS_SIGN_NAME,
      templateId: e.SMS_TEMPLATE_ID,
      codeTtlSeconds: e.SMS_CODE_TTL_SECONDS,
      maxAttempts: e.SMS_MAX_ATTEMPTS,
      phoneCooldownSeconds: e.SMS_PHONE_COOLDOWN_SECONDS,
      phoneDailyLimit: e.SMS_PHONE_DAILY_LIMIT,
      ipHourlyLimit: e.SMS_IP_HOURLY_LIMIT,
    },
    audit: { enabled: e.AUDIT_ENABLED ?? sandbox, threshold: e.AUDIT_THRESHOLD },
    vendorRetry: { retries: e.VENDOR_RETRIES, minMs: e.VENDOR_RETRY_MIN_MS, maxMs: e.VENDOR_RETRY_MAX_MS },
    vendorTimeouts: {
      cos: e.COS_TIMEOUT_MS,
      ci: e.CI_TIMEOUT_MS,
      sts: e.STS_TIMEOUT_MS,
      sms: e.SMS_TIMEOUT_MS,
      wechat: e.WECHAT_TIMEOUT_MS,
      alipay: e.ALIPAY_TIMEOUT_MS,
      runninghub: e.RUNNINGHUB_REQUEST_TIMEOUT,
      runninghubDownload: e.RUNNINGHUB_DOWNLOAD_TIMEOUT_MS,
    },
    admin: { username: e.ADMIN_USERNAME, passwordHash: e.ADMIN_PASSWORD_HASH, sessionHours: e.ADMIN_SESSION_HOURS },
    logLevel: e.LOG_LEVEL,
    jobTickMs: e.JOB_TICK_MS,
    shutdown: { timeoutMs: e.SHUTDOWN_TIMEOUT_MS, idleGraceMs: e.SHUTDOWN_IDLE_GRACE_MS },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT },
    ledgerCheckIntervalMs: e.LEDGER_CHECK_INTERVAL_MS,
    doctorTimeoutMs: e.DOCTOR_TIMEOUT_MS,
    sandboxSecrets: secrets,
    sandboxUrl,
    sandboxPort: e.SANDBOX_PORT,
    warnings,
  };
}
