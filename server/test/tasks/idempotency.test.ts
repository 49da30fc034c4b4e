/**
 * clientRequestId: a retry answers 200 with the same task and charges nothing; a different body is 409 (after the
 * input checks, before the audit); ten simultaneous creates make one task and one deduction. SQLite and MariaDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { garmentJpeg, uploadInput, waitForTask } from '../support/client.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';
import { basicBody, charges, createTask, expectError, finish, type Merchant, modelBody, newMerchant, setAudit } from './helpers.js';

describe.each<DbKind>(MONEY_DBS)('idempotent task creation on %s', (db) => {
  let s: TestServer;
  let base: string;
  let m: Merchant;

  beforeAll(async () => {
    s = await startTestServer({ db });
    base = s.url;
    m = await newMerchant(base);
  });
  afterAll(() => finish(s, () => setAudit(base, 'pass')));

  it('the same clientRequestId again → 200 with the same task, charged once, whatever its state', async () => {
    const body = basicBody(m.inputKey, { clientRequestId: 'retry-1' });
    const first = await createTask(base, m.token, body);
    expect(first.status).toBe(201);
    expect(first.body.quotaRemaining).toBe(99);
    const again = await createTask(base, m.token, body);
    expect(again.status).toBe(200);
    expect(again.body.task.id).toBe(first.body.task.id);
    expect(again.body.quotaRemaining).toBe(99);

    const done = await waitForTask(base, m.token, first.body.task.id);
    expect(done.status).toBe('done');
    const late = await createTask(base, m.token, body);
    expect(late.status).toBe(200);
    expect(late.body.task).toMatchObject({ id: done.id, status: 'done' });
    expect(late.body.task.results.map((r: { kind: string }) => r.kind)).toEqual(['white', 'cutout']);
    expect(await charges(s, m)).toMatchObject({ quota: 99, deducts: 1, refunds: 0, tasks: 1 });
  });

  it('the same clientRequestId with a different body → 409 IDEMPOTENCY_CONFLICT, nothing charged', async () => {
    const otherKey = await uploadInput(base, m.token, await garmentJpeg(900, 900, '#b42b2b'));
    const model = await createTask(base, m.token, modelBody(m.inputKey, { clientRequestId: 'pose-1' }));
    expect(model.status).toBe(201);
    const before = await charges(s, m);
    for (const body of [
      basicBody(otherKey, { clientRequestId: 'retry-1' }),
      modelBody(m.inputKey, { clientRequestId: 'retry-1' }),
      modelBody(m.inputKey, { clientRequestId: 'pose-1', params: { scene: 'indoor', category: 'hoodie' } }),
      modelBody(m.inputKey, { clientRequestId: 'pose-1', params: { scene: 'street', category: 'coat' } }),
      basicBody(m.inputKey, { clientRequestId: 'pose-1' }),
    ]) {
      expectError(await createTask(base, m.token, body), 409, 'IDEMPOTENCY_CONFLICT');
    }
    // in the contract's order: input checks before the conflict, the conflict before the audit
    expectError(
      await createTask(base, m.token, basicBody(`input/${m.userId}/missing.jpg`, { clientRequestId: 'retry-1' })),
      400,
      'INVALID_INPUT',
    );
    try {
      await setAudit(base, 'reject');
      expectError(await createTask(base, m.token, basicBody(otherKey, { clientRequestId: 'retry-1' })), 409, 'IDEMPOTENCY_CONFLICT');
      // a retry of the accepted request is answered from the task, without a new audit
      const replay = await createTask(base, m.token, modelBody(m.inputKey, { clientRequestId: 'pose-1' }));
      expect(replay.status).toBe(200);
      expect(replay.body.task.id).toBe(model.body.task.id);
    } finally {
      await setAudit(base, 'pass');
    }
    expect(await charges(s, m)).toEqual(before);
  });

  it('a clientRequestId is unique per merchant, not across merchants', async () => {
    const other = await newMerchant(base);
    const r = await createTask(base, other.token, basicBody(other.inputKey, { clientRequestId: 'retry-1' }));
    expect(r.status).toBe(201);
    expect(r.body.quotaRemaining).toBe(99);
    expect(await charges(s, other)).toMatchObject({ deducts: 1, tasks: 1 });
  });

  it('10 simultaneous creates with one clientRequestId → one task, one deduction', async () => {
    const burst = await newMerchant(base);
    const body = basicBody(burst.inputKey, { clientRequestId: 'burst-1' });
    const answers = await Promise.all(Array.from({ length: 10 }, () => createTask(base, burst.token, body)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(answers.map((r) => r.body))).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.body.task.id)).size).toBe(1);
    expect(answers.every((r) => r.body.quotaRemaining === 99)).toBe(true);
    expect(await charges(s, burst)).toMatchObject({ quota: 99, deducts: 1, tasks: 1 });
  });

  it('10 simultaneous creates with different clientRequestIds → 10 tasks, 10 deductions, exact balance', async () => {
    const burst = await newMerchant(base);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createTask(base, burst.token, basicBody(burst.inputKey, { clientRequestId: `many-${i}` }))),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(answers.map((r) => r.body.quotaRemaining).sort((x, y) => x - y)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(await charges(s, burst)).toMatchObject({ quota: 90, deducts: 10, tasks: 10 });
  });
});
