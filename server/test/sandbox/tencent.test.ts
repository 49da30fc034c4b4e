/**
 * The Tencent Cloud emulators of the sandbox process (server/src/sandbox/tencent) driven by the real clients:
 * qcloud-cos-sts through QcloudStsIssuer (API v1, HMAC-SHA1 over the host it addresses) and tencentcloud-sdk-nodejs-sms
 * through TencentSmsSender (API 3.0, TC3-HMAC-SHA256). A key minted by the STS emulator is the COS emulator's, which
 * enforces its policy; a message SendSms accepts lands in the sandbox SMS outbox. Each refusal is Tencent's code.
 */
import https from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { SandboxSmsOutbox } from '../../src/sandbox/sms/outbox.js';
import { SANDBOX_SMS_ACCOUNT, startTencentEmulators, TENCENT_HOSTS, type TencentEmulators } from '../../src/sandbox/tencent/index.js';
import { v1Signature } from '../../src/sandbox/tencent/sts.js';
import { tc3Signature } from '../../src/sandbox/tencent/tc3.js';
import { emulatorAgent } from '../../src/sandbox/tls.js';
import { QcloudStsIssuer } from '../../src/vendors/cos/sts.js';
import { TencentSmsSender } from '../../src/vendors/sms/tencent.js';
import { startHarness, type Harness } from '../cos/helpers.js';

let h: Harness;
let outbox: SandboxSmsOutbox;
let tencent: TencentEmulators;
let smsAgent: https.Agent;
/** moves the Tencent emulators' clock (ms) */
const skew = { ms: 0 };
const savedAgent = https.globalAgent;

beforeAll(async () => {
  h = await startHarness();
  outbox = new SandboxSmsOutbox(h.dataDir);
  tencent = await startTencentEmulators({
    host: '127.0.0.1',
    account: { secretId: h.secrets.secretId, secretKey: h.secrets.secretKey },
    issueTemporaryKey: (o) => h.emulator.issueTemporaryKey(o),
    outbox,
    now: () => Date.now() + skew.ms,
  });
  // qcloud-cos-sts (axios) takes no agent
  https.globalAgent = new https.Agent({ ca: tencent.ca });
  smsAgent = emulatorAgent({ ca: tencent.ca, hostnames: [TENCENT_HOSTS.sms], address: '127.0.0.1' });
});
afterAll(async () => {
  https.globalAgent = savedAgent;
  smsAgent?.destroy();
  await tencent?.close();
  await h?.close();
});
beforeEach(() => {
  skew.ms = 0;
});

/** The vendor code of a call that must fail. */
async function refusal(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VendorError);
    return (err as VendorError).details.code;
  }
  throw new Error('expected the call to fail');
}

/** One raw HTTPS POST to the emulators; the parsed `Response`. */
function post(headers: Record<string, string>, body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: tencent.port, method: 'POST', path: '/', headers, ca: tencent.ca, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve((JSON.parse(text) as { Response: Record<string, unknown> }).Response));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
const errorCode = (r: Record<string, unknown>): string | undefined => (r['Error'] as { Code?: string } | undefined)?.Code;

describe('STS GetFederationToken (qcloud-cos-sts, API v1 signature)', () => {
  const issuer = (o: { secretId?: string; secretKey?: string } = {}) =>
    new QcloudStsIssuer({
      secretId: o.secretId ?? h.secrets.secretId,
      secretKey: o.secretKey ?? h.secrets.secretKey,
      region: h.secrets.region,
      appId: h.secrets.bucket.slice(h.secrets.bucket.lastIndexOf('-') + 1),
      bucket: h.secrets.bucket,
      host: `127.0.0.1:${tencent.port}`,
    });
  const at = (key: string) => ({ Bucket: h.secrets.bucket, Region: h.secrets.region, Key: key, ContentType: 'image/jpeg' });

  it('issues a key for the requested time that the COS emulator honours within the policy only', async () => {
    const c = await issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 900, maxBytes: 1000 });
    expect(c.credentials.tmpSecretId).toMatch(/^AKID/);
    expect(Math.abs(c.expiredTime - (Date.now() / 1000 + 900))).toBeLessThan(5);
    expect(c.startTime).toBe(c.expiredTime - 900);
    const cos = h.tempCos(c);
    expect((await cos.putObject({ ...at('input/u1/a.jpg'), Body: Buffer.from('ok') })).statusCode).toBe(200);
    await expect(cos.putObject({ ...at('input/u2/a.jpg'), Body: Buffer.from('no') })).rejects.toMatchObject({ code: 'AccessDenied' });
    await expect(cos.putObject({ ...at('input/u1/big.jpg'), Body: Buffer.alloc(1001) })).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('a wrong SecretKey: AuthFailure.SignatureFailure; an unknown SecretId: AuthFailure.SecretIdNotFound', async () => {
    const o = { allowPrefix: 'input/u1/', durationSeconds: 900, maxBytes: 1000 };
    expect(await refusal(issuer({ secretKey: 'not-the-key' }).issue(o))).toBe('AuthFailure.SignatureFailure');
    expect(await refusal(issuer({ secretId: 'AKIDnotthisaccount' }).issue(o))).toBe('AuthFailure.SecretIdNotFound');
  });

  it('more than 7200 s: InvalidParameter; a clock five minutes off: AuthFailure.SignatureExpire', async () => {
    expect(await refusal(issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 7201, maxBytes: 1000 }))).toBe('InvalidParameter');
    skew.ms = 6 * 60_000;
    expect(await refusal(issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 900, maxBytes: 1000 }))).toBe(
      'AuthFailure.SignatureExpire',
    );
  });

  it('the signature covers the host the client addressed', async () => {
    const params = {
      SecretId: h.secrets.secretId,
      Timestamp: String(Math.floor(Date.now() / 1000)),
      Nonce: '12345',
      Action: 'GetFederationToken',
      DurationSeconds: '900',
      Version: '2018-08-13',
      Region: h.secrets.region,
      Name: 'cos-sts-nodejs',
      Policy: encodeURIComponent(
        JSON.stringify({
          version: '2.0',
          statement: [{ effect: 'allow', principal: { qcs: ['*'] }, action: ['name/cos:PutObject'], resource: ['qcs::cos:*'] }],
        }),
      ),
    };
    const signedFor = TENCENT_HOSTS.sts;
    const body = new URLSearchParams({ ...params, Signature: v1Signature(params, h.secrets.secretKey, 'POST', signedFor) }).toString();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect(errorCode(await post({ ...form, host: `127.0.0.1:${tencent.port}` }, body))).toBe('AuthFailure.SignatureFailure');
    const ok = await post({ ...form, host: signedFor }, body);
    expect(errorCode(ok)).toBeUndefined();
    expect(ok['Credentials']).toMatchObject({ TmpSecretId: expect.stringMatching(/^AKID/) });
  });
});

describe('SMS (tencentcloud-sdk-nodejs-sms, TC3-HMAC-SHA256)', () => {
  const sender = (o: Partial<{ secretId: string; secretKey: string; smsSdkAppId: string; signName: string; templateId: string }> = {}) =>
    new TencentSmsSender({
      secretId: h.secrets.secretId,
      secretKey: h.secrets.secretKey,
      region: 'ap-guangzhou',
      smsSdkAppId: SANDBOX_SMS_ACCOUNT.smsSdkAppId,
      signName: SANDBOX_SMS_ACCOUNT.signName,
      templateId: SANDBOX_SMS_ACCOUNT.templateId,
      endpoint: `${TENCENT_HOSTS.sms}:${tencent.port}`,
      agent: smsAgent,
      ...o,
    });

  it('SendSms with the account key delivers the code to the sandbox outbox', async () => {
    await sender().sendLoginCode('13800138001', '246810', 5);
    expect(outbox.list('13800138001')[0]).toMatchObject({ phone: '13800138001', code: '246810' });
  });

  it('SendSms signed with a wrong SecretKey: AuthFailure.SignatureFailure, nothing sent', async () => {
    expect(await refusal(sender({ secretKey: 'not-the-account-key' }).sendLoginCode('13800138002', '111111', 5))).toBe(
      'AuthFailure.SignatureFailure',
    );
    expect(await refusal(sender({ secretId: 'AKIDnotthisaccount' }).sendLoginCode('13800138002', '111111', 5))).toBe(
      'AuthFailure.SecretIdNotFound',
    );
    expect(outbox.list('13800138002')).toEqual([]);
  });

  it('the signature covers the body: the same Authorization over another body is refused', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
    const signed = JSON.stringify({
      PhoneNumberSet: ['+8613800138003'],
      SmsSdkAppId: SANDBOX_SMS_ACCOUNT.smsSdkAppId,
      SignName: SANDBOX_SMS_ACCOUNT.signName,
      TemplateId: SANDBOX_SMS_ACCOUNT.templateId,
      TemplateParamSet: ['135790', '5'],
    });
    const signature = tc3Signature({
      secretKey: h.secrets.secretKey,
      method: 'POST',
      path: '/',
      query: '',
      canonicalHeaders: `content-type:application/json\nhost:${TENCENT_HOSTS.sms}\n`,
      signedHeaders: 'content-type;host',
      body: Buffer.from(signed),
      timestamp,
      service: 'sms',
    });
    const headers = {
      'content-type': 'application/json',
      host: `${TENCENT_HOSTS.sms}:${tencent.port}`,
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-region': 'ap-guangzhou',
      'x-tc-timestamp': String(timestamp),
      authorization: `TC3-HMAC-SHA256 Credential=${h.secrets.secretId}/${date}/sms/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
    };
    expect(errorCode(await post(headers, signed.replace('+8613800138003', '+8613800138004')))).toBe('AuthFailure.SignatureFailure');
    expect(outbox.list('13800138004')).toEqual([]);
    expect(errorCode(await post(headers, signed))).toBeUndefined();
    expect(outbox.list('13800138003')[0]).toMatchObject({ code: '135790' });
  });

  it('a clock five minutes off: AuthFailure.SignatureExpire', async () => {
    skew.ms = -6 * 60_000;
    expect(await refusal(sender().sendLoginCode('13800138005', '111111', 5))).toBe('AuthFailure.SignatureExpire');
  });

  it("what the account has not approved is refused with Tencent's SMS codes", async () => {
    const send = (o: Parameters<typeof sender>[0]) => refusal(sender(o).sendLoginCode('13800138006', '111111', 5));
    expect(await send({ smsSdkAppId: '1400000000' })).toBe('UnauthorizedOperation.SmsSdkAppIdVerifyFail');
    expect(await send({ signName: '别家签名' })).toBe('FailedOperation.SignatureIncorrectOrUnapproved');
    expect(await send({ templateId: '999999' })).toBe('FailedOperation.TemplateIncorrectOrUnapproved');
    expect(outbox.list('13800138006')).toEqual([]);
  });

  it('DescribeSmsSignList / DescribeSmsTemplateList: the approved signature and template, status 0', async () => {
    expect(await sender().describeSignAndTemplate()).toEqual({ sign: { status: 0 }, template: { status: 0 } });
    expect(await sender({ signName: '别家签名', templateId: '999999' }).describeSignAndTemplate()).toEqual({ sign: null, template: null });
    expect(await refusal(sender({ secretKey: 'not-the-account-key' }).describeSignAndTemplate())).toBe('AuthFailure.SignatureFailure');
  });
});
