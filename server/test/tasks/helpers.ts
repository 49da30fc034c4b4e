/** Shared steps of the task tests: creating tasks, reading what a merchant was charged, RunningHub stats, waiting. */
import { expect } from 'vitest';
import type { Task } from '@aizhao/shared';
import { call, garmentJpeg, loginAsMember, uploadInput, type ApiResponse } from '../support/client.js';
import type { TestServer } from '../support/server.js';
import type { CreationAttributes } from 'sequelize';
import type { Task as TaskModel } from '../../src/db/models.js';
import { newId } from '../../src/lib/ids.js';
import type { RhBehaviour, RhStats as EmulatorStats } from '../../src/sandbox/runninghub/index.js';

export { finish } from '../support/server.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Merchant {
  token: string;
  userId: string;
  /** a valid garment JPEG uploaded under the merchant's prefix */
  inputKey: string;
}

/** A merchant with a paid membership and one uploaded garment photo. */
export async function newMerchant(base: string): Promise<Merchant> {
  const who = await loginAsMember(base);
  return { token: who.token, userId: who.userId, inputKey: await uploadInput(base, who.token, await garmentJpeg()) };
}

export type CreateBody = Record<string, unknown>;
export const createTask = (base: string, token: string, body: CreateBody): Promise<ApiResponse> =>
  call(base, 'POST', '/task/create', { token, body });
export const basicBody = (inputKey: string, extra: CreateBody = {}): CreateBody => ({ type: 'basic_clean', inputKey, ...extra });
export const modelBody = (inputKey: string, extra: CreateBody = {}): CreateBody => ({
  type: 'model_pose12',
  inputKey,
  params: { scene: 'street', category: 'hoodie' },
  ...extra,
});

/** Creates a task that must be accepted (201); returns it. */
export async function created(base: string, token: string, body: CreateBody): Promise<Task> {
  const r = await createTask(base, token, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.task as Task;
}

export function expectError(r: ApiResponse, status: number, code: string): void {
  expect({ status: r.status, code: r.body?.error?.code }, JSON.stringify(r.body)).toEqual({ status, code });
}

/** What a merchant has been charged, seen from the API (balance) and from the ledger and task tables. */
export interface Charges {
  quota: number;
  ledgerRows: number;
  deducts: number;
  refunds: number;
  tasks: number;
}

export async function charges(s: TestServer, m: { token: string; userId: string }): Promise<Charges> {
  const status = await call(s.url, 'GET', '/membership/status', { token: m.token });
  expect(status.status).toBe(200);
  const { QuotaLog, Task } = s.db.models;
  const where = { userId: m.userId };
  return {
    quota: status.body.quotaRemaining as number,
    ledgerRows: await QuotaLog.count({ where }),
    deducts: await QuotaLog.count({ where: { ...where, action: 'deduct' } }),
    refunds: await QuotaLog.count({ where: { ...where, action: 'refund' } }),
    tasks: await Task.count({ where }),
  };
}

/** Ledger rows of one task by action. */
export async function taskLedger(s: Pick<TestServer, 'db'>, taskId: string): Promise<{ deduct: number; refund: number }> {
  const { QuotaLog } = s.db.models;
  return {
    deduct: await QuotaLog.count({ where: { taskId, action: 'deduct' } }),
    refund: await QuotaLog.count({ where: { taskId, action: 'refund' } }),
  };
}

/** Each task was charged once and refunded once exactly when it failed. */
export async function expectChargedOnceEach(s: Pick<TestServer, 'db'>, tasks: { id: string; status: string }[]): Promise<void> {
  for (const t of tasks) {
    expect({ id: t.id, ...(await taskLedger(s, t.id)) }).toEqual({ id: t.id, deduct: 1, refund: t.status === 'failed' ? 1 : 0 });
  }
}

/** The merchant's balance as the API shows it. */
export async function quotaOf(base: string, token: string): Promise<number> {
  const r = await call(base, 'GET', '/membership/status', { token });
  expect(r.status).toBe(200);
  return r.body.quotaRemaining as number;
}

export async function getTask(base: string, token: string, id: string): Promise<Task> {
  const r = await call<{ task: Task }>(base, 'GET', `/task/${id}`, { token });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.task;
}

export type RhStats = EmulatorStats;
export async function rhStats(base: string): Promise<RhStats> {
  const r = await call<RhStats>(base, 'GET', '/sandbox/runninghub/stats');
  expect(r.status).toBe(200);
  return r.body;
}
export const queriesOf = async (base: string, vendorTaskId: string): Promise<number> =>
  (await rhStats(base)).byTask[vendorTaskId]?.queries ?? 0;
export const cancelsOf = async (base: string, vendorTaskId: string): Promise<number> => (await rhStats(base)).cancels[vendorTaskId] ?? 0;

/** Sets the RunningHub emulator's behaviour through the sandbox control route (every option of the emulator). */
export async function setRh(base: string, behaviour: RhBehaviour): Promise<void> {
  const r = await call(base, 'POST', '/sandbox/runninghub/behaviour', { body: behaviour });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** The vendor task ids RunningHub has now that it did not have in `before`. */
export const newVendorTasks = (before: RhStats, after: RhStats): string[] =>
  Object.keys(after.byTask).filter((id) => !(id in before.byTask));

/** A complete tasks row for seeding the database directly (a finished model task unless `over` says otherwise). */
export function taskRow(over: Partial<TaskRow> & { userId: string }): TaskRow & { id: string } {
  const now = new Date();
  const id = newId();
  return {
    id,
    type: 'model_pose12',
    status: 'done',
    stage: 'done',
    inputKey: `input/${over.userId}/${id}.jpg`,
    params: { scene: 'studio', category: 'dress' },
    resultKeys: [`output/${over.userId}/${id}/pose01.jpg`],
    vendorTaskId: null,
    vendorOutputs: null,
    errorReason: null,
    cost: 1,
    clientRequestId: null,
    requestHash: null,
    leaseUntil: null,
    nextActionAt: null,
    submittedAt: null,
    finishedAt: now,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}
type TaskRow = CreationAttributes<TaskModel>;

export async function setAudit(base: string, mode: 'pass' | 'reject' | 'unavailable'): Promise<void> {
  const r = await call(base, 'POST', '/sandbox/audit/behaviour', { body: { mode } });
  expect(r.status).toBe(200);
}

/** Polls `read` until `ok` holds; fails with the last value after `timeoutMs`. */
export async function waitUntil<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
  what = 'condition',
  stepMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await sleep(stepMs);
  }
}

/** Waits until a model task has been submitted to RunningHub (it carries its vendorTaskId in sandbox mode). */
export async function waitSubmitted(base: string, token: string, id: string, timeoutMs = 10_000): Promise<Task & { vendorTaskId: string }> {
  const t = await waitUntil(
    () => getTask(base, token, id),
    (t) => Boolean(t.vendorTaskId),
    timeoutMs,
    `task ${id} submitted`,
  );
  return t as Task & { vendorTaskId: string };
}

/** Many clients reading the task and the lists at once (none of it may reach RunningHub). */
export async function hammerReads(base: string, token: string, taskId: string, times = 50): Promise<void> {
  const reads: Promise<ApiResponse>[] = [];
  for (let i = 0; i < times; i++) {
    reads.push(call(base, 'GET', `/task/${taskId}`, { token }));
    if (i % 5 === 0) reads.push(call(base, 'GET', '/tasks', { token }), call(base, 'GET', `/tasks?ids=${taskId}`, { token }));
  }
  const answers = await Promise.all(reads);
  expect(answers.every((a) => a.status === 200)).toBe(true);
}
