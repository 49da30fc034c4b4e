/**
 * TencentSmsSender with the real tencentcloud SDK against a local HTTPS server that plays sms.tencentcloudapi.com:
 * a self-signed certificate generated here, trusted through the sender's `agent` option, whose lookup sends
 * sms.tencentcloudapi.com to 127.0.0.1 (so the SDK signs exactly what it would sign for the real host).
 * The server checks the TC3-HMAC-SHA256 signature independently and answers in the official shape.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { TencentSmsSender, toE164, type TencentSmsSenderOptions } from '../../src/vendors/sms/tencent.js';

const HOST = 'sms.tencentcloudapi.com';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  signatureValid: boolean;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: Buffer | string, msg: string) => createHmac('sha256', key).update(msg).digest();

/** TC3-HMAC-SHA256 as documented by Tencent Cloud (signed headers content-type;host). */
function expectedAuthorization(secretId: string, secretKey: string, headers: Received['headers'], body: string): string {
  const timestamp = Number(headers['x-tc-timestamp']);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const hostname = String(headers.host).replace(/:\d+$/, '');
  const canonical = ['POST', '/', '', `content-type:${String(headers['content-type'])}`, `host:${hostname}`, '', 'content-type;host', sha256(body)].join('\n');
  const scope = `${date}/sms/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256(canonical)].join('\n');
  const signing = hmac(hmac(hmac(`TC3${secretKey}`, date), 'sms'), 'tc3_request');
  const signature = createHmac('sha256', signing).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

describe('TencentSmsSender over HTTPS', () => {
  const secretId = `AKID${randomBytes(16).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  let server: https.Server;
  let port: number;
  let agent: https.Agent;
  let received: Received[] = [];
  /** what the fake answers for a correctly signed request */
  let respond: (req: Received) => { status: number; body: unknown };

  const toLocalhost: LookupFunction = (hostname, options, callback) => {
    if (hostname !== HOST) {
      callback(Object.assign(new Error(`unexpected lookup ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    } else if (options.all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    } else {
      callback(null, '127.0.0.1', 4);
    }
  };

  const sender = (over: Partial<TencentSmsSenderOptions> = {}) =>
    new TencentSmsSender({
      secretId,
      secretKey,
      region: 'ap-guangzhou',
      smsSdkAppId: '1400006666',
      signName: '爱照科技',
      templateId: '1234567',
      endpoint: `${HOST}:${port}`,
      agent,
      timeoutSeconds: 5,
      ...over,
    });

  beforeAll(async () => {
    const pems = await generate([{ name: 'commonName', value: HOST }], {
      keySize: 2048,
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: HOST }] }],
    });
    server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const got: Received = { headers: req.headers, body, signatureValid: false };
        got.signatureValid = req.headers.authorization === expectedAuthorization(secretId, secretKey, req.headers, body);
        received.push(got);
        const requestId = randomUUID();
        const answer = got.signatureValid
          ? respond(got)
          : {
              status: 200,
              body: { Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'The provided credentials could not be validated.' } } },
            };
        const payload = answer.body as { Response?: Record<string, unknown> };
        if (payload.Response) payload.Response.RequestId = requestId;
        res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    agent = new https.Agent({ ca: pems.cert, lookup: toLocalhost, keepAlive: false });
  });
  afterAll(async () => {
    agent?.destroy();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  beforeEach(() => {
    received = [];
    respond = (req) => {
      const phone = (JSON.parse(req.body) as { PhoneNumberSet: string[] }).PhoneNumberSet[0];
      return {
        status: 200,
        body: {
          Response: {
            SendStatusSet: [
              {
                SerialNo: '5000:1045710669157053657849499619',
                PhoneNumber: phone,
                Fee: 1,
                SessionContext: '',
                Code: 'Ok',
                Message: 'send success',
                IsoCode: 'CN',
              },
            ],
          },
        },
      };
    };
  });

  it('sends a signed SendSms 2021-01-11 request with the code and its lifetime', async () => {
    await sender().sendLoginCode('13800138000', '482913', 5);
    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.headers.authorization).toMatch(
      new RegExp(`^TC3-HMAC-SHA256 Credential=${secretId}/\\d{4}-\\d{2}-\\d{2}/sms/tc3_request, SignedHeaders=content-type;host, Signature=[0-9a-f]{64}$`),
    );
    expect(req.signatureValid).toBe(true);
    expect(req.headers['x-tc-action']).toBe('SendSms');
    expect(req.headers['x-tc-version']).toBe('2021-01-11');
    expect(req.headers['x-tc-region']).toBe('ap-guangzhou');
    expect(Math.abs(Number(req.headers['x-tc-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    expect(req.headers.host).toBe(`${HOST}:${port}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      PhoneNumberSet: ['+8613800138000'],
      SmsSdkAppId: '1400006666',
      SignName: '爱照科技',
      TemplateId: '1234567',
      TemplateParamSet: ['482913', '5'],
    });
  });

  it('fails with the per-number code when the number is refused', async () => {
    respond = () => ({
      status: 200,
      body: {
        Response: {
          SendStatusSet: [
            {
              SerialNo: '',
              PhoneNumber: '+8613800138000',
              Fee: 0,
              SessionContext: '',
              Code: 'LimitExceeded.PhoneNumberDailyLimit',
              Message: 'the number of sms messages sent from a single mobile number every day exceeds the upper limit',
              IsoCode: 'CN',
            },
          ],
        },
      },
    });
    const err = await sender().sendLoginCode('+8613800138000', '111111', 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect(err).toMatchObject({ vendor: 'sms', details: { code: 'LimitExceeded.PhoneNumberDailyLimit', retryable: false } });
  });

  it('fails with the request-level error code (a wrong key gives AuthFailure.SignatureFailure)', async () => {
    const err = await sender({ secretKey: 'wrong' }).sendLoginCode('13800138000', '111111', 5).catch((e: unknown) => e);
    expect(received[0]?.signatureValid).toBe(false);
    expect(err).toBeInstanceOf(VendorError);
    expect(err).toMatchObject({ vendor: 'sms', details: { code: 'AuthFailure.SignatureFailure', retryable: false } });

    respond = () => ({
      status: 200,
      body: { Response: { Error: { Code: 'FailedOperation.SignatureIncorrectOrUnapproved', Message: 'sign unapproved' } } },
    });
    await expect(sender().sendLoginCode('13800138000', '111111', 5)).rejects.toMatchObject({
      details: { code: 'FailedOperation.SignatureIncorrectOrUnapproved' },
    });
  });

  it('fails retryably on HTTP 5xx, an untrusted certificate or no server', async () => {
    respond = () => ({ status: 502, body: 'bad gateway' });
    await expect(sender().sendLoginCode('13800138000', '111111', 5)).rejects.toMatchObject({
      vendor: 'sms',
      details: { status: 502, retryable: true },
    });

    // without our CA the TLS handshake must fail: the SDK really verifies the server
    const untrusted = new https.Agent({ lookup: toLocalhost });
    const tlsErr = await sender({ agent: untrusted }).sendLoginCode('13800138000', '111111', 5).catch((e: unknown) => e);
    expect(tlsErr).toMatchObject({ details: { retryable: true } });
    expect((tlsErr as Error).message).toMatch(/certificate/);
    untrusted.destroy();

    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(sender({ endpoint: `${HOST}:${closedPort}` }).sendLoginCode('13800138000', '111111', 5)).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('normalises mainland numbers to E.164', () => {
    expect(toE164('13800138000')).toBe('+8613800138000');
    expect(toE164('8613800138000')).toBe('+8613800138000');
    expect(toE164('008613800138000')).toBe('+8613800138000');
    expect(toE164('+85291234567')).toBe('+85291234567');
    expect(() => toE164('12345')).toThrow(VendorError);
  });
});
