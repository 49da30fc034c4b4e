/** Configuration is validated once at start, with messages that name the variable. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = { DATA_DIR: dataDir };

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs in sandbox mode with defaults when no cloud credentials are set', () => {
    const c = loadConfig(base);
    expect(c.sandbox).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.publicBaseUrl).toBe('http://127.0.0.1:3000');
    expect(c.plan).toEqual({ priceFen: 9900, quota: 100, days: 30 });
    expect(c.audit.enabled).toBe(true);
    expect(c.database.url).toBeNull();
    expect(c.runninghub.baseUrl).toBe('http://127.0.0.1:3000/sandbox/runninghub');
    expect(c.wechat.baseUrl).toBe('http://127.0.0.1:3000/sandbox/wxpay');
    // the sandbox JWT secret is generated once and kept
    expect(loadConfig(base).jwt.secret).toBe(c.jwt.secret);
  });

  it('SANDBOX_URL points the WeChat Pay and RunningHub clients at the shared sandbox process, in sandbox mode only', () => {
    const c = loadConfig({ ...base, SANDBOX_URL: 'http://127.0.0.1:3100/' });
    expect(c.sandboxUrl).toBe('http://127.0.0.1:3100');
    expect(c.runninghub.baseUrl).toBe('http://127.0.0.1:3100/sandbox/runninghub');
    expect(c.wechat.baseUrl).toBe('http://127.0.0.1:3100/sandbox/wxpay');
    expect(c.sandboxPort).toBe(3100);
    expect(loadConfig({ ...base, SANDBOX_PORT: '3999' }).sandboxPort).toBe(3999);
    expect(problems({ ...base, SANDBOX_URL: 'not a url' })).toContain('SANDBOX_URL');
  });

  it('takes every number from the environment', () => {
    const c = loadConfig({ ...base, PLAN_MONTHLY_QUOTA: '7', MEMBERSHIP_PRICE: '1', PLAN_DAYS: '3', TASK_COST_MODEL_POSE12: '2', PORT: '8080' });
    expect(c.plan).toEqual({ priceFen: 1, quota: 7, days: 3 });
    expect(c.taskCost).toEqual({ basic_clean: 1, model_pose12: 2 });
    expect(c.publicBaseUrl).toBe('http://127.0.0.1:8080');
  });

  it('names malformed variables', () => {
    expect(problems({ ...base, PLAN_MONTHLY_QUOTA: 'many' })).toContain('PLAN_MONTHLY_QUOTA');
    expect(problems({ ...base, STS_DURATION_SECONDS: '7200' })).toContain('STS_DURATION_SECONDS');
    expect(problems({ ...base, DATABASE_URL: 'postgres://x' })).toContain('DATABASE_URL');
    expect(problems({ ...base, JWT_EXPIRE: 'forever' })).toContain('JWT_EXPIRE');
    expect(problems({ ...base, BUSINESS_TIMEZONE: 'Mars/Olympus' })).toContain('BUSINESS_TIMEZONE');
  });

  it('refuses partial cloud credentials and names the missing ones', () => {
    const msg = problems({ ...base, TENCENT_SECRET_ID: 'AKIDxxxx' });
    expect(msg).toContain('WECHAT_MCHID');
    expect(msg).toContain('RUNNINGHUB_API_KEY');
  });

  it('refuses sandbox mode in production, and a non-public PUBLIC_BASE_URL', () => {
    expect(problems({ ...base, NODE_ENV: 'production' })).toContain('SANDBOX');
    expect(problems({ ...base, NODE_ENV: 'production', SANDBOX: '0', PUBLIC_BASE_URL: 'http://127.0.0.1:3000' })).toContain('PUBLIC_BASE_URL');
  });

  it('requires every real credential outside sandbox mode', () => {
    const msg = problems({ ...base, SANDBOX: '0' });
    for (const name of ['TENCENT_SECRET_ID', 'COS_BUCKET', 'RUNNINGHUB_API_KEY', 'RUNNINGHUB_NODE_IMAGE', 'WECHAT_MCHID', 'WECHAT_API_V3_KEY', 'JWT_SECRET', 'SMS_APP_ID']) {
      expect(msg).toContain(name);
    }
  });

  it('accepts the guide’s aliases', () => {
    const c = loadConfig({ ...base, API_DOMAIN: 'http://127.0.0.1:4000', WECHAT_API_KEY: 'k'.repeat(32) });
    expect(c.publicBaseUrl).toBe('http://127.0.0.1:4000');
    expect(c.wechat.apiV3Key).toBe('k'.repeat(32));
    expect(loadConfig({ ...base, SMS_APP_KEY: 'old' }).warnings.join()).toContain('SMS_APP_KEY');
  });

  it('RUNNINGHUB_DOWNLOAD_HOSTS: RunningHub file hosts by default, a list of host patterns, refused when too broad', () => {
    expect(loadConfig(base).runninghub.downloadHosts).toEqual([
      'rh-images.xiaoyaoyou.com',
      '*-1252422369.cos.*.myqcloud.com',
      '*.runninghub.cn',
      '*.runninghub.ai',
    ]);
    expect(
      loadConfig({ ...base, RUNNINGHUB_DOWNLOAD_HOSTS: ' Files.Example.com , *.cdn.example.com:8443 ' }).runninghub.downloadHosts,
    ).toEqual(['files.example.com', '*.cdn.example.com:8443']);
    expect(problems({ ...base, RUNNINGHUB_DOWNLOAD_HOSTS: 'rh-images.xiaoyaoyou.com,*.com' })).toMatch(
      /RUNNINGHUB_DOWNLOAD_HOSTS: "\*\.com" admits a whole domain/,
    );
    expect(problems({ ...base, RUNNINGHUB_DOWNLOAD_HOSTS: 'https://x.example.com/' })).toMatch(/RUNNINGHUB_DOWNLOAD_HOSTS/);
    expect(problems({ ...base, RUNNINGHUB_DOWNLOAD_HOSTS: ' , ' })).toMatch(/RUNNINGHUB_DOWNLOAD_HOSTS: must list at least one/);
    expect(loadConfig(base).runninghub.requestTimeoutMs).toBe(30_000);
    expect(problems({ ...base, RUNNINGHUB_REQUEST_TIMEOUT: '10' })).toMatch(/RUNNINGHUB_REQUEST_TIMEOUT/);
  });
});
