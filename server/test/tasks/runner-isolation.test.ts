/**
 * One exception does not abort the whole runner pass: a step that throws is logged and the later steps still run,
 * and in a sweep one item that throws is skipped while the others are done. Failures are injected with Sequelize
 * hooks that throw for one task (or for one step's query); each test uses a fresh runner, whose first pass also runs
 * the slower sweeps.
 */
import type { FindOptions, UpdateOptions } from 'sequelize';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobRunner } from '../../src/jobs/runner.js';
import { aheadClock } from '../support/clock.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { created, finish, type Merchant, modelBody, newMerchant, setRh, taskLedger, taskRow } from './helpers.js';

const DAY = 86_400_000;
const INJECTED = 'injected failure';

describe.each<DbKind>(MONEY_DBS)('runner pass isolation on %s', (db) => {
  let s: TestServer;
  let m: Merchant;
  const clock = aheadClock();
  const hooks: ['beforeFind' | 'beforeBulkUpdate', string][] = [];

  beforeAll(async () => {
    s = await startTestServer({
      db,
      jobs: false,
      env: { RUNNINGHUB_QUEUE_DEADLINE: '1000', RESULT_RETENTION_DAYS: '30' },
      now: clock.now,
    });
    m = await newMerchant(s.url);
  });
  afterEach(() => {
    for (const [type, name] of hooks.splice(0)) s.db.models.Task.removeHook(type, name);
  });
  afterAll(() => finish(s));

  const whereOf = (o: FindOptions | UpdateOptions) => (o.where ?? {}) as Record<string, unknown>;
  /** every read and update of this task throws */
  function poisonTask(id: string) {
    const name = `poison-${id}`;
    const guard = (o: FindOptions | UpdateOptions) => {
      if (whereOf(o).id === id) throw new Error(INJECTED);
    };
    s.db.models.Task.addHook('beforeFind', name, guard);
    s.db.models.Task.addHook('beforeBulkUpdate', name, guard);
    hooks.push(['beforeFind', name], ['beforeBulkUpdate', name]);
  }
  const row = (id: string) => s.db.models.Task.findByPk(id, { rejectOnEmpty: true });
  const pastRetention = async (daysAgo: number) => {
    const finishedAt = new Date(clock.ms() - daysAgo * DAY);
    const seeded = taskRow({ userId: m.userId, finishedAt, createdAt: finishedAt, updatedAt: finishedAt });
    await s.db.models.Task.create(seeded);
    return seeded.id;
  };
  const onePass = async () => {
    const runner = createJobRunner(s.ctx);
    await runner.tick();
    await runner.idle();
  };

  it('one item that throws: the other overdue task is still failed and refunded, the other expired results still purged', async () => {
    await setRh(s.url, { mode: 'hang' });
    // two model tasks past the queue deadline, and two finished tasks past retention (the poisoned one first each time)
    const stuck = await created(s.url, m.token, modelBody(m.inputKey));
    const overdue = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'studio', category: 'shoes' } }));
    const oldest = await pastRetention(41);
    const old = await pastRetention(40);
    clock.skip(2000);
    poisonTask(stuck.id);
    poisonTask(oldest);

    await onePass();
    s.db.models.Task.removeHook('beforeFind', `poison-${stuck.id}`);

    expect(await row(overdue.id)).toMatchObject({ status: 'failed', errorReason: expect.stringMatching(/排队/) });
    expect(await taskLedger(s, overdue.id)).toEqual({ deduct: 1, refund: 1 });
    expect((await row(old)).resultsPurgedAt).not.toBeNull();
    expect(await row(stuck.id)).toMatchObject({ status: 'processing' });
    expect(await taskLedger(s, stuck.id)).toEqual({ deduct: 1, refund: 0 });
    expect(await s.db.models.Task.count({ where: { id: oldest, resultsPurgedAt: null } })).toBe(1);

    // once the fault is gone, the next pass does the skipped one
    for (const [type, name] of hooks.splice(0)) s.db.models.Task.removeHook(type, name);
    await onePass();
    expect((await row(oldest)).resultsPurgedAt).not.toBeNull();
  });

  it('one step that throws (the basic_clean claims): model submissions and the retention sweep still run', async () => {
    await setRh(s.url, { mode: 'hang' });
    const model = await created(s.url, m.token, modelBody(m.inputKey, { params: { scene: 'indoor', category: 'coat' } }));
    const old = await pastRetention(40);
    s.db.models.Task.addHook('beforeFind', 'poison-basic-clean', (o) => {
      if (whereOf(o).type === 'basic_clean') throw new Error(INJECTED);
    });
    hooks.push(['beforeFind', 'poison-basic-clean']);

    await onePass();

    expect((await row(model.id)).vendorTaskId).not.toBeNull();
    expect((await row(old)).resultsPurgedAt).not.toBeNull();
  });
});
