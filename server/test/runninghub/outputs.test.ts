/**
 * Where RunningHub's outputs come from and when they are there, end to end through the server. Output files are
 * served from rh-images.xiaoyaoyou.com in RunningHub's examples and from its own COS buckets
 * (`<name>-1252422369.cos.<region>.myqcloud.com`) as well: the emulator serves them from its API origin or from a
 * second listener standing for the bucket (addressed as `localhost`). A server that lists that host in
 * RUNNINGHUB_DOWNLOAD_HOSTS saves the results from both; with the default list (the client built as the server
 * builds it from the default configuration) the unlisted host is refused (the task fails, refunded). And `outputs` answering code 0 with an empty `data` is not done: the task is polled again
 * until the files are listed, or until RUNNINGHUB_TIMEOUT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { loadConfig } from '../../src/config.js';
import { HttpRunningHubClient } from '../../src/vendors/runninghub/client.js';
import { DEFAULT_DOWNLOAD_HOSTS } from '../../src/vendors/runninghub/download-hosts.js';
import { created, finish, type Merchant, modelBody, newMerchant, setRh, taskLedger, waitSubmitted } from '../tasks/helpers.js';

const TIMEOUT_MS = 8000;

describe('RunningHub output origins and empty outputs', () => {
  let s: TestServer;
  let m: Merchant;

  beforeAll(async () => {
    s = await startTestServer({
      env: { RUNNINGHUB_DOWNLOAD_HOSTS: ['localhost', ...DEFAULT_DOWNLOAD_HOSTS].join(','), RUNNINGHUB_TIMEOUT: String(TIMEOUT_MS) },
    });
    m = await newMerchant(s.url);
  });
  afterAll(() => finish(s));

  const vendorOutputs = async (srv: TestServer, id: string) =>
    (await srv.db.models.Task.findByPk(id, { rejectOnEmpty: true })).vendorOutputs ?? [];

  it('results served from the bucket origin (a listed host) and from the API origin are both saved', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300, outputOrigin: 'bucket' });
    const fromBucket = await created(s.url, m.token, modelBody(m.inputKey));
    await waitSubmitted(s.url, m.token, fromBucket.id); // the behaviour applies to tasks started afterwards
    await setRh(s.url, { mode: 'success', delayMs: 300, outputOrigin: 'api' });
    const fromApi = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'shoes' } }));
    const done = await Promise.all([waitForTask(s.url, m.token, fromBucket.id), waitForTask(s.url, m.token, fromApi.id)]);
    expect(done.map((t) => [t.status, t.results.length])).toEqual([
      ['done', 12],
      ['done', 12],
    ]);
    const bucketUrls = await vendorOutputs(s, fromBucket.id);
    const apiUrls = await vendorOutputs(s, fromApi.id);
    expect(bucketUrls.every((u) => new URL(u).hostname === 'localhost')).toBe(true);
    expect(apiUrls.every((u) => new URL(u).host === new URL(s.url).host)).toBe(true);
    expect(await taskLedger(s, fromBucket.id)).toEqual({ deduct: 1, refund: 0 });
  });

  it('with the default list, the unlisted host is refused: the task fails at once and is refunded', async () => {
    const rh = s.ctx.config.runninghub;
    const defaults = loadConfig({ DATA_DIR: s.dataDir }).runninghub.downloadHosts;
    expect(defaults).toEqual(DEFAULT_DOWNLOAD_HOSTS);
    const configured = s.ctx.vendors.runninghub;
    s.ctx.vendors.runninghub = new HttpRunningHubClient({
      baseUrl: rh.baseUrl,
      apiKey: rh.apiKey,
      webappId: rh.webappId,
      allowedDownloadHosts: [new URL(rh.baseUrl).host, ...defaults],
    });
    try {
      await setRh(s.url, { mode: 'success', delayMs: 300, outputOrigin: 'bucket' });
      const task = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'street', category: 'coat' } }));
      const failed = await waitForTask(s.url, m.token, task.id);
      expect(failed).toMatchObject({ status: 'failed', results: [], errorReason: expect.stringMatching(/保存生成结果失败/) });
      const row = await s.db.models.Task.findByPk(task.id, { rejectOnEmpty: true });
      expect(row.vendorError).toMatch(/host localhost:\d+ not allowed/);
      expect(row.saveAttempts).toBe(1); // refused outright, not retried
      expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
    } finally {
      s.ctx.vendors.runninghub = configured;
    }
  });

  it('code 0 with an empty data for a while: polled again, then done with the 12 results', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300, emptyOutputsMs: 1500 });
    const task = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'indoor', category: 'coat' } }));
    const done = await waitForTask(s.url, m.token, task.id);
    expect(done).toMatchObject({ status: 'done' });
    expect(done.results).toHaveLength(12);
    const row = await s.db.models.Task.findByPk(task.id, { rejectOnEmpty: true });
    // the files came at least emptyOutputsMs after the task ended at RunningHub
    expect(row.finishedAt!.getTime() - row.submittedAt!.getTime()).toBeGreaterThanOrEqual(300 + 1500 - 100);
  });

  it('code 0 with an empty data that never fills: the task times out (failed, refunded), not done with nothing', async () => {
    await setRh(s.url, { mode: 'success', delayMs: 300, emptyOutputsMs: 600_000 });
    const task = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'street', category: 'dress' } }));
    const failed = await waitForTask(s.url, m.token, task.id, TIMEOUT_MS + 10_000);
    expect(failed).toMatchObject({ status: 'failed', results: [], errorReason: expect.stringMatching(/超时/) });
    expect(await taskLedger(s, task.id)).toEqual({ deduct: 1, refund: 1 });
  });
});
