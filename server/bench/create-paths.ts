/**
 * The `create` group of the server paths: `POST /task/create` (sandbox) and its limits, measured in the same run.
 *
 * A create is its transaction (lock the user, update it, insert the task and the ledger row) after two vendor steps
 * (modules/tasks/service.ts createTask): the input check's ranged GET (input.ts checkInputObject) and the content
 * audit, both COS/CI calls through cos-nodejs-sdk-v5 to the sandbox emulator, which runs in a process of its own
 * (`npm run sandbox`, the server started with SANDBOX_URL): the vendor's side of those calls is Tencent's, not the
 * server's. The limits:
 *  - the same transaction bare, through the plain driver;
 *  - the vendor steps alone: the same two calls, made from this process by the clients the server builds
 *    (vendors/index.ts createCosVendors, configured from the same environment) against the same running emulator,
 *    on the same input key, at the same concurrency;
 *  - both in sequence, a create's floor: 1 / (1/tx + 1/vendor) — what the goal is held against.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { newId } from '../src/lib/ids.js';
import { INPUT_HEAD_BYTES } from '../src/modules/tasks/input.js';
import { sandboxCosEndpoint } from '../src/sandbox/cos/index.js';
import { createCosVendors } from '../src/vendors/index.js';
import { garmentJpeg, loginAsMember, uploadInput } from '../test/support/client.js';
import { bestOfRounds, CONNECTIONS, cpuMicrosSince, loops, type HttpLoad, type LoadResult, type Measured } from './load.js';
import { fmt, type BenchRow } from './report.js';
import type { Bare } from './server-paths.js';

export interface CreatePathsContext {
  /** the server under load, its URL and the environment it was started with */
  child: ChildProcess;
  url: string;
  env: Record<string, string>;
  /** a member's bearer token */
  token: string;
  bare: Bare;
  seconds: number;
  rounds: number;
  /** a date as the bare SQL writes it on this database */
  stamp(ms: number): string;
  /** ' FOR UPDATE' on MariaDB, '' on SQLite */
  lock: string;
  /** an HTTP load with a warm-up second and the server's CPU per request */
  measured(load: HttpLoad): Promise<Measured>;
  /** the emulator process's CPU time so far (µs) */
  emulatorCpu(): number;
  ratioRow(path: string, result: Measured | LoadResult, unit: string, limitName: string, limit: number, goal: number, goalText: string): BenchRow;
}

/** The note under the table about the create rows. */
export const CREATE_NOTE =
  'create: its floor is the bare transaction and the vendor steps alone in sequence, 1 / (1/tx + 1/vendor); the vendor ' +
  "steps' CPU/pair is this process's COS clients plus the emulator process; the server of the create rows calls that emulator " +
  'process (SANDBOX_URL) as it would call COS.';

export async function measureCreatePaths(c: CreatePathsContext): Promise<BenchRow[]> {
  const inputKey = await uploadInput(c.url, c.token, await garmentJpeg(1500, 2000));
  const createLoad = {
    url: `${c.url}/task/create`,
    method: 'POST' as const,
    headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'basic_clean', inputKey }),
    seconds: c.seconds,
  };

  const other = await loginAsMember(c.url);
  const bareTx = () =>
    loops(
      async () => {
        const now = c.stamp(Date.now());
        const id = newId();
        await c.bare.tx([
          [`SELECT * FROM users WHERE id = ?${c.lock}`, [other.userId]],
          ['UPDATE users SET quota_remaining = quota_remaining - 1, updatedAt = ? WHERE id = ?', [now, other.userId]],
          [
            'INSERT INTO tasks (id,userId,type,status,stage,inputKey,params,cost,requestHash,createdAt,updatedAt) VALUES (?,?,?,?,?,?,?,?,?,?,?)',
            [id, other.userId, 'basic_clean', 'processing', 'queued', inputKey, '{}', 1, randomBytes(32).toString('hex'), now, now],
          ],
          [
            'INSERT INTO quota_logs (userId,taskId,orderId,refundId,action,amount,balanceAfter,reason,createdAt) VALUES (?,?,?,?,?,?,?,?,?)',
            [other.userId, id, null, '', 'deduct', -1, 0, '创建任务 basic_clean', now],
          ],
        ]);
      },
      { seconds: c.seconds, concurrency: c.bare.concurrency },
    );

  // the server's own COS/CI clients, built here from the environment the server runs with
  const config = loadConfig({ ...process.env, ...c.env });
  const cos = createCosVendors(config, sandboxCosEndpoint(config.sandboxUrl ?? config.publicBaseUrl));
  const vendorSteps = async (): Promise<void> => {
    const start = await cos.storage.readStart(inputKey, INPUT_HEAD_BYTES);
    if (!start) throw new Error(`${inputKey} is missing`);
    await cos.auditor.audit(inputKey, start.size);
  };
  const vendorAlone = async (): Promise<LoadResult & { clientCpu: number; emulatorCpu: number }> => {
    await loops(vendorSteps, { seconds: 1, concurrency: CONNECTIONS });
    const emulatorBefore = c.emulatorCpu();
    const clientBefore = process.cpuUsage();
    const r = await loops(vendorSteps, { seconds: c.seconds, concurrency: CONNECTIONS });
    const pairs = Math.max(1, r.rate * c.seconds);
    return { ...r, clientCpu: cpuMicrosSince(clientBefore) / pairs, emulatorCpu: (c.emulatorCpu() - emulatorBefore) / pairs };
  };
  const { create, createBare, vendor } = await bestOfRounds(c.rounds, async () => ({
    create: await c.measured(createLoad),
    createBare: await bareTx(),
    vendor: await vendorAlone(),
  }));

  const floor = 1 / (1 / createBare.rate + 1 / vendor.rate);
  return [
    {
      // Not the goal: a create cannot be faster than its two vendor steps, which this limit leaves out (the row below
      // holds the goal); reported so the transaction's own share stays visible.
      ...c.ratioRow('`POST /task/create` (sandbox)', create, 'req/s', 'the same transaction bare', createBare.rate, 0, 'reported'),
      ok: create.failures === 0,
    },
    {
      path: 'create: the vendor steps alone (ranged GET + audit, the server\'s COS clients)',
      result:
        `${fmt(vendor.rate)} pairs/s, p99 ${fmt(vendor.p99, 1)} ms, CPU/pair: clients ${fmt(vendor.clientCpu)} µs + emulator ${fmt(vendor.emulatorCpu)} µs` +
        (vendor.failures ? ` (${vendor.failures} failed)` : ''),
      limit: '—',
      ratio: null,
      goal: 'a limit of the create row',
      ok: vendor.failures === 0,
    },
    c.ratioRow(
      '`POST /task/create` vs its floor',
      create,
      'req/s',
      'bare transaction + vendor steps in sequence',
      floor,
      0.4,
      '≥ 0.4 of 1 / (1/tx + 1/vendor)',
    ),
  ];
}
