/**
 * Two real server processes, as a PM2 cluster runs them behind nginx, on one MariaDB database and one shared sandbox
 * process (`npm run sandbox`): a mixed load of logins, purchases with duplicate payment notifications, order polls and
 * both task types, sent to the two alternately. Everything that must hold across processes is measured where it
 * happens: RunningHub's and WeChat Pay's own clocks (the sandbox process's timeline), the database, the SMS answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Op } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';
import { call, garmentJpeg, login, newPhone, uploadInput } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { createMysqlDatabase, freePort, TEST_TIMINGS } from '../support/server.js';
import { spawnNode, waitHealthy, type Child } from '../production/helpers.js';
import { basicBody, created, expectChargedOnceEach, modelBody, rhStats, setRh, sleep, waitUntil } from '../tasks/helpers.js';

const RUN = join('server', 'run.mjs');
const POLL_MS = 400;
const ORDER_QUERY_MS = 1000;
const RH_DELAY_MS = 1200;
const MAX_RH = 2;
const IP_LIMIT = 30;
const MERCHANTS = 6;
const BASIC_PER_MERCHANT = 3;
const MODEL_PER_MERCHANT = 2;

/** nginx in front of the PM2 cluster: each connection to one of the upstreams in turn. */
async function roundRobin(ports: number[]): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((down) => {
    const up = connect(ports[next++ % ports.length]!, '127.0.0.1');
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up).pipe(down);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Timeline {
  runninghub: { op: 'run' | 'query'; taskId: string; at: number }[];
  wxpay: { op: 'prepay' | 'query' | 'close'; outTradeNo: string; at: number }[];
}

/** The largest number of intervals [from, to] open at one moment. */
function maxOverlap(intervals: { from: number; to: number }[]): number {
  const edges = intervals
    .flatMap((i) => [
      { at: i.from, d: 1 },
      { at: i.to, d: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.d - b.d);
  let open = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (open += e.d));
  return max;
}

function byKey(events: { key: string; at: number }[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const e of events) groups.set(e.key, [...(groups.get(e.key) ?? []), e.at]);
  return [...groups.values()];
}

/** The shortest gap between consecutive timestamps of each group (for the report: it includes transit jitter). */
function minGap(events: { key: string; at: number }[]): number {
  let min = Infinity;
  for (const times of byKey(events)) for (let i = 1; i < times.length; i++) min = Math.min(min, times[i]! - times[i - 1]!);
  return min;
}

/**
 * Groups whose requests came faster than one per `intervalMs`. The emulator sees arrival times, which a loaded machine
 * delays unevenly (a poll scheduled one interval after the previous one was *sent* may arrive sooner after it
 * *arrived*), so each group is allowed one interval of jitter in all: n requests must span at least (n − 2) intervals.
 * Two processes polling on their own would send about twice as many.
 */
function tooFrequent(events: { key: string; at: number }[], intervalMs: number): number[][] {
  return byKey(events).filter((times) => times.length > 2 && times.at(-1)! - times[0]! < (times.length - 2) * intervalMs);
}

describe('two server processes on one MariaDB and one sandbox process', () => {
  const children: Child[] = [];
  let dataDir: string;
  let database: { url: string; drop: () => Promise<void> };
  let lb: { port: number; close(): Promise<void> };
  let sandboxUrl: string;
  let bases: string[];
  let db: Database;
  const base = (i: number): string => bases[i % bases.length]!;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aizhao-scale-'));
    database = await createMysqlDatabase();
    const [sandboxPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    lb = await roundRobin([portA, portB]);
    const common = {
      NODE_ENV: 'test',
      SANDBOX: '1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...TEST_TIMINGS,
      RUNNINGHUB_POLL_INTERVAL: String(POLL_MS),
      RUNNINGHUB_MAX_CONCURRENCY: String(MAX_RH),
      ORDER_QUERY_MIN_INTERVAL: String(ORDER_QUERY_MS),
      SMS_PHONE_COOLDOWN_SECONDS: '60',
      SMS_IP_HOURLY_LIMIT: String(IP_LIMIT),
    };
    sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
    const sandbox = spawnNode([RUN, 'sandbox'], { ...common, SANDBOX_PORT: String(sandboxPort) });
    children.push(sandbox);
    await waitHealthy(sandboxUrl, sandbox);
    // one public address for both, as behind nginx: WeChat's notifications and the app's COS requests reach either
    const server = { ...common, SANDBOX_URL: sandboxUrl, DATABASE_URL: database.url, PUBLIC_BASE_URL: `http://127.0.0.1:${lb.port}` };
    bases = [];
    for (const port of [portA, portB]) {
      const c = spawnNode([RUN, 'main'], { ...server, PORT: String(port) });
      children.push(c);
      bases.push(`http://127.0.0.1:${port}`);
      await waitHealthy(bases.at(-1)!, c); // the first one migrates the fresh database
    }
    db = createDatabase({ url: database.url, dataDir });
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    for (const c of children.reverse()) {
      c.child.kill('SIGTERM');
      await c.exited;
    }
    await lb?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('processes every task once, holds every limit and keeps the ledger true', async () => {
    await setRh(base(0), { mode: 'success', delayMs: RH_DELAY_MS });

    // logins (codes from the shared outbox), purchases, order polls on both while WeChat still says NOTPAY
    const merchants = await Promise.all(Array.from({ length: MERCHANTS }, (_, i) => login(base(i))));
    const orders = await Promise.all(
      merchants.map(async (m, i) => {
        const p = await call(base(i + 1), 'POST', '/membership/purchase', { token: m.token, body: { channel: 'wx' } });
        expect(p.status, JSON.stringify(p.body)).toBe(201);
        return p.body.orderId as string;
      }),
    );
    const pollUntil = Date.now() + 3000 + 2.5 * ORDER_QUERY_MS; // past the query grace, then polled for a while
    await Promise.all(
      merchants.map(async (m, i) => {
        for (let n = i; Date.now() < pollUntil; n++) {
          const r = await call(base(n), 'GET', `/membership/orders/${orders[i]}`, { token: m.token });
          expect(r.status).toBe(200);
          await sleep(50);
        }
      }),
    );
    // pay each order, then WeChat delivers its notification again, in parallel (to either process)
    await Promise.all(
      orders.map(async (id, i) => {
        const paid = await call(base(i), 'POST', `/sandbox/wxpay/orders/${id}/pay`);
        expect(paid.status, JSON.stringify(paid.body)).toBe(200);
        const again = await call(base(i + 1), 'POST', `/sandbox/wxpay/orders/${id}/notify`, { body: { times: 4, parallel: true } });
        expect(again.status, JSON.stringify(again.body)).toBe(200);
      }),
    );

    // both task types from every merchant, alternately to both processes
    const photo = await garmentJpeg();
    const tasks = (
      await Promise.all(
        merchants.map(async (m, i) => {
          const inputKey = await uploadInput(base(i), m.token, photo);
          const bodies = [
            ...Array.from({ length: BASIC_PER_MERCHANT }, () => basicBody(inputKey)),
            ...Array.from({ length: MODEL_PER_MERCHANT }, () => modelBody(inputKey)),
          ];
          const out = [];
          for (const [n, body] of bodies.entries()) out.push({ ...(await created(base(i + n), m.token, body)), token: m.token });
          return out;
        }),
      )
    ).flat();
    const modelCount = MERCHANTS * MODEL_PER_MERCHANT;
    // RunningHub fails the tasks submitted after the first half: those end failed, refunded
    await waitUntil(
      () => rhStats(base(1)),
      (st) => st.run >= modelCount / 2,
      60_000,
      'half the model tasks submitted',
      100,
    );
    await setRh(base(1), { mode: 'fail', delayMs: RH_DELAY_MS });
    await waitUntil(
      () => db.models.Task.count({ where: { status: 'processing' } }),
      (n) => n === 0,
      120_000,
      'every task finished',
      300,
    );
    const rows = await db.models.Task.findAll({ where: { id: { [Op.in]: tasks.map((t) => t.id) } } });
    expect(rows.filter((r) => r.type === 'basic_clean').map((r) => r.status)).toEqual(Array(MERCHANTS * BASIC_PER_MERCHANT).fill('done'));
    const modelStatuses = rows.filter((r) => r.type === 'model_pose12').map((r) => r.status);
    expect(modelStatuses.filter((st) => st !== 'done' && st !== 'failed')).toEqual([]);
    expect(modelStatuses.filter((st) => st === 'done').length).toBeGreaterThanOrEqual(modelCount / 2 - MAX_RH);
    expect(modelStatuses.filter((st) => st === 'failed').length).toBeGreaterThanOrEqual(1);
    await expectChargedOnceEach({ db }, rows);
    // order status polls on both see the same result
    for (const [n, t] of tasks.entries()) {
      const r = await call(base(n), 'GET', `/task/${t.id}`, { token: t.token });
      expect(r.body.task.status).toBe(rows.find((row) => row.id === t.id)!.status);
    }

    // SMS limits across both: one code per phone per cooldown, IP_LIMIT codes per IP per hour
    const phone = newPhone();
    const samePhone = await Promise.all(Array.from({ length: 8 }, (_, i) => call(base(i), 'POST', '/auth/sms-code', { body: { phone } })));
    expect(samePhone.map((r) => r.status).sort()).toEqual([200, ...Array(7).fill(429)]);
    const sentSoFar = MERCHANTS + 1;
    const manyPhones = await Promise.all(
      Array.from({ length: IP_LIMIT }, (_, i) => call(base(i), 'POST', '/auth/sms-code', { body: { phone: newPhone() } })),
    );
    expect(manyPhones.filter((r) => r.status === 200)).toHaveLength(IP_LIMIT - sentSoFar);
    expect(manyPhones.filter((r) => r.status === 429)).toHaveLength(sentSoFar);

    // measured by the emulators themselves
    const timeline = (await (await fetch(`${sandboxUrl}/sandbox/internal/timeline`)).json()) as Timeline;
    // the sandbox process's internal routes are for servers only: a server never forwards them
    expect((await call(base(0), 'GET', '/sandbox/internal/timeline')).status).toBe(404);
    expect(
      (await call(base(1), 'POST', '/sandbox/internal/sms', { body: { phone: newPhone(), code: '123456', ttlMinutes: 5 } })).status,
    ).toBe(404);
    const rh = (await call(base(1), 'GET', '/sandbox/runninghub/stats')).body as { run: number };
    expect(rh.run).toBe(modelCount);
    const runs = timeline.runninghub.filter((e) => e.op === 'run');
    expect(runs).toHaveLength(modelCount);
    const queries = timeline.runninghub.filter((e) => e.op === 'query');
    // a task is at RunningHub from its run until the query that found its outputs
    const atRh = runs.map((r) => ({ from: r.at, to: Math.max(...queries.filter((q) => q.taskId === r.taskId).map((q) => q.at)) }));
    expect(maxOverlap(atRh)).toBe(MAX_RH);
    expect(
      tooFrequent(
        queries.map((q) => ({ key: q.taskId, at: q.at })),
        POLL_MS,
      ),
    ).toEqual([]);
    const orderQueries = timeline.wxpay.filter((e) => e.op === 'query' && orders.includes(e.outTradeNo));
    expect(orderQueries.length).toBeGreaterThanOrEqual(MERCHANTS); // the polls did reach WeChat
    expect(
      tooFrequent(
        orderQueries.map((q) => ({ key: q.outTradeNo, at: q.at })),
        ORDER_QUERY_MS,
      ),
    ).toEqual([]);

    console.warn(
      `two processes: ${tasks.length} tasks (${modelStatuses.filter((st) => st === 'failed').length} failed+refunded), ` +
        `max at RunningHub at once ${maxOverlap(atRh)}, min RunningHub poll gap ${minGap(queries.map((q) => ({ key: q.taskId, at: q.at })))} ms, ` +
        `min WeChat query gap ${minGap(orderQueries.map((q) => ({ key: q.outTradeNo, at: q.at })))} ms over ${orderQueries.length} queries`,
    );

    // every order paid and granted exactly once
    const paidOrders = await db.models.Order.findAll({ where: { id: { [Op.in]: orders } } });
    expect(paidOrders.map((o) => o.status)).toEqual(orders.map(() => 'paid'));
    const grants = await db.models.QuotaLog.findAll({ where: { orderId: { [Op.in]: orders }, action: 'grant' } });
    expect(grants.map((g) => g.orderId).sort()).toEqual([...orders].sort());
    await expectLedgerInvariant(db);
  }, 240_000);
});
