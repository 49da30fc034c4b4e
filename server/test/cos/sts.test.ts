/** The upload policy, and both StsIssuers: the sandbox one, and qcloud-cos-sts against a local HTTPS fake of Tencent STS. */
import { createHmac } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QcloudStsIssuer, SandboxStsIssuer, UPLOAD_ACTIONS, buildUploadPolicy } from '../../src/vendors/cos/sts.js';
import { selfSignedCertificate } from '../support/https-fake.js';
import { startHarness, type Harness } from './helpers.js';

describe('buildUploadPolicy', () => {
  it('allows only the upload actions on the prefix, image content types and at most maxBytes, with the full bucket name and the APPID', () => {
    const policy = buildUploadPolicy({
      region: 'ap-guangzhou',
      appId: '1250000000',
      bucket: 'examplebucket-1250000000',
      allowPrefix: 'input/01J9ZX/',
      maxBytes: 20971520,
    });
    const resource = ['qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/input/01J9ZX/*'];
    const principal = { qcs: ['*'] };
    expect(policy).toEqual({
      version: '2.0',
      statement: [
        {
          effect: 'allow',
          principal,
          action: ['name/cos:PutObject'],
          resource,
          condition: { string_like: { 'cos:content-type': 'image/*' }, numeric_less_than_equal: { 'cos:content-length': 20971520 } },
        },
        { effect: 'allow', principal, action: ['name/cos:InitiateMultipartUpload'], resource, condition: { string_like: { 'cos:content-type': 'image/*' } } },
        { effect: 'allow', principal, action: ['name/cos:UploadPart'], resource, condition: { numeric_less_than_equal: { 'cos:content-length': 20971520 } } },
        {
          effect: 'allow',
          principal,
          action: ['name/cos:ListMultipartUploads', 'name/cos:ListParts', 'name/cos:CompleteMultipartUpload', 'name/cos:AbortMultipartUpload'],
          resource,
        },
      ],
    });
    expect(policy.statement.flatMap((st) => st.action).sort()).toEqual([...UPLOAD_ACTIONS].sort());
    expect(UPLOAD_ACTIONS.some((a) => /GetObject|DeleteObject|PostObject|\*/.test(a))).toBe(false);
  });

  it('refuses a prefix that would widen the grant', () => {
    const base = { region: 'ap-guangzhou', appId: '1250000000', bucket: 'b-1250000000' };
    expect(() => buildUploadPolicy({ ...base, maxBytes: 1000, allowPrefix: '' })).toThrow();
    expect(() => buildUploadPolicy({ ...base, maxBytes: 1000, allowPrefix: '/input/u1/' })).toThrow();
    expect(() => buildUploadPolicy({ ...base, maxBytes: 1000, allowPrefix: 'input/*/' })).toThrow();
  });
});

describe('SandboxStsIssuer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('issues distinct keys with Unix-second times, bounded like Tencent STS', async () => {
    const issuer = new SandboxStsIssuer(h.emulator);
    const a = await issuer.issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 });
    const b = await issuer.issue({ allowPrefix: 'input/u1/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 });
    expect(a.credentials.tmpSecretId).not.toBe(b.credentials.tmpSecretId);
    expect(a.credentials.sessionToken).not.toBe(b.credentials.sessionToken);
    expect(Math.abs(a.startTime - Date.now() / 1000)).toBeLessThan(5);
    expect(String(a.expiredTime)).toMatch(/^\d{10}$/);
    await expect(issuer.issue({ allowPrefix: 'input/u1/', durationSeconds: 7201, maxBytes: 20 * 1024 * 1024 })).rejects.toThrow();
    await expect(issuer.issue({ allowPrefix: '', durationSeconds: 60, maxBytes: 20 * 1024 * 1024 })).rejects.toThrow();
  });
});

describe('QcloudStsIssuer against a local HTTPS fake of Tencent STS', () => {
  const secretKey = 'sts-test-secret-key';
  let server: https.Server;
  let host: string;
  const savedAgent = https.globalAgent;
  const received: Record<string, string>[] = [];
  let answer: (p: Record<string, string>) => unknown;

  beforeAll(async () => {
    const pems = await selfSignedCertificate();
    server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const params = Object.fromEntries(new URLSearchParams(body));
        received.push({ ...params, _method: req.method ?? '', _path: req.url ?? '', _host: req.headers.host ?? '' });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer(params)));
      });
    });
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    // qcloud-cos-sts (axios) offers no agent option and always uses https://; trust the test CA process-wide.
    https.globalAgent = new https.Agent({ ca: pems.cert });
  });
  afterAll(async () => {
    https.globalAgent = savedAgent;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  const issuer = (): QcloudStsIssuer =>
    new QcloudStsIssuer({
      secretId: 'AKIDstsTest',
      secretKey,
      region: 'ap-shanghai',
      appId: '1250000000',
      bucket: 'prod-1250000000',
      host,
    });

  it('sends a signed GetFederationToken with the prefix policy and maps the answer', async () => {
    const expiredTime = Math.floor(Date.now() / 1000) + 1800;
    answer = () => ({
      Response: {
        Credentials: { TmpSecretId: 'AKIDtmp', TmpSecretKey: 'tmpKey', Token: 'tok' },
        ExpiredTime: expiredTime,
        Expiration: new Date(expiredTime * 1000).toISOString(),
        RequestId: 'req-1',
      },
    });
    const creds = await issuer().issue({ allowPrefix: 'input/u9/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 });
    expect(creds).toEqual({
      credentials: { tmpSecretId: 'AKIDtmp', tmpSecretKey: 'tmpKey', sessionToken: 'tok' },
      startTime: expiredTime - 1800,
      expiredTime,
    });

    const req = received.at(-1)!;
    expect(req).toMatchObject({ _method: 'POST', _path: '/', _host: host, Action: 'GetFederationToken', Version: '2018-08-13' });
    expect(req).toMatchObject({ SecretId: 'AKIDstsTest', DurationSeconds: '1800', Region: 'ap-shanghai' });
    const policy = JSON.parse(decodeURIComponent(req['Policy']!)) as ReturnType<typeof buildUploadPolicy>;
    expect(policy).toEqual(
      buildUploadPolicy({ region: 'ap-shanghai', appId: '1250000000', bucket: 'prod-1250000000', allowPrefix: 'input/u9/', maxBytes: 20 * 1024 * 1024 }),
    );
    // API v1 signature: base64 HMAC-SHA1 of POST<host>/?<sorted params>
    const { Signature, _method, _path, _host, ...signed } = req;
    const canonical = Object.keys(signed)
      .sort()
      .map((k) => `${k}=${signed[k]}`)
      .join('&');
    expect(Signature).toBe(createHmac('sha1', secretKey).update(`POST${host}/?${canonical}`).digest('base64'));
  });

  it('turns an STS error answer into a non-retryable VendorError', async () => {
    answer = () => ({ Response: { Error: { Code: 'AuthFailure.SignatureFailure', Message: 'bad signature' }, RequestId: 'req-2' } });
    await expect(issuer().issue({ allowPrefix: 'input/u9/', durationSeconds: 1800, maxBytes: 20 * 1024 * 1024 })).rejects.toMatchObject({
      name: 'VendorError',
      vendor: 'sts',
      details: { code: 'AuthFailure.SignatureFailure', retryable: false },
    });
  });
});
