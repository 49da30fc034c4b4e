/**
 * Readiness and metrics: GET /readyz (database reachable and migrated, 503 in the contract's shape otherwise, while
 * /healthz stays the liveness check); GET /metrics is not public (bearer token, or loopback judged by the real client
 * address under TRUST_PROXY); its content after real traffic (route patterns, vendor calls, payment callbacks, tasks
 * in flight); and a broken ledger invariant seen by the periodic check in the metric, the error log and the admin
 * dashboard.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMigrator } from '../../src/db/migrator.js';
import { adminLogin, startAdminServer } from '../admin/helpers.js';
import { call, loginAsMember, setRunningHub, waitForTask } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { basicBody, created, newMerchant, waitSubmitted, waitUntil } from '../tasks/helpers.js';

const TOKEN = 'metrics-token-0123456789abcdef';
/** One server at a time, stopped when its test is done (the models of one process follow the database opened last). */
let current: TestServer | null = null;
async function server(env: Record<string, string> = {}): Promise<TestServer> {
  await current?.destroy();
  current = await startTestServer({ env });
  return current;
}
afterAll(async () => {
  await current?.destroy();
});

/** Prometheus text → { 'name{labels}': value }. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
async function scrape(base: string): Promise<{ text: string; values: Map<string, number> }> {
  const r = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(r.status).toBe(200);
  const text = await r.text();
  return { text, values: samples(text) };
}

describe('GET /readyz', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await server();
  });

  it('is 200 on a migrated database, 503 with the pending migration after one is undone, 200 again once applied', async () => {
    expect(await call(s.url, 'GET', '/readyz')).toMatchObject({ status: 200, body: { ok: true, db: 'up', migrations: 'current' } });
    const migrator = createMigrator(s.db.sequelize);
    const [last] = await migrator.down();
    const pending = await call(s.url, 'GET', '/readyz');
    expect(pending.status).toBe(503);
    expect(pending.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: [{ check: 'migrations', pending: [last!.name] }] });
    expect(typeof pending.body.error.requestId).toBe('string');
    // liveness is not readiness: the process is up
    expect((await call(s.url, 'GET', '/healthz')).status).toBe(200);
    await migrator.up();
    expect((await call(s.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('is 503 when the database does not answer', async () => {
    // the background work first: a closed SQLite handle is not an outage, and a query on it throws from the driver
    s.ledgerCheck.stop();
    await s.runner.stop();
    await s.db.close();
    const r = await call(s.url, 'GET', '/readyz');
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: [{ check: 'database', ok: false }] });
  });
});

describe('GET /metrics is not public', () => {
  it('with METRICS_TOKEN: 401 in the contract shape without it or with a wrong one, 200 with it', async () => {
    const s = await server({ METRICS_TOKEN: TOKEN });
    const none = await call(s.url, 'GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(s.url, 'GET', '/metrics', { token: `${TOKEN}x` })).status).toBe(401);
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('without a token: loopback only, judged by the forwarded client address behind a trusted loopback proxy', async () => {
    const s = await server({ TRUST_PROXY: 'loopback' });
    expect((await call(s.url, 'GET', '/metrics')).status).toBe(200);
    // through nginx on loopback: the client is who X-Forwarded-For says
    expect((await call(s.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(401);
    expect((await call(s.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
  });

  it('without a token and TRUST_PROXY=true (any X-Forwarded-For believed): refused even from loopback', async () => {
    const s = await server({ TRUST_PROXY: 'true' });
    expect((await call(s.url, 'GET', '/metrics')).status).toBe(401);
  });
});

describe('GET /metrics content', () => {
  let s: TestServer;
  let password: string;
  beforeAll(async () => {
    await current?.destroy();
    ({ s, password } = await startAdminServer({ env: { METRICS_TOKEN: TOKEN, LEDGER_CHECK_INTERVAL_MS: '1000' } }));
    current = s;
  });

  it('has request latency by route pattern and status class, vendor calls, payment callbacks and tasks in flight', async () => {
    const m = await newMerchant(s.url); // logs in, buys (WeChat Pay prepay + a notification), uploads
    const basic = await created(s.url, m.token, basicBody(m.inputKey));
    expect((await waitForTask(s.url, m.token, basic.id, 60_000)).status).toBe('done');
    await setRunningHub(s.url, 'hang');
    const model = await created(s.url, m.token, {
      type: 'model_pose12',
      inputKey: m.inputKey,
      params: { scene: 'street', category: 'hoodie' },
    });
    await waitSubmitted(s.url, m.token, model.id);
    for (let i = 0; i < 3; i++) expect((await call(s.url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(s.url, 'GET', '/nope/8848123')).status).toBe(404);
    const forged = await call(s.url, 'POST', '/membership/payment-callback', {
      headers: { 'content-type': 'application/json' },
      raw: '{"id":"x"}',
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);

    const { text, values } = await scrape(s.url);
    const count = (labels: string) => values.get(`aizhao_http_request_duration_seconds_count{${labels}}`) ?? 0;
    expect(count('method="GET",route="/healthz",status_class="2xx"')).toBeGreaterThanOrEqual(3);
    expect(count(`method="GET",route="/task/:taskId",status_class="2xx"`)).toBeGreaterThanOrEqual(1);
    expect(count('method="POST",route="/task/create",status_class="2xx"')).toBe(2);
    expect(count('method="GET",route="unmatched",status_class="4xx"')).toBeGreaterThanOrEqual(1);
    // route patterns, never raw URLs: bounded cardinality
    expect(text).not.toContain('8848123');
    expect(text).not.toContain(basic.id);
    // the emulated vendors' traffic (the upload, CI, WeChat Pay's prepay) is the vendors', not our API's
    expect([...values.keys()].filter((k) => k.startsWith('aizhao_http_request_duration_seconds_count') && k.includes('route="/sandbox'))).toEqual([]);

    const vendor = (labels: string) => values.get(`aizhao_vendor_call_duration_seconds_count{${labels}}`) ?? 0;
    expect(vendor('vendor="ci",operation="goodsMatting",outcome="ok"')).toBe(1);
    expect(vendor('vendor="wechatpay",operation="nativePrepay",outcome="ok"')).toBe(1);
    expect(vendor('vendor="runninghub",operation="run",outcome="ok"')).toBe(1);
    expect(vendor('vendor="cos",operation="put",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(text).not.toMatch(/operation="signedGetUrl"/);

    expect(values.get('aizhao_payment_callbacks_total{outcome="accepted"}')).toBe(1);
    expect(values.get('aizhao_payment_callbacks_total{outcome="rejected"}')).toBe(1);
    expect(values.get('aizhao_tasks_in_flight{type="model_pose12",stage="running"}')).toBe(1);
    expect([...values.keys()].filter((k) => k.startsWith('aizhao_tasks_in_flight{type="basic_clean"'))).toEqual([]);
    expect(values.get('aizhao_ledger_mismatch_users')).toBe(0);
    expect(values.get('aizhao_ledger_check_timestamp_seconds')).toBeGreaterThan(0);
    expect(values.get('aizhao_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('a balance changed behind the ledger shows up in the metric (periodic check), the error log and the dashboard', async () => {
    const who = await loginAsMember(s.url);
    const errors = vi.spyOn(s.logger, 'error');
    await s.db.models.User.increment({ quotaRemaining: 5 }, { where: { id: who.userId } });

    // no one asks: the periodic check (LEDGER_CHECK_INTERVAL_MS=1000) finds it
    await waitUntil(
      async () => (await scrape(s.url)).values.get('aizhao_ledger_mismatch_users'),
      (n) => n === 1,
      15_000,
      'the ledger metric',
      200,
    );
    const logged = errors.mock.calls.find((c) => String(c[1]).startsWith('ledger invariant broken'));
    expect(logged?.[0]).toMatchObject({ ledgerMismatches: 1, users: [{ userId: who.userId, balance: 105, ledgerSum: 100 }] });

    const admin = await adminLogin(s.url, password);
    const d = await admin.get('/dashboard');
    expect(d.status).toBe(200);
    expect(d.body.ledgerMismatches).toEqual([{ userId: who.userId, balance: 105, ledgerSum: 100 }]);
    expect(Date.parse(d.body.ledgerCheckedAt)).toBeGreaterThan(Date.now() - 60_000);

    // put right through the ledger: the next check clears it
    await s.db.models.User.increment({ quotaRemaining: -5 }, { where: { id: who.userId } });
    await waitUntil(
      async () => (await scrape(s.url)).values.get('aizhao_ledger_mismatch_users'),
      (n) => n === 0,
      15_000,
      'the ledger metric cleared',
      200,
    );
    errors.mockRestore();
  });
});
