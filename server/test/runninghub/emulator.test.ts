/** The real RunningHub client against the RunningHub emulator over real HTTP. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { HttpRunningHubClient } from '../../src/vendors/runninghub/client.js';
import type { RhOutputsResult } from '../../src/vendors/types.js';
import {
  NODES,
  fakeClock,
  garmentJpeg,
  startEmulator,
  startImageServer,
  testSecrets,
  until,
  type Listening,
} from './helpers.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const SORTED_NODE_IDS = ['8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19'];

const nodeInfo = (image: string) => [
  { nodeId: '6', fieldName: 'text', fieldValue: 'a model wearing the garment, street photo' },
  { nodeId: '10', fieldName: 'image', fieldValue: image },
  { nodeId: '3', fieldName: 'seed', fieldValue: '8472619305' },
];

describe('RunningHub emulator with the real client', () => {
  const secrets = testSecrets();
  const clock = fakeClock();
  let dataDir: string;
  let jpeg: Buffer;
  let images: Listening;
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  let client: HttpRunningHubClient;
  let garmentUrl: string;
  let succeededTaskId = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aizhao-rh-'));
    jpeg = await garmentJpeg();
    images = await startImageServer(jpeg);
    // shaped like a presigned COS URL
    garmentUrl = `${images.origin}/garment.jpg?q-sign-algorithm=sha1&q-ak=AKID&q-signature=abc123`;
    emu = await startEmulator({ dataDir, secrets, nodes: NODES, now: clock.now });
    client = new HttpRunningHubClient({ baseUrl: emu.baseUrl, ...secrets, timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await emu?.emulator.stop();
    await emu?.close();
    await images?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function started(image = garmentUrl): Promise<string> {
    const r = await client.run(nodeInfo(image));
    if (r.kind !== 'started') throw new Error(`run answered ${JSON.stringify(r)}`);
    return r.taskId;
  }
  const settled = (taskId: string, c = client) =>
    until(
      () => c.outputs(taskId),
      (r: RhOutputsResult) => r.kind !== 'running',
    );

  it('runs a task: queued, running, then 12 PNG outputs in nodeId order', async () => {
    emu.emulator.setBehaviour({ mode: 'success', delayMs: 800 });
    const taskId = await started();
    expect(taskId).toMatch(/^\d{19}$/);

    expect(await client.outputs(taskId)).toEqual({ kind: 'queued' });
    expect(await client.status(taskId)).toBe('QUEUED');
    clock.advance(300);
    expect(await client.outputs(taskId)).toEqual({ kind: 'running' });
    expect(await client.status(taskId)).toBe('RUNNING');
    clock.advance(600);

    const done = await settled(taskId);
    if (done.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.files.map((f) => f.nodeId)).toEqual(SORTED_NODE_IDS);
    expect(await client.status(taskId)).toBe('SUCCESS');

    // the emulator answers in a shuffled order: the client's numeric-aware sort is what orders them
    const raw = (await (
      await fetch(`${emu.baseUrl}/task/openapi/outputs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiKey: secrets.apiKey, taskId }),
      })
    ).json()) as { code: number; data: { nodeId: string; fileUrl: string; fileType: string }[] };
    expect(raw.code).toBe(0);
    expect(raw.data.map((f) => f.nodeId)).not.toEqual(SORTED_NODE_IDS);
    expect([...raw.data.map((f) => f.nodeId)].sort((a, b) => Number(a) - Number(b))).toEqual(SORTED_NODE_IDS);

    const hashes = new Set<string>();
    for (const file of done.files) {
      expect(file.fileType).toBe('png');
      expect(file.fileUrl.startsWith(`${emu.baseUrl}/output/${taskId}/`)).toBe(true);
      const png = await client.download(file.fileUrl);
      expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 768, 1024]);
      hashes.add(createHash('sha256').update(png).digest('hex'));
    }
    expect(hashes.size).toBe(12);
    succeededTaskId = taskId;
  });

  it('fails a task with a readable reason in fail mode', async () => {
    emu.emulator.setBehaviour({ mode: 'fail', delayMs: 200 });
    const taskId = await started();
    expect(await client.outputs(taskId)).toEqual({ kind: 'queued' });
    clock.advance(250);
    const r = await client.outputs(taskId);
    expect(r.kind).toBe('failed');
    expect(r.kind === 'failed' && r.reason).toMatch(/^KSampler: .*fail/);
    expect(await client.status(taskId)).toBe('FAILED');
  });

  it('keeps a task running forever in hang mode', async () => {
    emu.emulator.setBehaviour({ mode: 'hang', delayMs: 100 });
    const taskId = await started();
    clock.advance(3_600_000);
    expect(await client.outputs(taskId)).toEqual({ kind: 'running' });
    expect(await client.status(taskId)).toBe('RUNNING');
  });

  it('answers queue full for the next n runs, then starts', async () => {
    emu.emulator.setBehaviour({ mode: 'success', delayMs: 100, queueFullTimes: 2 });
    expect(await client.run(nodeInfo(garmentUrl))).toEqual({ kind: 'queue_full', code: 421, msg: 'TASK_QUEUE_MAXED' });
    expect(await client.run(nodeInfo(garmentUrl))).toEqual({ kind: 'queue_full', code: 421, msg: 'TASK_QUEUE_MAXED' });
    expect((await client.run(nodeInfo(garmentUrl))).kind).toBe('started');
  });

  it('rejects a wrong apiKey, webappId or node info', async () => {
    emu.emulator.setBehaviour({ mode: 'success', delayMs: 100 });
    const wrongKey = new HttpRunningHubClient({ baseUrl: emu.baseUrl, apiKey: 'f'.repeat(32), webappId: secrets.webappId });
    expect(await wrongKey.run(nodeInfo(garmentUrl))).toEqual({ kind: 'rejected', code: 802, msg: 'APIKEY_UNAUTHORIZED' });
    await expect(wrongKey.outputs('1234567890123456789')).rejects.toMatchObject({ vendor: 'runninghub', details: { code: '802' } });

    const wrongApp = new HttpRunningHubClient({ baseUrl: emu.baseUrl, apiKey: secrets.apiKey, webappId: '1' });
    expect(await wrongApp.run(nodeInfo(garmentUrl))).toMatchObject({ kind: 'rejected', code: 901 });

    const unknownNode = [...nodeInfo(garmentUrl), { nodeId: '99', fieldName: 'text', fieldValue: 'x' }];
    expect(await client.run(unknownNode)).toMatchObject({ kind: 'rejected', code: 803 });
    const unknownField = nodeInfo(garmentUrl).map((n) => (n.nodeId === '3' ? { ...n, fieldName: 'noise_seed' } : n));
    expect(await client.run(unknownField)).toMatchObject({ kind: 'rejected', code: 803 });
    expect(await client.run(nodeInfo(garmentUrl).slice(0, 2))).toMatchObject({ kind: 'rejected', code: 803 });

    // a non-string fieldValue (the client always sends strings, so send this one by hand)
    const res = await fetch(`${emu.baseUrl}/task/openapi/ai-app/run`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiKey: secrets.apiKey,
        webappId: secrets.webappId,
        nodeInfoList: nodeInfo(garmentUrl).map((n) => (n.nodeId === '3' ? { ...n, fieldValue: 8472619305 } : n)),
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ code: 803, msg: 'APIKEY_INVALID_NODE_INFO' });
  });

  it('fails the task when the input image cannot be fetched or is not an image', async () => {
    emu.emulator.setBehaviour({ mode: 'success', delayMs: 100 });
    const missing = await started(`${images.origin}/missing.jpg?q-signature=secret`);
    const notImage = await started(`${images.origin}/not-an-image.jpg`);
    clock.advance(150);
    const a = await settled(missing);
    expect(a.kind).toBe('failed');
    expect(a.kind === 'failed' && a.reason).toMatch(/^LoadImage: .*HTTP 404/);
    expect(a.kind === 'failed' && a.reason).not.toContain('secret');
    const b = await settled(notImage);
    expect(b.kind === 'failed' && b.reason).toMatch(/^LoadImage: Cannot identify image file/);
  });

  it('accepts an uploaded image fileName as the image value', async () => {
    emu.emulator.setBehaviour({ mode: 'success', delayMs: 100 });
    const fileName = await client.upload(jpeg, 'garment.jpg');
    expect(fileName).toMatch(/^api\/[0-9a-f]{32}\.jpg$/);
    const taskId = await started(fileName);
    clock.advance(150);
    const r = await settled(taskId);
    expect(r.kind === 'done' && r.files.length).toBe(12);

    const bogus = await started('api/00000000000000000000000000000000.png');
    clock.advance(150);
    expect((await settled(bogus)).kind).toBe('failed');

    const wrongKey = new HttpRunningHubClient({ baseUrl: emu.baseUrl, apiKey: 'e'.repeat(32), webappId: secrets.webappId });
    await expect(wrongKey.upload(jpeg, 'garment.jpg')).rejects.toBeInstanceOf(VendorError);
  });

  it('answers not_found for an unknown task and cancels a running one', async () => {
    expect(await client.outputs('1000000000000000001')).toEqual({ kind: 'not_found' });
    emu.emulator.setBehaviour({ mode: 'hang', delayMs: 100 });
    const taskId = await started();
    const res = await fetch(`${emu.baseUrl}/task/openapi/cancel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiKey: secrets.apiKey, taskId }),
    });
    expect(await res.json()).toEqual({ code: 0, msg: 'success', data: null });
    expect(await client.outputs(taskId)).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/cancelled/) });
  });

  it('counts run calls and outputs/status queries, per task too', async () => {
    emu.emulator.setBehaviour({ mode: 'hang', delayMs: 100 });
    const before = emu.emulator.stats();
    const taskId = await started();
    expect(emu.emulator.stats().byTask[taskId]).toEqual({ queries: 0 });
    await client.outputs(taskId);
    await client.outputs(taskId);
    await client.status(taskId);
    await client.outputs(taskId);
    await client.outputs('1000000000000000002'); // unknown: counts in the total only
    const after = emu.emulator.stats();
    expect(after.run).toBe(before.run + 1);
    expect(after.queries).toBe(before.queries + 5);
    expect(after.byTask[taskId]).toEqual({ queries: 4 });
    expect(after.byTask['1000000000000000002']).toBeUndefined();
  });

  it('keeps tasks, outputs, stats and behaviour across a restart', async () => {
    expect(succeededTaskId).not.toBe('');
    emu.emulator.setBehaviour({ mode: 'fail', delayMs: 500 });
    const pending = await started(); // still queued when the emulator "restarts"
    const statsBefore = emu.emulator.stats();
    await emu.close();

    emu = await startEmulator({ dataDir, secrets, nodes: NODES, now: clock.now });
    client = new HttpRunningHubClient({ baseUrl: emu.baseUrl, ...secrets });
    expect(emu.emulator.stats()).toEqual(statsBefore);

    const done = await client.outputs(succeededTaskId);
    if (done.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.files.map((f) => f.nodeId)).toEqual(SORTED_NODE_IDS);
    const png = await client.download(done.files[0]!.fileUrl);
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);

    expect(await client.outputs(pending)).toEqual({ kind: 'queued' });
    clock.advance(600);
    expect((await client.outputs(pending)).kind).toBe('failed');

    // the behaviour set before the restart still applies
    const next = await started();
    clock.advance(600);
    expect((await client.outputs(next)).kind).toBe('failed');
    expect(emu.emulator.stats().byTask[pending]).toEqual({ queries: 2 });
  });

  it('slow answers, code 0 with empty data, outputs from a second origin (the COS bucket), failing downloads', async () => {
    emu.emulator.setBehaviour({
      mode: 'success',
      delayMs: 400,
      emptyOutputsMs: 1000,
      outputOrigin: 'bucket',
      outputsDelayMs: 300,
      downloadFailures: 1,
    });
    const taskId = await started();
    clock.advance(500);
    const raw = async () => {
      const res = await fetch(`${emu.baseUrl}/task/openapi/outputs`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiKey: secrets.apiKey, taskId }),
      });
      return (await res.json()) as { code: number; data: unknown };
    };
    // finished (once rendered), but the files are not listed yet
    const empty = await until(raw, (a) => a.code === 0, 10_000);
    expect(empty).toEqual({ code: 0, msg: 'success', data: [] });
    const t0 = performance.now();
    expect(await client.outputs(taskId)).toEqual({ kind: 'running' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290); // held back by outputsDelayMs

    clock.advance(1000);
    const done = await client.outputs(taskId);
    if (done.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    const bucket = new URL(done.files[0]!.fileUrl);
    expect(bucket.hostname).toBe('localhost');
    expect(bucket.host).not.toBe(new URL(emu.baseUrl).host);
    expect(done.files.every((f) => new URL(f.fileUrl).host === bucket.host)).toBe(true);

    // the API's own host is allowed by default, the bucket stand-in only when listed
    await expect(client.download(done.files[0]!.fileUrl)).rejects.toThrow(/host localhost:\d+ not allowed/);
    const listed = new HttpRunningHubClient({
      baseUrl: emu.baseUrl,
      ...secrets,
      allowedDownloadHosts: [new URL(emu.baseUrl).host, 'localhost'],
    });
    await expect(listed.download(done.files[0]!.fileUrl)).rejects.toMatchObject({ details: { status: 503, retryable: true } });
    const png = await listed.download(done.files[0]!.fileUrl);
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
  });

  it('counts cancel calls, in all and per task', async () => {
    emu.emulator.setBehaviour({ mode: 'hang', delayMs: 100 });
    const taskId = await started();
    const before = emu.emulator.stats();
    await client.cancel(taskId);
    await client.cancel(taskId);
    await client.cancel('1000000000000000003'); // unknown: 807, counted in the total only
    const after = emu.emulator.stats();
    expect(after.cancel).toBe(before.cancel + 3);
    expect(after.cancels[taskId]).toBe(2);
    expect(after.cancels['1000000000000000003']).toBeUndefined();
  });
});
