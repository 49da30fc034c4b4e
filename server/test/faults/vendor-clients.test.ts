/**
 * Every vendor client against 5xx, a reset connection, a slow body and a timeout, through the TCP fault proxy in
 * front of the sandbox emulators (COS, CI, WeChat Pay, RunningHub) or local HTTPS fakes (STS, SMS): calls that are
 * safe to repeat are retried (bounded, jittered), the others are not, and a call that fails for good reaches the
 * merchant as a Chinese 503 in the contract's error shape.
 */
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import type { RetryPolicy } from '../../src/lib/retry.js';
import { CosContentAuditor, CosImageProcessor } from '../../src/vendors/cos/ci.js';
import { CosObjectStorage } from '../../src/vendors/cos/storage.js';
import { QcloudStsIssuer } from '../../src/vendors/cos/sts.js';
import { HttpRunningHubClient } from '../../src/vendors/runninghub/client.js';
import { TencentSmsSender, smsNotSent } from '../../src/vendors/sms/tencent.js';
import { HttpWechatPayClient } from '../../src/vendors/wechatpay/client.js';
import { call, garmentJpeg, loginAsMember } from '../support/client.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startHttpsFake, type HttpsFake } from '../support/https-fake.js';
import { freePort, startTestServer, type TestServer } from '../support/server.js';
import { measure, printFigures } from './helpers.js';

const RETRY: RetryPolicy = { retries: 2, minMs: 20, maxMs: 80 };
const ATTEMPTS = RETRY.retries + 1;
/** the client timeout of the stall cases, ms */
const SHORT = 400;

let s: TestServer;
let proxy: FaultProxy;

beforeAll(async () => {
  s = await startTestServer({ jobs: false });
  proxy = await startFaultProxy({ port: Number(new URL(s.url).port) }, { dripBytes: 256, dripMs: 5 });
});
afterAll(async () => {
  printFigures('Vendor clients under faults (attempts = connections the fault proxy saw)');
  await proxy?.close();
  await s?.destroy();
});

/**
 * Before each case: nothing left of a previous plan, and no keep-alive connection from before (the client must
 * open a new one, which takes the plan). The proxy closes them; the wait lets the client see the close (a local
 * socket event), so that it does not spend an attempt on a dead keep-alive socket.
 */
async function reset(): Promise<void> {
  expect(proxy.planned).toBe(0);
  proxy.setDefault('pass');
  await new Promise((r) => setTimeout(r, 50));
}

describe('COS and CI (cos-nodejs-sdk-v5: its own bounded retry, 4 attempts, plus a deadline)', () => {
  const cosOptions = (timeoutMs: number) => ({
    secretId: s.ctx.config.cos.secretId,
    secretKey: s.ctx.config.cos.secretKey,
    bucket: s.ctx.config.cos.bucket,
    region: s.ctx.config.cos.region,
    domain: `${proxy.host}/sandbox/cos`,
    protocol: 'http:' as const,
    timeoutMs,
  });
  let photo: Buffer;
  beforeAll(async () => {
    photo = await garmentJpeg();
    await s.ctx.vendors.storage.put('input/faults/photo.jpg', photo, 'image/jpeg');
  });

  it('GET retries 503s and resets and returns the same bytes; a slow body arrives whole', async () => {
    const storage = new CosObjectStorage(cosOptions(2000));
    await reset();
    proxy.plan('http503', 'http503');
    const a = await measure(proxy, { vendor: 'COS', call: 'getObject', fault: '503 ×2' }, () => storage.get('input/faults/photo.jpg'));
    expect(a.ok && a.value.equals(photo)).toBe(true);
    expect(a.attempts).toBe(3);

    await reset();
    proxy.plan('reset', 'reset');
    const b = await measure(proxy, { vendor: 'COS', call: 'getObject', fault: 'reset ×2' }, () => storage.get('input/faults/photo.jpg'));
    expect(b.ok && b.value.equals(photo)).toBe(true);
    expect(b.attempts).toBe(3);

    await reset();
    proxy.plan('slow');
    const c = await measure(proxy, { vendor: 'COS', call: 'getObject', fault: 'slow body' }, () => storage.get('input/faults/photo.jpg'));
    expect(c.ok && c.value.equals(photo)).toBe(true);
  });

  it('PUT of the same key is repeated after a reset; a stalled vendor fails retryably within the deadline', async () => {
    await reset();
    const storage = new CosObjectStorage(cosOptions(SHORT));
    proxy.plan('reset');
    const put = await measure(proxy, { vendor: 'COS', call: 'putObject', fault: 'reset ×1' }, () =>
      storage.put('output/faults/r.jpg', photo, 'image/jpeg'),
    );
    expect(put.ok).toBe(true);
    expect((await s.ctx.vendors.storage.get('output/faults/r.jpg')).equals(photo)).toBe(true);

    await reset();
    proxy.setDefault('stall');
    const stalled = await measure(proxy, { vendor: 'COS', call: 'headObject', fault: 'timeout (stall)' }, () =>
      storage.head('input/faults/photo.jpg'),
    );
    expect(stalled.ok).toBe(false);
    expect(!stalled.ok && stalled.error).toMatchObject({ name: 'VendorError', vendor: 'cos', details: { retryable: true } });
    expect(stalled.attempts).toBeGreaterThanOrEqual(1);
    expect(stalled.attempts).toBeLessThanOrEqual(4);
    expect(stalled.ms).toBeLessThan(4 * SHORT + 3000);

    await reset();
    proxy.setDefault('http503');
    const down = await measure(proxy, { vendor: 'COS', call: 'getObject', fault: '503 always' }, () =>
      storage.get('input/faults/photo.jpg'),
    );
    expect(!down.ok && down.error).toMatchObject({ vendor: 'cos', details: { status: 503, retryable: true } });
    expect(down.attempts).toBe(4);
  });

  it('CI GoodsMatting is repeated after a reset (same output key); the audit after 503 and slow answers', async () => {
    await reset();
    const ci = new CosImageProcessor(cosOptions(5000));
    proxy.plan('reset');
    const m = await measure(proxy, { vendor: 'CI', call: 'GoodsMatting', fault: 'reset ×1' }, () =>
      ci.goodsMatting('input/faults/photo.jpg', 'work/faults/cutout.png'),
    );
    expect(m.ok).toBe(true);
    expect(m.attempts).toBe(2);
    expect(await s.ctx.vendors.storage.head('work/faults/cutout.png')).toMatchObject({ contentType: 'image/png' });

    await reset();
    const auditor = new CosContentAuditor(cosOptions(2000));
    proxy.plan('http503', 'slow');
    const a = await measure(proxy, { vendor: 'CI', call: 'sensitive-content-recognition', fault: '503 then slow' }, () =>
      auditor.audit('input/faults/photo.jpg', photo.length),
    );
    expect(a.ok && a.value).toEqual({ result: 0, score: 0, label: 'Normal' });
    expect(a.attempts).toBe(2);

    await reset();
    proxy.setDefault('stall');
    const st = await measure(proxy, { vendor: 'CI', call: 'sensitive-content-recognition', fault: 'timeout (stall)' }, () =>
      new CosContentAuditor(cosOptions(SHORT)).audit('input/faults/photo.jpg', photo.length),
    );
    expect(!st.ok && st.error).toMatchObject({ vendor: 'ci', details: { retryable: true } });
    proxy.setDefault('pass');
  });
});

describe('WeChat Pay (every call is resent with the same body after a transport error or 5xx)', () => {
  const client = (timeoutMs = SHORT) => {
    const w = s.ctx.config.wechat;
    return new HttpWechatPayClient({
      baseUrl: `${proxy.url}/sandbox/wxpay`,
      appid: w.appid,
      mchid: w.mchid,
      merchantSerialNo: w.merchantSerialNo,
      merchantPrivateKey: w.merchantPrivateKeyPem,
      platformKeys: s.ctx.vendors.wechatNotifyKeys,
      timeoutMs,
      retry: RETRY,
    });
  };
  const prepay = (outTradeNo: string) => ({
    outTradeNo,
    description: 'AI照会员-30天',
    amountFen: 9900,
    timeExpire: new Date(Date.now() + 30 * 60_000),
    notifyUrl: `${s.url}/membership/payment-callback`,
  });

  it('prepay after a reset is resent with the same out_trade_no: one order, the same code_url', async () => {
    await reset();
    const order = prepay(`FAULT${Date.now()}`);
    proxy.plan('reset');
    const r = await measure(proxy, { vendor: 'WeChat Pay', call: 'prepay', fault: 'reset ×1' }, () => client().nativePrepay(order));
    expect(r.ok).toBe(true);
    expect(r.attempts).toBe(2);
    const stats = s.sandbox!.wxpay.stats().byOrder[order.outTradeNo]!;
    expect(stats.prepay).toBe(2); // both reached WeChat …
    const again = await client().nativePrepay(order); // … and are one order
    expect(r.ok && again.codeUrl).toBe(r.ok ? r.value.codeUrl : null);
  });

  it('query after 503s and a slow body, close after a timeout; a vendor down for good fails after the bounded retries', async () => {
    const order = prepay(`FAULTQ${Date.now()}`);
    await client().nativePrepay(order);
    await reset();
    proxy.plan('http503', 'http503');
    const q = await measure(proxy, { vendor: 'WeChat Pay', call: 'query', fault: '503 ×2' }, () => client().queryOrder(order.outTradeNo));
    expect(q.ok && q.value?.trade_state).toBe('NOTPAY');
    expect(q.attempts).toBe(3);

    await reset();
    proxy.plan('slow');
    const slow = await measure(proxy, { vendor: 'WeChat Pay', call: 'query', fault: 'slow body' }, () =>
      client(5000).queryOrder(order.outTradeNo),
    );
    expect(slow.ok).toBe(true);

    await reset();
    proxy.plan('stall');
    const c = await measure(proxy, { vendor: 'WeChat Pay', call: 'close', fault: 'timeout ×1' }, () =>
      client().closeOrder(order.outTradeNo),
    );
    expect(c.ok && c.value).toBe('closed');
    expect(c.attempts).toBe(2);

    await reset();
    proxy.setDefault('http503');
    const down = await measure(proxy, { vendor: 'WeChat Pay', call: 'query', fault: '503 always' }, () =>
      client().queryOrder(order.outTradeNo),
    );
    expect(!down.ok && down.error).toMatchObject({ vendor: 'wechatpay', details: { status: 503, retryable: true } });
    expect(down.attempts).toBe(ATTEMPTS);
    proxy.setDefault('pass');
  });
});

describe('RunningHub (outputs/status/cancel retried; run never resent)', () => {
  const client = (timeoutMs = SHORT) =>
    new HttpRunningHubClient({
      baseUrl: `${proxy.url}/sandbox/runninghub`,
      apiKey: s.ctx.config.runninghub.apiKey,
      webappId: s.ctx.config.runninghub.webappId,
      timeoutMs,
      retry: RETRY,
    });
  let nodes: { nodeId: string; fieldName: string; fieldValue: string }[];
  beforeAll(async () => {
    await s.ctx.vendors.storage.put('input/faults/rh.jpg', await garmentJpeg(), 'image/jpeg');
    const url = s.ctx.vendors.storage.signedGetUrl('input/faults/rh.jpg', 3600);
    const n = s.ctx.config.runninghub.nodes;
    const split = (spec: string, fieldValue: string) => ({ nodeId: spec.split(':')[0]!, fieldName: spec.split(':')[1]!, fieldValue });
    nodes = [split(n.prompt, 'a model in the street'), split(n.image, url), split(n.seed, '42')];
  });
  const runs = () => s.sandbox!.runninghub.stats().run;

  it('run: a reset after RunningHub took the task and a 503 both fail at once, never resubmitted', async () => {
    await reset();
    const before = runs();
    proxy.plan('reset');
    const r = await measure(proxy, { vendor: 'RunningHub', call: 'run', fault: 'reset ×1' }, () => client().run(nodes));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toBeInstanceOf(VendorError);
    expect(r.attempts).toBe(1);
    expect(runs() - before).toBe(1); // it reached RunningHub once; nothing was sent again

    await reset();
    proxy.plan('http503');
    const u = await measure(proxy, { vendor: 'RunningHub', call: 'run', fault: '503 ×1' }, () => client().run(nodes));
    expect(!u.ok && u.error).toMatchObject({ vendor: 'runninghub', details: { status: 503 } });
    expect(u.attempts).toBe(1);
    expect(runs() - before).toBe(1);
  });

  it('outputs, status and cancel are retried through resets, 503s, slow bodies and timeouts', async () => {
    await reset();
    const started = await client().run(nodes);
    expect(started.kind).toBe('started');
    const taskId = started.kind === 'started' ? started.taskId : '';

    await reset();
    proxy.plan('reset', 'http503');
    const o = await measure(proxy, { vendor: 'RunningHub', call: 'outputs', fault: 'reset + 503' }, () => client().outputs(taskId));
    expect(o.ok).toBe(true);
    expect(o.attempts).toBe(3);

    await reset();
    proxy.plan('slow');
    const sl = await measure(proxy, { vendor: 'RunningHub', call: 'status', fault: 'slow body' }, () => client(5000).status(taskId));
    expect(sl.ok && ['QUEUED', 'RUNNING', 'SUCCESS']).toContain(sl.ok ? sl.value : '');

    await reset();
    proxy.plan('stall');
    const c = await measure(proxy, { vendor: 'RunningHub', call: 'cancel', fault: 'timeout ×1' }, () => client().cancel(taskId));
    expect(c.ok).toBe(true);
    expect(c.attempts).toBe(2);

    await reset();
    proxy.setDefault('reset');
    const down = await measure(proxy, { vendor: 'RunningHub', call: 'outputs', fault: 'reset always' }, () => client().outputs(taskId));
    expect(!down.ok && down.error).toMatchObject({ vendor: 'runninghub', details: { retryable: true } });
    expect(down.attempts).toBe(ATTEMPTS);
    proxy.setDefault('pass');
  });
});

describe('STS (qcloud-cos-sts over HTTPS: retried, with a timeout of our own)', () => {
  let fake: HttpsFake;
  let stsProxy: FaultProxy;
  const savedAgent = https.globalAgent;
  const expiredTime = () => Math.floor(Date.now() / 1000) + 1800;
  beforeAll(async () => {
    fake = await startHttpsFake('sts.tencentcloudapi.com');
    stsProxy = await startFaultProxy({ port: fake.port });
    // qcloud-cos-sts (axios) offers no agent option: trust the fake's CA process-wide
    https.globalAgent = new https.Agent({ ca: fake.ca });
    fake.respond = () => ({
      status: 200,
      body: {
        Response: { Credentials: { TmpSecretId: 'AKIDtmp', TmpSecretKey: 'k', Token: 't' }, ExpiredTime: expiredTime(), RequestId: 'r' },
      },
    });
  });
  afterAll(async () => {
    https.globalAgent = savedAgent;
    await stsProxy?.close();
    await fake?.close();
  });
  const issuer = () =>
    new QcloudStsIssuer({
      secretId: 'AKIDfault',
      secretKey: 'fault-key',
      region: 'ap-guangzhou',
      appId: '1250000000',
      bucket: 'b-1250000000',
      host: stsProxy.host,
      timeoutMs: SHORT,
      retry: RETRY,
    });

  it('a reset and a stall are retried; a 500 answer is retried; a vendor down for good is a 503 in Chinese for the merchant', async () => {
    stsProxy.plan('reset', 'stall');
    const r = await measure(stsProxy, { vendor: 'STS', call: 'GetFederationToken', fault: 'reset + timeout' }, () =>
      issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 }),
    );
    expect(r.ok).toBe(true);
    expect(r.attempts).toBe(3);

    let answered500 = false;
    const ok = fake.respond;
    fake.respond = (body) => {
      if (answered500) return ok(body);
      answered500 = true;
      return { status: 500, body: { message: 'internal' } };
    };
    const five = await measure(stsProxy, { vendor: 'STS', call: 'GetFederationToken', fault: '500 ×1' }, () =>
      issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 }),
    );
    expect(five.ok).toBe(true);
    fake.respond = ok;

    stsProxy.setDefault('stall');
    const down = await measure(stsProxy, { vendor: 'STS', call: 'GetFederationToken', fault: 'timeout always' }, () =>
      issuer().issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 }),
    );
    expect(!down.ok && down.error).toMatchObject({ vendor: 'sts', details: { code: 'TIMEOUT', retryable: true } });
    expect(down.attempts).toBe(ATTEMPTS);

    // the merchant's view: POST /storage/sts answers 503 with a Chinese message in the contract's shape
    const m = await loginAsMember(s.url);
    const real = s.ctx.vendors.sts;
    s.ctx.vendors.sts = issuer();
    try {
      const res = await call(s.url, 'POST', '/storage/sts', { token: m.token, body: {} });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: '上传服务暂时不可用，请稍后再试' });
      expect(res.body.error.requestId).toEqual(expect.any(String));
    } finally {
      s.ctx.vendors.sts = real;
      stsProxy.setDefault('pass');
    }
  });
});

describe('SMS (SendSms is not idempotent: only a refused connection is tried again)', () => {
  const HOST = 'sms.tencentcloudapi.com';
  let fake: HttpsFake;
  let smsProxy: FaultProxy;
  beforeAll(async () => {
    fake = await startHttpsFake(HOST);
    smsProxy = await startFaultProxy({ port: fake.port }, { dripBytes: 16, dripMs: 5 });
    fake.respond = (body) => {
      const phone = (JSON.parse(body) as { PhoneNumberSet: string[] }).PhoneNumberSet[0];
      return {
        status: 200,
        body: { Response: { SendStatusSet: [{ PhoneNumber: phone, Code: 'Ok', Message: 'send success' }], RequestId: 'r' } },
      };
    };
  });
  afterAll(async () => {
    await smsProxy?.close();
    await fake?.close();
  });
  const sender = (port: number) =>
    new TencentSmsSender({
      secretId: 'AKIDsms',
      secretKey: 'sms-key',
      region: 'ap-guangzhou',
      smsSdkAppId: '1400006666',
      signName: '爱照科技',
      templateId: '1234567',
      endpoint: `${HOST}:${port}`,
      agent: fake.agent,
      timeoutSeconds: 1,
      retry: RETRY,
    });

  it('a reset, a timeout and a 500 fail at once (the code may have been sent); a slow body arrives; a refused connection is retried', async () => {
    const sent = () => fake.received.length;
    const before = sent();
    // over TLS the proxy's reset comes during the handshake: nothing was sent, but the client cannot know that
    smsProxy.plan('reset');
    const early = await measure(smsProxy, { vendor: 'SMS', call: 'SendSms', fault: 'reset (TLS handshake)' }, () =>
      sender(smsProxy.port).sendLoginCode('13800138000', '111111', 5),
    );
    expect(early.ok).toBe(false);
    expect(early.attempts).toBe(1);
    expect(sent() - before).toBe(0);

    // Tencent took the request, then the connection dropped: it may have been sent, so it must not be resent
    const ok = fake.respond;
    fake.respond = () => 'hangup';
    const r = await measure(smsProxy, { vendor: 'SMS', call: 'SendSms', fault: 'hang-up after the request' }, () =>
      sender(smsProxy.port).sendLoginCode('13800138000', '111111', 5),
    );
    fake.respond = ok;
    expect(r.ok).toBe(false);
    expect(r.attempts).toBe(1);
    expect(sent() - before).toBe(1);

    smsProxy.plan('stall');
    const t = await measure(smsProxy, { vendor: 'SMS', call: 'SendSms', fault: 'timeout ×1' }, () =>
      sender(smsProxy.port).sendLoginCode('13800138000', '111111', 5),
    );
    expect(t.ok).toBe(false);
    expect(t.attempts).toBe(1);

    fake.respond = () => ({ status: 500, body: { message: 'internal' } });
    const five = await measure(smsProxy, { vendor: 'SMS', call: 'SendSms', fault: '500 ×1' }, () =>
      sender(smsProxy.port).sendLoginCode('13800138000', '111111', 5),
    );
    fake.respond = ok;
    expect(!five.ok && five.error).toMatchObject({ vendor: 'sms', details: { status: 500 } });
    expect(five.attempts).toBe(1);

    smsProxy.plan('slow');
    const slow = await measure(smsProxy, { vendor: 'SMS', call: 'SendSms', fault: 'slow body' }, () =>
      sender(smsProxy.port).sendLoginCode('13800138000', '111111', 5),
    );
    expect(slow.ok).toBe(true);

    // nothing listens: never connected, so nothing was sent, and it is tried again (then fails)
    const closed = await freePort();
    const refused = await measure(null, { vendor: 'SMS', call: 'SendSms', fault: 'connection refused' }, () =>
      sender(closed).sendLoginCode('13800138000', '111111', 5),
    );
    expect(refused.ok).toBe(false);
    expect(!refused.ok && smsNotSent(refused.error)).toBe(true);
    expect(!r.ok && smsNotSent(r.error)).toBe(false);
  });

  it('the merchant asking for a code while SMS fails gets a 503 in Chinese, and may ask again', async () => {
    const real = s.ctx.vendors.sms;
    s.ctx.vendors.sms = sender(smsProxy.port);
    smsProxy.setDefault('reset');
    try {
      const res = await call(s.url, 'POST', '/auth/sms-code', { body: { phone: '13900000077' } });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: '短信发送失败，请稍后再试' });
      smsProxy.setDefault('pass');
      const again = await call(s.url, 'POST', '/auth/sms-code', { body: { phone: '13900000077' } });
      expect(again.status, JSON.stringify(again.body)).toBe(200);
    } finally {
      s.ctx.vendors.sms = real;
      smsProxy.setDefault('pass');
    }
  });
});
