/**
 * The RunningHub client's wire handling against a scripted vendor server (answers the emulator never gives:
 * numeric task ids, node_errors, other queue codes, mixed outputs, broken transport) and its download guard.
 */
import type http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { HttpRunningHubClient } from '../../src/vendors/runninghub/client.js';
import { DEFAULT_DOWNLOAD_HOSTS, hostMatcher, hostPatternProblem } from '../../src/vendors/runninghub/download-hosts.js';
import { listen, type Listening } from './helpers.js';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('HttpRunningHubClient wire handling', () => {
  let vendor: Listening;
  let other: Listening;
  let reply: { status?: number; text: string; contentType?: string } = { text: '{}' };
  let seen: Seen[] = [];
  const apiKey = 'a'.repeat(32);
  const webappId = '1937035719658053634';
  let client: HttpRunningHubClient;

  beforeAll(async () => {
    other = await listen((_req, res) => void res.writeHead(200, { 'Content-Type': 'image/png' }).end('other-host'));
    vendor = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        seen.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('latin1') });
        if (path === '/files/ok.png') return void res.writeHead(200, { 'Content-Type': 'image/png' }).end('png-bytes');
        if (path === '/files/big.png') return void res.writeHead(200).end(Buffer.alloc(5000));
        if (path === '/files/chunked.png') {
          res.writeHead(200);
          for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1000));
          return void res.end();
        }
        if (path === '/files/redirect-same') return void res.writeHead(302, { Location: '/files/ok.png' }).end();
        if (path === '/files/redirect-other') {
          return void res.writeHead(302, { Location: `${other.origin.replace('127.0.0.1', 'localhost')}/x.png` }).end();
        }
        if (path === '/files/gone.png') return void res.writeHead(404).end();
        res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' }).end(reply.text);
      });
    });
    client = new HttpRunningHubClient({ baseUrl: `${vendor.origin}/`, apiKey, webappId, maxDownloadBytes: 4000 });
  });
  afterAll(async () => {
    await vendor?.close();
    await other?.close();
  });
  beforeEach(() => {
    seen = [];
  });

  const answer = (code: number, msg: string, data: unknown = null) => {
    reply = { text: JSON.stringify({ code, msg, data }) };
  };

  it('sends apiKey (body and Bearer), string webappId and string fieldValues, and keeps long task ids exact', async () => {
    // a numeric taskId in the JSON text must not lose precision
    reply = { text: '{"code":0,"msg":"success","data":{"taskId":1907035719658053634,"taskStatus":"RUNNING","promptTips":"{\\"result\\": true, \\"error\\": null, \\"outputs_to_execute\\": [\\"115\\"], \\"node_errors\\": {}}"}}' };
    const r = await client.run([
      { nodeId: '10', fieldName: 'image', fieldValue: 'https://bucket.cos.ap-guangzhou.myqcloud.com/in.jpg?q-sign=1' },
      { nodeId: '3', fieldName: 'seed', fieldValue: 12345 as unknown as string },
    ]);
    expect(r).toEqual({ kind: 'started', taskId: '1907035719658053634' });
    const req = seen[0]!;
    expect(req.path).toBe('/task/openapi/ai-app/run');
    expect(req.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers.host).toBe(new URL(vendor.origin).host);
    expect(JSON.parse(req.body)).toEqual({
      apiKey,
      webappId,
      nodeInfoList: [
        { nodeId: '10', fieldName: 'image', fieldValue: 'https://bucket.cos.ap-guangzhou.myqcloud.com/in.jpg?q-sign=1' },
        { nodeId: '3', fieldName: 'seed', fieldValue: '12345' },
      ],
    });
  });

  it('maps run answers: node_errors and other codes rejected, queue and concurrency limits queue_full', async () => {
    answer(0, 'success', {
      taskId: '1907035719658053634',
      promptTips: JSON.stringify({ result: false, node_errors: { '10': { errors: ['image missing'] } } }),
    });
    expect(await client.run([])).toMatchObject({ kind: 'rejected', code: 433 });
    for (const code of [421, 415, 814, 1003, 1520]) {
      answer(code, 'LIMIT');
      expect(await client.run([])).toEqual({ kind: 'queue_full', code, msg: 'LIMIT' });
    }
    answer(380, 'WORKFLOW_NOT_EXISTS');
    expect(await client.run([])).toEqual({ kind: 'rejected', code: 380, msg: 'WORKFLOW_NOT_EXISTS' });
    answer(0, 'success', { taskStatus: 'RUNNING' });
    await expect(client.run([])).rejects.toMatchObject({ details: { retryable: false } });
  });

  it('keeps image outputs only, stably sorted by numeric nodeId', async () => {
    answer(0, 'success', [
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/a.png', fileType: 'png', nodeId: '10', taskCostTime: '3' },
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/t.txt', fileType: 'txt', nodeId: '1' },
      { text: 'a caption', nodeId: '0' },
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/b.jpg', fileType: 'jpg', nodeId: 9 },
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/c.png', fileType: 'png', nodeId: '10' },
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/d.webp', nodeId: '2' },
      { fileUrl: 'https://rh-images.xiaoyaoyou.com/h/output/v.mp4', fileType: 'mp4', nodeId: '3' },
    ]);
    const r = await client.outputs('1907035719658053634');
    expect(r.kind === 'done' && r.files.map((f) => [f.nodeId, f.fileUrl.split('/').pop()])).toEqual([
      ['2', 'd.webp'],
      ['9', 'b.jpg'],
      ['10', 'a.png'],
      ['10', 'c.png'],
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({ apiKey, taskId: '1907035719658053634' });
  });

  it('maps outputs codes and builds a short failure reason', async () => {
    answer(804, 'APIKEY_TASK_IS_RUNNING');
    expect(await client.outputs('1')).toEqual({ kind: 'running' });
    answer(813, 'APIKEY_TASK_IS_QUEUED');
    expect(await client.outputs('1')).toEqual({ kind: 'queued' });
    answer(807, 'APIKEY_TASK_NOT_FOUND');
    expect(await client.outputs('1')).toEqual({ kind: 'not_found' });
    answer(805, 'APIKEY_TASK_STATUS_ERROR', {
      failedReason: {
        node_name: 'KSampler',
        node_id: '3',
        exception_type: 'torch.OutOfMemoryError',
        exception_message: 'CUDA out of memory. Tried to allocate 2.00 GiB\nmore details',
        traceback: ['...'],
      },
    });
    expect(await client.outputs('1')).toEqual({ kind: 'failed', reason: 'KSampler: CUDA out of memory. Tried to allocate 2.00 GiB' });
    answer(805, 'APIKEY_TASK_STATUS_ERROR', null);
    expect(await client.outputs('1')).toEqual({ kind: 'failed', reason: 'APIKEY_TASK_STATUS_ERROR' });
    answer(500, 'UNKNOWN_ERROR');
    await expect(client.outputs('1')).rejects.toMatchObject({ details: { code: '500', retryable: true } });
  });

  it('code 0 with an empty or missing data is not done: still running (success is `code == 0 and data`)', async () => {
    answer(0, 'success', []);
    expect(await client.outputs('1')).toEqual({ kind: 'running' });
    answer(0, 'success', null);
    expect(await client.outputs('1')).toEqual({ kind: 'running' });
    answer(0, 'success', { unexpected: true });
    await expect(client.outputs('1')).rejects.toMatchObject({ details: { code: '0', retryable: true } });
  });

  it('turns HTTP errors and non-JSON answers into retryable VendorErrors', async () => {
    reply = { status: 502, text: 'Bad Gateway', contentType: 'text/html' };
    const e1 = await client.outputs('1').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(VendorError);
    expect(e1).toMatchObject({ vendor: 'runninghub', details: { status: 502, retryable: true } });
    reply = { text: '<html>maintenance</html>', contentType: 'text/html' };
    await expect(client.status('1')).rejects.toMatchObject({ details: { retryable: true } });
    answer(0, '', 'RUNNING');
    expect(await client.status('1')).toBe('RUNNING');
  });

  it('uploads as multipart with apiKey, file and fileType=input', async () => {
    answer(0, 'success', { fileName: 'api/abc.png', fileType: 'input' });
    expect(await client.upload(Buffer.from('PNGDATA'), 'in.png')).toBe('api/abc.png');
    const req = seen[0]!;
    expect(req.path).toBe('/task/openapi/upload');
    expect(req.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(req.body).toMatch(/name="apiKey"\r\n\r\naaaa/);
    expect(req.body).toMatch(/name="file"; filename="in.png"\r\nContent-Type: image\/png\r\n\r\nPNGDATA/);
    expect(req.body).toMatch(/name="fileType"\r\n\r\ninput\r\n/);
    answer(809, 'APIKEY_FILE_SIZE_EXCEEDED');
    await expect(client.upload(Buffer.from('x'), 'in.png')).rejects.toMatchObject({ details: { code: '809', retryable: false } });
  });

  it('downloads only from allowed hosts, without following redirects elsewhere, within the size cap', async () => {
    expect((await client.download(`${vendor.origin}/files/ok.png`)).toString()).toBe('png-bytes');
    expect((await client.download(`${vendor.origin}/files/redirect-same`)).toString()).toBe('png-bytes');

    const refused = [
      'https://evil.example.com/x.png',
      `${other.origin}/x.png`, // same IP, other port: not the base URL's host
      'file:///etc/passwd',
      'https://rh-images.xiaoyaoyou.com.evil.example/x.png',
      'https://www.runninghub.cn.evil.example/x.png',
      'not a url',
    ];
    for (const url of refused) {
      await expect(client.download(url), url).rejects.toBeInstanceOf(VendorError);
    }
    seen = [];
    await expect(client.download(`${vendor.origin}/files/redirect-other`)).rejects.toThrow(/not allowed/);
    await expect(client.download(`${vendor.origin}/files/big.png`)).rejects.toThrow(/larger than 4000/);
    await expect(client.download(`${vendor.origin}/files/chunked.png`)).rejects.toThrow(/larger than 4000/);
    await expect(client.download(`${vendor.origin}/files/gone.png`)).rejects.toMatchObject({ details: { status: 404 } });

    const wildcard = new HttpRunningHubClient({
      baseUrl: 'https://www.runninghub.cn',
      apiKey,
      webappId,
      allowedDownloadHosts: ['*.runninghub.cn', new URL(other.origin).host],
    });
    expect((await wildcard.download(`${other.origin}/x.png`)).toString()).toBe('other-host');
    await expect(wildcard.download(`${vendor.origin}/files/ok.png`)).rejects.toThrow(/not allowed/);
  });
});

describe('download host patterns', () => {
  const allowed = hostMatcher(DEFAULT_DOWNLOAD_HOSTS);
  const ok = (host: string) => allowed(host, host.replace(/:\d+$/, ''));

  it("admit RunningHub's file hosts by default: rh-images.xiaoyaoyou.com, its COS buckets, its own domains", () => {
    for (const host of [
      'rh-images.xiaoyaoyou.com',
      'rh-images-1252422369.cos.ap-beijing.myqcloud.com',
      'rh-images-switch-1252422369.cos.ap-shanghai.myqcloud.com:443',
      'www.runninghub.cn',
      'a.b.runninghub.ai',
    ]) {
      expect(ok(host), host).toBe(true);
    }
  });

  it('refuse look-alikes and other buckets', () => {
    for (const host of [
      'rh-images-1252422369.cos.ap-beijing.myqcloud.com.evil.example',
      'evil-1252422360.cos.ap-beijing.myqcloud.com',
      '-1252422369.cos.ap-beijing.myqcloud.com',
      'rh-images-1252422369.cos..myqcloud.com',
      'runninghub.cn.evil.example',
      'xrunninghub.cn',
      'xiaoyaoyou.com',
      '127.0.0.1',
      'localhost',
    ]) {
      expect(ok(host), host).toBe(false);
    }
  });

  it('a pattern with a port matches that port only; one without, any port', () => {
    const m = hostMatcher(['files.example.com:8443', 'localhost']);
    expect(m('files.example.com:8443', 'files.example.com')).toBe(true);
    expect(m('files.example.com', 'files.example.com')).toBe(false);
    expect(m('localhost:51234', 'localhost')).toBe(true);
  });

  it('a pattern may not admit a whole domain', () => {
    for (const p of ['*', '*.com', '*.cn', 'a.*', 'files.*.com']) expect(hostPatternProblem(p), p).toMatch(/whole domain/);
    for (const p of ['a..b', 'host/path', 'http://x.com', 'x.com:99999']) expect(hostPatternProblem(p), p).not.toBeNull();
    for (const p of [...DEFAULT_DOWNLOAD_HOSTS, 'localhost', '127.0.0.1:8080']) expect(hostPatternProblem(p), p).toBeNull();
  });
});
