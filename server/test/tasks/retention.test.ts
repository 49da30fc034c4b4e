/**
 * RESULT_RETENTION_DAYS on SQLite and MariaDB: a task that ended longer ago has its results and input photo deleted
 * from COS (the real storage client against the COS emulator; for basic_clean both the white JPEG and the cut-out), its history row stays with `results: []` and
 * `resultsExpired: true`; an input another recent task still uses is kept; a task within retention is untouched;
 * the sweep is idempotent and runs from the job runner; the ledger is not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredResults } from '../../src/jobs/retention.js';
import { call, garmentJpeg, loginAsMember, setRunningHub, uploadInput, waitForTask } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type DbKind, type TestServer } from '../support/server.js';

const DAY = 86_400_000;
const RETENTION_DAYS = 7;

describe.each<DbKind>(['sqlite', 'mysql'])('result retention on %s', (db) => {
  let s: TestServer;
  let offset = 0;
  let token: string;
  const exists = async (key: string) => (await s.ctx.vendors.storage.head(key)) !== null;
  const task = async (id: string) => (await call(s.url, 'GET', `/task/${id}`, { token })).body.task;
  const create = async (body: object) => (await call(s.url, 'POST', '/task/create', { token, body })).body.task.id as string;

  beforeAll(async () => {
    s = await startTestServer({ db, env: { RESULT_RETENTION_DAYS: String(RETENTION_DAYS) }, now: () => new Date(Date.now() + offset) });
    ({ token } = await loginAsMember(s.url));
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('tells the desktop how long results stay', async () => {
    const cfg = await call(s.url, 'GET', '/client-config');
    expect(cfg.body.resultRetentionDays).toBe(RETENTION_DAYS);
  });

  it('deletes results and input after the retention period, keeps the row, and keeps an input still in use', async () => {
    await setRunningHub(s.url, 'fail', 50);
    const oldInput = await uploadInput(s.url, token, await garmentJpeg());
    const sharedInput = await uploadInput(s.url, token, await garmentJpeg(1000, 1200, '#b4322b'));
    const old = await waitForTask(s.url, token, await create({ type: 'basic_clean', inputKey: oldInput }));
    const failed = await waitForTask(s.url, token, await create({ type: 'model_pose12', inputKey: sharedInput, params: { scene: 'studio', category: 'dress' } }));
    expect([old.status, failed.status]).toEqual(['done', 'failed']);
    // both results of basic_clean (the white JPEG and the cut-out PNG) are in COS, and both go
    const resultKeys = old.results.map((r) => r.key);
    expect(old.results.map((r) => r.kind)).toEqual(['white', 'cutout']);
    for (const key of resultKeys) expect(await exists(key)).toBe(true);

    offset = (RETENTION_DAYS - 1) * DAY; // within retention: nothing goes
    expect(await purgeExpiredResults(s.ctx)).toBe(0);
    // a newer task on the shared input, ending now (6 days after the failed one)
    const recent = await waitForTask(s.url, token, await create({ type: 'basic_clean', inputKey: sharedInput }));

    // the first two are past retention, the recent one is not (the runner may sweep some of them meanwhile: what
    // counts is the state once a sweep has returned)
    offset = (RETENTION_DAYS + 1) * DAY;
    await purgeExpiredResults(s.ctx);
    for (const key of resultKeys) expect(await exists(key)).toBe(false);
    expect(await exists(oldInput)).toBe(false);
    expect(await exists(sharedInput)).toBe(true); // the recent task still uses it
    for (const r of recent.results) expect(await exists(r.key)).toBe(true);

    const seen = await task(old.id);
    expect(seen).toMatchObject({ id: old.id, status: 'done', results: [], resultsExpired: true });
    expect(await task(recent.id)).toMatchObject({
      resultsExpired: false,
      results: recent.results.map((r) => ({ key: r.key, kind: r.kind })),
    });
    const list = await call(s.url, 'GET', '/tasks', { token });
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([recent.id, failed.id, old.id]); // history stays

    expect(await purgeExpiredResults(s.ctx)).toBe(0); // once only

    // when the recent one passes retention too, the shared input goes with it
    offset = (2 * RETENTION_DAYS + 1) * DAY;
    await purgeExpiredResults(s.ctx);
    expect(await task(recent.id)).toMatchObject({ resultsExpired: true, results: [] });
    expect(await exists(sharedInput)).toBe(false);
    for (const r of recent.results) expect(await exists(r.key)).toBe(false);
  });

  it('runs from the job runner', async () => {
    offset = 0;
    const inputKey = await uploadInput(s.url, token, await garmentJpeg());
    const done = await waitForTask(s.url, token, await create({ type: 'basic_clean', inputKey }));
    offset = (RETENTION_DAYS + 1) * DAY;
    await expect.poll(async () => (await task(done.id)).resultsExpired, { timeout: 10_000 }).toBe(true);
    for (const r of done.results) expect(await exists(r.key)).toBe(false);
    expect(await exists(inputKey)).toBe(false);
  });
});
