/** Signature verification and the temporary-key policy of the sandbox COS emulator. */
import COS from 'cos-nodejs-sdk-v5';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeSignature } from '../../src/sandbox/cos/signature.js';
import { CosImageProcessor } from '../../src/vendors/cos/ci.js';
import { SandboxStsIssuer } from '../../src/vendors/cos/sts.js';
import { CosObjectStorage, responseContentTypeOf } from '../../src/vendors/cos/storage.js';
import type { TemporaryCredentials } from '../../src/vendors/types.js';
import { garmentJpeg, startHarness, type Harness } from './helpers.js';

let h: Harness;
let creds: TemporaryCredentials;
beforeAll(async () => {
  h = await startHarness();
  creds = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/A/', durationSeconds: 600, maxBytes: 20 * 1024 * 1024 });
  await h.cos.putObject({ ...at('input/A/existing.jpg'), Body: await garmentJpeg({ width: 200, height: 200 }), ContentType: 'image/jpeg' });
});
afterEach(() => {
  h.clock.offsetMs = 0;
});
afterAll(async () => {
  await h?.close();
});

const at = (key: string) => ({ Bucket: h.secrets.bucket, Region: h.secrets.region, Key: key });
const xml = new XMLParser();

/** Runs an SDK call that must fail; returns the SDK error. */
async function failure(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message: string; headers?: Record<string, string> }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode?: number; code?: string; message: string; headers?: Record<string, string> };
  }
  throw new Error('expected the call to fail');
}

function expectCosError(err: Awaited<ReturnType<typeof failure>>, status: number, code: string): void {
  expect(err.statusCode).toBe(status);
  expect(err.code).toBe(code);
  expect(err.headers?.['x-cos-request-id']).toBeTruthy();
}

describe('temporary credentials', () => {
  it('may write under their own prefix', async () => {
    const r = await h.tempCos(creds).putObject({ ...at('input/A/ok.jpg'), Body: Buffer.from('ok'), ContentType: 'image/jpeg' });
    expect(r.statusCode).toBe(200);
  });

  it('cannot write under another prefix (simple or multipart), nor list its uploads', async () => {
    const cos = h.tempCos(creds);
    expectCosError(await failure(cos.putObject({ ...at('input/B/x.jpg'), Body: Buffer.from('x') })), 403, 'AccessDenied');
    expectCosError(await failure(cos.putObject({ ...at('input/Ax.jpg'), Body: Buffer.from('x') })), 403, 'AccessDenied');
    expectCosError(await failure(cos.multipartInit(at('input/B/x.jpg'))), 403, 'AccessDenied');
    expectCosError(
      await failure(cos.multipartList({ Bucket: h.secrets.bucket, Region: h.secrets.region, Prefix: 'input/B/', Delimiter: '' })),
      403,
      'AccessDenied',
    );
    expect(await h.cos.headObject(at('input/B/x.jpg')).catch((e: { statusCode: number }) => e.statusCode)).toBe(404);
  });

  it('cannot read, head, delete or use CI, even under their own prefix', async () => {
    const cos = h.tempCos(creds);
    expectCosError(await failure(cos.getObject(at('input/A/existing.jpg'))), 403, 'AccessDenied');
    expect((await failure(cos.headObject(at('input/A/existing.jpg')))).statusCode).toBe(403);
    expectCosError(await failure(cos.deleteObject(at('input/A/existing.jpg'))), 403, 'AccessDenied');
    const ci = await failure(
      cos.request({
        ...at('input/A/existing.jpg'),
        Method: 'POST',
        Action: 'image_process',
        Headers: { 'Pic-Operations': JSON.stringify({ rules: [{ fileid: 'x.png', rule: 'ci-process=GoodsMatting' }] }) },
      }),
    );
    expectCosError(ci, 403, 'AccessDenied');
    expect((await h.cos.headObject(at('input/A/existing.jpg'))).statusCode).toBe(200);
  });

  it('are refused after they expire', async () => {
    const short = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/A/', durationSeconds: 60, maxBytes: 20 * 1024 * 1024 });
    expect((await h.tempCos(short).putObject({ ...at('input/A/t1.jpg'), Body: Buffer.from('1'), ContentType: 'image/jpeg' })).statusCode).toBe(200);
    h.clock.offsetMs = 61_000;
    const err = await failure(h.tempCos(short).putObject({ ...at('input/A/t2.jpg'), Body: Buffer.from('2'), ContentType: 'image/jpeg' }));
    expectCosError(err, 403, 'AccessDenied');
    expect(err.message).toMatch(/expired/);
  });

  it('need their own session token', async () => {
    const wrong = { ...creds, credentials: { ...creds.credentials, sessionToken: `${creds.credentials.sessionToken}x` } };
    expectCosError(await failure(h.tempCos(wrong).putObject({ ...at('input/A/w.jpg'), Body: Buffer.from('w') })), 403, 'AccessDenied');
    const noToken = new COS({
      SecretId: creds.credentials.tmpSecretId,
      SecretKey: creds.credentials.tmpSecretKey,
      Domain: h.endpoint.domain,
      Protocol: h.endpoint.protocol,
    });
    expectCosError(await failure(noToken.putObject({ ...at('input/A/w.jpg'), Body: Buffer.from('w') })), 403, 'AccessDenied');
    const otherKey = { ...creds, credentials: { ...creds.credentials, tmpSecretKey: 'not-the-key' } };
    expectCosError(
      await failure(h.tempCos(otherKey).putObject({ ...at('input/A/w.jpg'), Body: Buffer.from('w') })),
      403,
      'SignatureDoesNotMatch',
    );
  });
});

describe('signatures', () => {
  const url = (key: string, query = ''): string => `${h.baseUrl}/sandbox/cos/${key}${query}`;
  const sign = (key: string, query: Record<string, string> = {}): string =>
    h.cos.getAuth({ ...at(key), Method: 'GET', Query: query, Headers: { Host: new URL(h.baseUrl).host } });

  it('match the documented test vector (tencentcloud.com/document/product/436/7778)', () => {
    const sig = computeSignature({
      secretKey: 'SECRETEXAMPLE',
      keyTime: '1700000000;1700000900',
      signTime: '1700000000;1700000900',
      method: 'PUT',
      pathname: '/input/u1/a b.jpg',
      params: new Map(),
      headers: new Map([
        ['content-length', '13'],
        ['host', 'test-1250000000.cos.ap-guangzhou.myqcloud.com'],
        ['x-cos-meta-foo', 'bar'],
      ]),
    });
    expect(sig).toBe('f3d5e9dd3bb036995c5cb9f78377634835389e04');
  });

  it('a correct Authorization header is accepted; a tampered one gets 403 SignatureDoesNotMatch as COS XML', async () => {
    const auth = sign('input/A/existing.jpg');
    const ok = await fetch(url('input/A/existing.jpg'), { headers: { Authorization: auth } });
    expect(ok.status).toBe(200);
    const last = auth.at(-1) === '0' ? '1' : '0';
    const bad = await fetch(url('input/A/existing.jpg'), { headers: { Authorization: auth.slice(0, -1) + last } });
    expect(bad.status).toBe(403);
    const requestId = bad.headers.get('x-cos-request-id');
    expect(requestId).toBeTruthy();
    const body = xml.parse(await bad.text()) as { Error: Record<string, string> };
    expect(body.Error).toMatchObject({ Code: 'SignatureDoesNotMatch', RequestId: requestId });
    expect(body.Error.Message).toBeTruthy();
    expect(body.Error.Resource).toContain('input/A/existing.jpg');
  });

  it('a signature does not carry over to another key, another method or an added query parameter', async () => {
    await h.cos.putObject({ ...at('input/A/other.jpg'), Body: Buffer.from('o') });
    const auth = sign('input/A/existing.jpg');
    expect((await fetch(url('input/A/other.jpg'), { headers: { Authorization: auth } })).status).toBe(403);
    expect((await fetch(url('input/A/existing.jpg'), { method: 'DELETE', headers: { Authorization: auth } })).status).toBe(403);
    expect((await fetch(url('input/A/existing.jpg', '?uploadId=1'), { headers: { Authorization: auth } })).status).toBe(403);
    expect((await h.cos.headObject(at('input/A/existing.jpg'))).statusCode).toBe(200);
  });

  it('unknown keys and unsigned requests are refused, with a request id', async () => {
    const stranger = new COS({ SecretId: 'AKIDunknown', SecretKey: 'nope', Domain: h.endpoint.domain, Protocol: h.endpoint.protocol });
    expectCosError(await failure(stranger.getObject(at('input/A/existing.jpg'))), 403, 'InvalidAccessKeyId');
    const anon = await fetch(url('input/A/existing.jpg'));
    expect(anon.status).toBe(403);
    expect(anon.headers.get('x-cos-request-id')).toBeTruthy();
    expect((xml.parse(await anon.text()) as { Error: { Code: string } }).Error.Code).toBe('AccessDenied');
  });

  it('a request signed outside its time window is refused; the SDK corrects its clock from Date and succeeds', async () => {
    const auth = sign('input/A/existing.jpg');
    h.clock.offsetMs = 20 * 60_000;
    const stale = await fetch(url('input/A/existing.jpg'), { headers: { Authorization: auth } });
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain('Request has expired');
    const fresh = new COS({
      SecretId: h.secrets.secretId,
      SecretKey: h.secrets.secretKey,
      Domain: h.endpoint.domain,
      Protocol: h.endpoint.protocol,
    });
    expect((await fresh.getObject(at('input/A/existing.jpg'))).statusCode).toBe(200);
  });

  it('a presigned URL works, honours Range, and fails after its expiry', async () => {
    const { Url } = await new Promise<{ Url: string }>((resolve, reject) =>
      h.cos.getObjectUrl({ ...at('input/A/existing.jpg'), Sign: true, Expires: 60 }, (err, data) => (err ? reject(err) : resolve(data))),
    );
    const full = await h.cos.getObject(at('input/A/existing.jpg'));
    const ok = await fetch(Url);
    expect(ok.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await ok.arrayBuffer()), full.Body)).toBe(0);
    const part = await fetch(Url, { headers: { Range: 'bytes=2-9' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2-9/${full.Body.length}`);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), full.Body.subarray(2, 10))).toBe(0);
    expect((await fetch(Url, { headers: { Range: `bytes=${full.Body.length}-` } })).status).toBe(416);

    h.clock.offsetMs = 62_000;
    const late = await fetch(Url);
    expect(late.status).toBe(403);
    expect((xml.parse(await late.text()) as { Error: { Code: string } }).Error.Code).toBe('AccessDenied');
  });

  it('a presigned URL made with temporary credentials carries the token but still cannot read', async () => {
    const { Url } = await new Promise<{ Url: string }>((resolve, reject) =>
      h.tempCos(creds).getObjectUrl({ ...at('input/A/existing.jpg'), Sign: true }, (err, data) => (err ? reject(err) : resolve(data))),
    );
    expect(Url).toContain('x-cos-security-token=');
    expect((await fetch(Url)).status).toBe(403);
  });
});

describe('CI needs the permanent key', () => {
  it('CosImageProcessor with temporary keys as if they were permanent is refused', async () => {
    const ci = new CosImageProcessor({
      ...h.clientOptions,
      secretId: creds.credentials.tmpSecretId,
      secretKey: creds.credentials.tmpSecretKey,
    });
    await expect(ci.goodsMatting('input/A/existing.jpg', 'work/A/x.png')).rejects.toMatchObject({ vendor: 'ci', details: { status: 403 } });
  });
});

describe('upload conditions of the temporary key (image content types, at most maxBytes)', () => {
  let small: TemporaryCredentials;
  beforeAll(async () => {
    small = await new SandboxStsIssuer(h.emulator).issue({ allowPrefix: 'input/C/', durationSeconds: 600, maxBytes: 4096 });
  });

  it('refuses a simple upload that is not an image type, or larger than maxBytes; takes an image within it', async () => {
    const cos = h.tempCos(small);
    const html = Buffer.from('<html><script>fetch("/admin/api/session")</script></html>');
    expectCosError(await failure(cos.putObject({ ...at('input/C/evil.jpg'), Body: html, ContentType: 'text/html' })), 403, 'AccessDenied');
    expectCosError(await failure(cos.putObject({ ...at('input/C/evil.jpg'), Body: html })), 403, 'AccessDenied'); // no type at all
    expectCosError(
      await failure(cos.putObject({ ...at('input/C/big.jpg'), Body: Buffer.alloc(4097, 1), ContentType: 'image/jpeg' })),
      403,
      'AccessDenied',
    );
    expect((await cos.putObject({ ...at('input/C/ok.jpg'), Body: Buffer.alloc(4096, 1), ContentType: 'image/jpeg' })).statusCode).toBe(200);
    expect(await h.cos.headObject(at('input/C/evil.jpg')).catch((e: { statusCode: number }) => e.statusCode)).toBe(404);
  });

  it('refuses a multipart upload of another type at its start, and a part larger than maxBytes', async () => {
    const cos = h.tempCos(small);
    expectCosError(await failure(cos.multipartInit({ ...at('input/C/evil.png'), ContentType: 'text/html' })), 403, 'AccessDenied');
    const init = await cos.multipartInit({ ...at('input/C/parts.png'), ContentType: 'image/png' });
    expectCosError(
      await failure(cos.multipartUpload({ ...at('input/C/parts.png'), UploadId: init.UploadId, PartNumber: 1, Body: Buffer.alloc(4097, 2) })),
      403,
      'AccessDenied',
    );
    const part = await cos.multipartUpload({ ...at('input/C/parts.png'), UploadId: init.UploadId, PartNumber: 1, Body: Buffer.alloc(4000, 2) });
    const done = await cos.multipartComplete({ ...at('input/C/parts.png'), UploadId: init.UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
    expect(done.statusCode).toBe(200);
  });

  it('serves every object as an inert download, with the type a signed URL pins', async () => {
    // an object stored as text/html (e.g. before the conditions existed) is still never run as a page
    await h.cos.putObject({ ...at('input/C/legacy.jpg'), Body: Buffer.from('<script>alert(1)</script>'), ContentType: 'text/html' });
    const storage = new CosObjectStorage(h.clientOptions);
    const url = storage.signedGetUrl('input/C/legacy.jpg', 600);
    expect(new URL(url).searchParams.get('response-content-type')).toBe('image/jpeg');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-disposition')).toBe('attachment');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(responseContentTypeOf('output/u/t/pose01.jpg')).toBe('image/jpeg');
    expect(responseContentTypeOf('input/u/a.WEBP')).toBe('image/webp');
    expect(responseContentTypeOf('input/u/a.html')).toBe('application/octet-stream');
  });
});
