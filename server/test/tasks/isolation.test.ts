/**
 * Merchants are isolated: STS credentials write only under their own input prefix and read nothing; another
 * merchant's task is a 404 and never listed; another merchant's inputKey is refused.
 */
import type { ClientConfig, StsResponse, Task } from '@aizhao/shared';
import type COS from 'cos-nodejs-sdk-v5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, cosClientFor, garmentJpeg, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { basicBody, charges, created, createTask, expectError, finish, type Merchant, newMerchant } from './helpers.js';

let s: TestServer;
let base: string;
let a: Merchant;
let b: Merchant;
let cosA: COS;
let sts: StsResponse;
let taskA: Task;
let taskB: Task;

beforeAll(async () => {
  s = await startTestServer();
  base = s.url;
  [a, b] = await Promise.all([newMerchant(base), newMerchant(base)]);
  const cfg = (await call<ClientConfig>(base, 'GET', '/client-config')).body;
  sts = (await call<StsResponse>(base, 'POST', '/storage/sts', { token: a.token, body: {} })).body;
  expect(sts.allowPrefix).toBe(`input/${a.userId}/`);
  cosA = cosClientFor(cfg, sts);
  taskA = await created(base, a.token, basicBody(a.inputKey));
  taskB = await created(base, b.token, basicBody(b.inputKey));
  await Promise.all([waitForTask(base, a.token, taskA.id), waitForTask(base, b.token, taskB.id)]);
});
afterAll(() => finish(s));

const at = (key: string) => ({ Bucket: sts.bucket, Region: sts.region, Key: key });
async function cosStatus(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode;
  }
}

describe('STS credentials', () => {
  it('of A cannot write under B’s prefix (new object or overwrite) nor outside input/', async () => {
    const body = await garmentJpeg(600, 600, '#000000');
    const planted = `input/${b.userId}/planted.jpg`;
    expect(await cosStatus(cosA.putObject({ ...at(planted), Body: body, ContentType: 'image/jpeg' }))).toBe(403);
    expect(
      await cosStatus(cosA.putObject({ ...at(b.inputKey), Body: Buffer.from('not an image any more'), ContentType: 'image/jpeg' })),
    ).toBe(403);
    expect(
      await cosStatus(cosA.putObject({ ...at(`output/${a.userId}/${taskA.id}/result.jpg`), Body: body, ContentType: 'image/jpeg' })),
    ).toBe(403);
    expect(await cosStatus(cosA.putObject({ ...at(`input/${a.userId}x/y.jpg`), Body: body, ContentType: 'image/jpeg' }))).toBe(403);
    // nothing was written: B cannot use the planted key, and B's own input is still the image it was
    expectError(await createTask(base, b.token, basicBody(planted)), 400, 'INVALID_INPUT');
    const again = await created(base, b.token, basicBody(b.inputKey));
    expect((await waitForTask(base, b.token, again.id)).status).toBe('done');
  });

  it('of A can write under A’s prefix but read nothing, not even A’s own objects', async () => {
    expect(
      await cosStatus(cosA.putObject({ ...at(`input/${a.userId}/ok.jpg`), Body: await garmentJpeg(), ContentType: 'image/jpeg' })),
    ).toBe(200);
    expect(await cosStatus(cosA.getObject(at(a.inputKey)))).toBe(403);
    expect(await cosStatus(cosA.getObject(at(b.inputKey)))).toBe(403);
    expect(await cosStatus(cosA.headObject(at(b.inputKey)))).toBe(403);
    expect(await cosStatus(cosA.getObject(at(`output/${b.userId}/${taskB.id}/result.jpg`)))).toBe(403);
  });
});

describe('tasks', () => {
  it('B gets 404 NOT_FOUND on A’s task, exactly like on a task that does not exist', async () => {
    const foreign = await call(base, 'GET', `/task/${taskA.id}`, { token: b.token });
    const missing = await call(base, 'GET', `/task/01JZZZZZZZZZZZZZZZZZZZZZZZ`, { token: b.token });
    expectError(foreign, 404, 'NOT_FOUND');
    expectError(missing, 404, 'NOT_FOUND');
    expect(foreign.body.error.message).toBe(missing.body.error.message);
    expect((await call(base, 'GET', `/task/${taskA.id}`, { token: a.token })).status).toBe(200);
  });

  it('B never sees A’s task in /tasks, whatever the filter', async () => {
    const since = encodeURIComponent(new Date(Date.now() - 3600_000).toISOString());
    for (const q of ['', '?status=done', '?type=basic_clean', '?limit=100', `?updatedSince=${since}`]) {
      const r = await call(base, 'GET', `/tasks${q}`, { token: b.token });
      expect(r.status).toBe(200);
      const ids = r.body.items.map((t: Task) => t.id);
      expect(ids).toContain(taskB.id);
      expect(ids).not.toContain(taskA.id);
    }
    const byIds = await call(base, 'GET', `/tasks?ids=${taskA.id}`, { token: b.token });
    expect(byIds.status).toBe(200);
    expect(byIds.body.items).toEqual([]);
    const mixed = await call(base, 'GET', `/tasks?ids=${taskA.id},${taskB.id}`, { token: b.token });
    expect(mixed.body.items.map((t: Task) => t.id)).toEqual([taskB.id]);
  });

  it('B cannot create a task on A’s inputKey (400 INVALID_INPUT, nothing charged)', async () => {
    const before = await charges(s, b);
    const r = await createTask(base, b.token, basicBody(a.inputKey));
    expectError(r, 400, 'INVALID_INPUT');
    expect(r.body.error.details).toEqual([expect.objectContaining({ path: 'inputKey' })]);
    expectError(
      await createTask(base, b.token, { type: 'model_pose12', inputKey: a.inputKey, params: { scene: 'studio', category: 'coat' } }),
      400,
      'INVALID_INPUT',
    );
    expect(await charges(s, b)).toEqual(before);
  });
});
