/**
 * On SQLite and MariaDB: a basic_clean task from a 12 MP photo gives its two results (the white JPEG and the
 * trimmed cut-out PNG ≤ 2000 px, checked on their pixels) for one 次, with CI's work files removed; tasks stored
 * before results had kinds answer the right kind; model_pose12 takes a model choice (validated, default 女, stored,
 * shown), which the prompt sent to RunningHub uses and no client ever sees.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATEGORIES, MODELS, type Task } from '@aizhao/shared';
import { buildPrompt } from '../../src/modules/tasks/prompts.js';
import { inspectCutout } from '../cos/helpers.js';
import { call, garmentJpeg, uploadInput, waitForTask } from '../support/client.js';
import { finish, startTestServer, type DbKind, type TestServer } from '../support/server.js';
import {
  basicBody,
  charges,
  created,
  createTask,
  expectError,
  getTask,
  modelBody,
  newMerchant,
  setRh,
  taskRow,
  type Merchant,
} from './helpers.js';

describe.each<DbKind>(['sqlite', 'mysql'])('results and model choice on %s', (db) => {
  let s: TestServer;
  let m: Merchant;
  beforeAll(async () => {
    // the model tasks here hang at RunningHub: enough slots that each one is submitted
    s = await startTestServer({ db, env: { RUNNINGHUB_MAX_CONCURRENCY: '20' } });
    m = await newMerchant(s.url);
    await setRh(s.url, { mode: 'hang' });
  });
  afterAll(() => finish(s));

  it('a 12 MP photo: the white JPEG and the trimmed cut-out ≤ 2000 px, one 次, no work files left', async () => {
    const before = await charges(s, m);
    const inputKey = await uploadInput(s.url, m.token, await garmentJpeg(4000, 3000));
    const done = await waitForTask(s.url, m.token, (await created(s.url, m.token, basicBody(inputKey))).id);
    expect(done.status).toBe('done');
    expect(done.results.map((r) => [r.kind, r.key])).toEqual([
      ['white', `output/${m.userId}/${done.id}/result.jpg`],
      ['cutout', `output/${m.userId}/${done.id}/cutout.png`],
    ]);
    const [white, cut] = await Promise.all(done.results.map(async (r) => Buffer.from(await (await fetch(r.url)).arrayBuffer())));
    expect(await sharp(white!).metadata()).toMatchObject({ format: 'jpeg', width: 800, height: 800 });
    const c = await inspectCutout(cut!);
    expect(c).toMatchObject({ format: 'png', hasAlpha: true, trimmed: true });
    // the garment is 64 % × 67 % of the photo, which CI capped at 2000 × 1500 before matting
    expect(Math.abs(c.width - 1280)).toBeLessThanOrEqual(8);
    expect(Math.abs(c.height - 1005)).toBeLessThanOrEqual(8);
    for (const key of [`work/${m.userId}/${done.id}/capped.jpg`, `work/${m.userId}/${done.id}/cutout.png`]) {
      expect(await s.ctx.vendors.storage.head(key)).toBeNull();
    }
    const after = await charges(s, m);
    expect(after.quota).toBe(before.quota - 1);
    expect(after.deducts - before.deducts).toBe(1);
  });

  it('tasks stored before kinds existed answer the kind their key and type say', async () => {
    const { Task: TaskModel } = s.db.models;
    const basic = taskRow({ userId: m.userId, type: 'basic_clean', params: {} });
    basic.resultKeys = [`output/${m.userId}/${basic.id}/result.jpg`];
    const pose = taskRow({ userId: m.userId });
    await TaskModel.bulkCreate([basic, pose]);
    expect((await getTask(s.url, m.token, basic.id)).results.map((r) => [r.kind, r.key])).toEqual([['white', basic.resultKeys[0]]]);
    expect((await getTask(s.url, m.token, pose.id)).results.map((r) => r.kind)).toEqual(['pose']);
  });

  it('model_pose12 stores the model chosen, female when none is, and refuses an unknown one in the contract shape', async () => {
    const plain = await created(s.url, m.token, modelBody(m.inputKey));
    expect(plain.params).toEqual({ scene: 'street', category: 'hoodie', model: 'female' });
    const kids = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'kids', model: 'child' } }));
    expect(kids.params).toEqual({ scene: 'studio', category: 'kids', model: 'child' });
    const row = await s.db.models.Task.findByPk(kids.id);
    expect(row?.params).toEqual({ scene: 'studio', category: 'kids', model: 'child' });
    const listed = await call<{ items: Task[] }>(s.url, 'GET', `/tasks?ids=${plain.id},${kids.id}`, { token: m.token });
    expect(listed.body.items.map((t) => t.params.model).sort()).toEqual(['child', 'female']);

    const before = await charges(s, m);
    const bad = await createTask(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'street', category: 'dress', model: 'robot' } }));
    expectError(bad, 400, 'INVALID_INPUT');
    expect(bad.body.error).toMatchObject({ message: expect.any(String), requestId: expect.any(String) });
    expect(bad.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'params.model' })]));
    const unknownCategory = await createTask(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'street', category: 'hats' } }));
    expectError(unknownCategory, 400, 'INVALID_INPUT');
    expect(await charges(s, m)).toEqual(before); // nothing charged for refused requests
  });

  it('a replay without the model is the same request as one naming the default; another model is a conflict', async () => {
    const body = modelBody(m.inputKey, { clientRequestId: `model-${db}` });
    const first = await createTask(s.url, m.token, body);
    expect(first.status).toBe(201);
    const explicit = await createTask(s.url, m.token, { ...body, params: { scene: 'street', category: 'hoodie', model: 'female' } });
    expect([explicit.status, explicit.body.task.id]).toEqual([200, first.body.task.id]);
    expectError(
      await createTask(s.url, m.token, { ...body, params: { scene: 'street', category: 'hoodie', model: 'male' } }),
      409,
      'IDEMPOTENCY_CONFLICT',
    );
  });

  it('the prompt sent to RunningHub names the model chosen; no answer to the client carries it', async () => {
    const rh = s.ctx.vendors.runninghub;
    const original = rh.run.bind(rh);
    const prompts: string[] = [];
    rh.run = (nodes) => {
      prompts.push(...nodes.map((n) => n.fieldValue).filter((v) => v.includes('fashion photography')));
      return original(nodes);
    };
    try {
      const male = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'indoor', category: 'shirt', model: 'male' } }));
      // other tests' tasks may be submitted meanwhile: this one's prompt is among those sent, whatever the order
      const expected = buildPrompt('indoor', 'shirt', 'male');
      await expect.poll(() => prompts.includes(expected), { timeout: 10_000 }).toBe(true);
      expect(expected).toContain('a male fashion model');
      const seen = JSON.stringify([male, await getTask(s.url, m.token, male.id), (await call(s.url, 'GET', '/client-config')).body]);
      expect(seen).not.toContain('fashion photography');
    } finally {
      rh.run = original;
    }
  });
});

describe('prompt templates', () => {
  it('every category with every model gives a complete prompt that names that model', () => {
    const words = { female: 'a female fashion model', male: 'a male fashion model', child: 'a child model' };
    for (const category of CATEGORIES) {
      for (const model of MODELS) {
        const p = buildPrompt('studio', category, model);
        expect(p).not.toContain('{model}');
        expect(p).toContain(words[model]);
        expect(p).toContain('professional studio photography');
      }
    }
    expect(buildPrompt('street', 'dress')).toBe(buildPrompt('street', 'dress', 'female')); // the default
    expect(buildPrompt('street', 'kids', 'child')).toMatch(/playing/);
    expect(buildPrompt('street', 'swimwear', 'female')).toMatch(/non-revealing/);
  });
});
