/**
 * The production path, run as production runs it: `npm run build`, then the built server and CLIs on plain Node
 * (a preloaded guard refuses tsx and esbuild), in test mode against the sandbox, in production mode against MariaDB
 * (`npm run db:migrate`, `admin:create`, `npm run server` → the build), a SIGTERM under load, and PM2 in cluster mode
 * reloading under load. One file, because every part runs the one server/dist.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createNetServer } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../../src/paths.js';
import { adminLogin } from '../admin/helpers.js';
import { createMysqlDatabase, freePort } from '../support/server.js';
import { waitUntil } from '../tasks/helpers.js';
import { NO_BUILD_TOOLS, SERVER_DIR, productionEnv, spawnNode, startLoad, waitHealthy, type Child } from './helpers.js';

const DIST = join(SERVER_DIR, 'dist');
const tmp = mkdtempSync(join(tmpdir(), 'aizhao-build-'));
const guardLog = join(tmp, 'guard.log');
/** no developer's .env may leak into these processes */
const NO_ENV_FILE = { DOTENV_CONFIG_PATH: join(tmp, 'none.env') };
const guarded = { NODE_OPTIONS: `--import ${NO_BUILD_TOOLS}`, NO_BUILD_TOOLS_LOG: guardLog };
const children: Child[] = [];

/** Runs an npm script of the root package.json with only these variables (plus PATH and HOME). */
function npmRun(script: string, args: string[], env: Record<string, string>, input = '') {
  const r = spawnSync('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, ...env },
    encoding: 'utf8',
    input,
    timeout: 180_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

const blockedLines = (): string[] =>
  existsSync(guardLog)
    ? readFileSync(guardLog, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('blocked'))
    : [];

beforeAll(() => {
  const r = npmRun('build', [], NO_ENV_FILE);
  expect(r.status, r.out).toBe(0);
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the server, its CLIs and the admin page as JavaScript into server/dist', () => {
    for (const f of [
      'main.js',
      'migrate-cli.js',
      'admin-create.js',
      'hash-password.js',
      'doctor.js',
      'matting-worker.js',
      'admin/app.js',
      'admin/app.css',
    ]) {
      expect(existsSync(join(DIST, f)), f).toBe(true);
    }
    // @aizhao/shared is bundled in (its package points at TypeScript source Node cannot run)
    expect(readFileSync(join(DIST, 'main.js'), 'utf8')).not.toMatch(/from ["']@aizhao\/shared["']/);
  });

  it('the guard refuses tsx (the checks below can fail): the source path needs it and is stopped', () => {
    const r = spawnSync(process.execPath, [join(SERVER_DIR, 'run.mjs'), 'hash-password'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        ...NO_ENV_FILE,
        NODE_ENV: 'development',
        NO_BUILD_TOOLS_LOG: join(tmp, 'sanity.log'),
        NODE_OPTIONS: guarded.NODE_OPTIONS,
      },
      input: 'a password\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(readFileSync(join(tmp, 'sanity.log'), 'utf8')).toMatch(/^blocked import tsx/m);
  });

  it('the built server runs on plain Node (test mode, sandbox): healthz, readyz, the admin page and its assets from the build, no tsx or esbuild loaded', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const c = spawnNode([join(DIST, 'main.js')], {
      ...NO_ENV_FILE,
      ...guarded,
      NODE_ENV: 'test',
      PORT: String(port),
      DATA_DIR: join(tmp, 'sandbox-data'),
      LOG_LEVEL: 'warn',
    });
    children.push(c);
    await waitHealthy(url, c);
    expect((await (await fetch(`${url}/healthz`)).json()) as object).toMatchObject({ ok: true, sandbox: true });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const page = await fetch(`${url}/admin`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const js = /src="(\/admin\/assets\/app\.js\?v=[\da-f]+)"/.exec(html)?.[1];
    const css = /href="(\/admin\/assets\/app\.css\?v=[\da-f]+)"/.exec(html)?.[1];
    expect(js && css, html).toBeTruthy();
    const jsRes = await fetch(`${url}${js}`);
    expect(jsRes.status).toBe(200);
    expect(await jsRes.text()).toBe(readFileSync(join(DIST, 'admin', 'app.js'), 'utf8'));
    const cssRes = await fetch(`${url}${css}`);
    expect(cssRes.status).toBe(200);
    expect(await cssRes.text()).toBe(readFileSync(join(DIST, 'admin', 'app.css'), 'utf8'));

    c.child.kill('SIGTERM');
    expect(await c.exited, c.output()).toBe(0);
    expect(readFileSync(guardLog, 'utf8')).toMatch(new RegExp(`^active ${c.child.pid}$`, 'm'));
    expect(blockedLines()).toEqual([]);
  });
});

describe('production mode from the build (NODE_ENV=production, MariaDB)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  let port: number;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    database = await createMysqlDatabase();
    port = await freePort();
    env = { ...NO_ENV_FILE, ...guarded, ...productionEnv(tmp, database.url, port) };
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('npm run server runs the build, validates the config and refuses a database with pending migrations', () => {
    const r = spawnSync('npm', ['run', '--silent', 'server'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/pending migration\(s\): run npm run db:migrate/);
    const bad = spawnSync('npm', ['run', '--silent', 'server'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, PUBLIC_BASE_URL: 'http://127.0.0.1:3000' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(bad.status).toBe(1);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/PUBLIC_BASE_URL: must be a public https URL in production/);
    expect(blockedLines()).toEqual([]);
  });

  it('npm run db:migrate and npm run admin:create run from the build', () => {
    const migrate = npmRun('db:migrate', [], env);
    expect(migrate.status, migrate.out).toBe(0);
    expect(migrate.out).toMatch(/applied \d+ migration\(s\) to mysql/);
    const create = npmRun('admin:create', ['--username', 'ops'], env, `${password}\n`);
    expect(create.status, create.out).toBe(0);
    expect(create.out).toMatch(/admin ops created/);
    expect(blockedLines()).toEqual([]);
  });

  it('serves from the build (readyz, HSTS, the admin page, the admin account) and a SIGTERM under load answers every request, then exits 0', async () => {
    const url = `http://127.0.0.1:${port}`;
    // what `npm run server` runs (server/package.json "start"), without npm in between so the signal reaches it
    const c = spawnNode([join(SERVER_DIR, 'run.mjs'), 'main'], env);
    children.push(c);
    await waitHealthy(url, c);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect((await fetch(`${url}/admin`)).status).toBe(200);
    const admin = await adminLogin(url, password, 'ops');
    expect((await admin.get('/session')).status).toBe(200);

    const load = startLoad(url, { paths: ['/healthz', '/client-config', '/readyz'], untilRefused: true, maxMs: 60_000 });
    await waitUntil(
      async () => load.answered(),
      (n) => n >= 150,
      30_000,
      'load answered',
    );
    c.child.kill('SIGTERM');
    const result = await load.result;
    expect(await c.exited, c.output()).toBe(0);
    // every request sent was answered; afterwards new connections are refused (the listener is closed), none reset
    expect(
      Object.keys(result.errors).filter((e) => e !== 'ECONNREFUSED'),
      JSON.stringify(result),
    ).toEqual([]);
    expect(Object.keys(result.statuses), JSON.stringify(result)).toEqual(['200']);
    expect(result.errors.ECONNREFUSED, JSON.stringify(result)).toBeGreaterThan(0);
    expect(c.output()).toMatch(/"forced":false,"releasedClaims":0/);
    expect(blockedLines()).toEqual([]);
  });
});

/** A free port whose successor is free too (METRICS_PORT for two processes). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    const taken = await new Promise<boolean>((resolve) => {
      const srv = createNetServer();
      srv.once('error', () => resolve(true));
      srv.listen(p + 1, '127.0.0.1', () => srv.close(() => resolve(false)));
    });
    if (!taken) return p;
  }
}

describe('ecosystem.config.cjs', () => {
  const appFor = (env: Record<string, string>) => {
    const r = spawnSync(process.execPath, ['-e', 'console.log(JSON.stringify(require("./ecosystem.config.cjs").apps[0]))'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...NO_ENV_FILE, ...env },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };

  it("runs the build in cluster mode, waits for ready, and kills only after the server's own shutdown deadline", () => {
    const app = appFor({});
    expect(app).toMatchObject({
      script: join(DIST, 'main.js'),
      exec_mode: 'cluster',
      instances: 'max',
      wait_ready: true,
      merge_logs: true,
    });
    expect(app.kill_timeout).toBe(loadConfig({ DATA_DIR: tmp }).shutdown.timeoutMs + 5000);
    expect(appFor({ SHUTDOWN_TIMEOUT_MS: '25000', PM2_INSTANCES: '3' })).toMatchObject({ kill_timeout: 30000, instances: 3 });
    expect((appFor({}).env as Record<string, string>).NODE_ENV).toBe('production');
  });
});

describe('PM2 cluster mode (ecosystem.config.cjs)', () => {
  const pm2Home = join(tmp, 'pm2');
  const pm2Bin = join(REPO_ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
  let pm2Env: Record<string, string>;
  let port: number;
  let metricsPort: number;
  const pm2 = (...args: string[]) => {
    const r = spawnSync(process.execPath, [pm2Bin, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: tmp, ...pm2Env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
  };
  const pids = (): number[] => {
    const r = pm2('jlist');
    const list = JSON.parse(r.out.slice(r.out.indexOf('['), r.out.lastIndexOf(']') + 1)) as { pid: number; pm2_env: { status: string } }[];
    return list.filter((p) => p.pm2_env.status === 'online').map((p) => p.pid);
  };

  beforeAll(async () => {
    port = await freePort();
    // offline: a private PM2_HOME, no version check (PM2 asks its server on a first start without this `touch` file)
    mkdirSync(pm2Home, { recursive: true });
    writeFileSync(join(pm2Home, 'touch'), String(Date.now()));
    metricsPort = await freePortPair();
    pm2Env = {
      ...NO_ENV_FILE,
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN: 'pm2-metrics-token-0123456789',
      PM2_HOME: pm2Home,
      PM2_DISABLE_VERSION_CHECK: 'true',
      PM2_LOG_DIR: join(tmp, 'pm2-logs'),
      PM2_INSTANCES: '2',
      // a process that never says ready would hold each step of the reload this long (see the timing check below)
      PM2_LISTEN_TIMEOUT_MS: '60000',
      NODE_ENV: 'test',
      PORT: String(port),
      DATA_DIR: join(tmp, 'pm2-data'),
      LOG_LEVEL: 'info',
      SHUTDOWN_IDLE_GRACE_MS: '1000',
    };
    // the database first, so that the two processes starting together find nothing to migrate
    const migrate = npmRun('db:migrate', [], { ...NO_ENV_FILE, NODE_ENV: 'test', DATA_DIR: pm2Env.DATA_DIR! });
    expect(migrate.status, migrate.out).toBe(0);
  });
  afterAll(() => {
    pm2('kill');
  });

  it('starts 2 processes, and `pm2 reload` under load replaces both without a failed request', async () => {
    const started = pm2('start', 'ecosystem.config.cjs');
    expect(started.status, started.out).toBe(0);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => pids().length,
      (n) => n === 2,
      60_000,
      'two processes online',
    );
    const before = pids();
    await waitUntil(
      async () => (await fetch(`${url}/healthz`).catch(() => null))?.status,
      (s) => s === 200,
      30_000,
      'healthy behind PM2',
    );

    const load = startLoad(url, { paths: ['/healthz', '/client-config', '/readyz'], workers: 6, maxMs: 120_000 });
    await waitUntil(
      async () => load.answered(),
      (n) => n >= 50,
      30_000,
      'load answered',
    );
    // not spawnSync: the load runs in this process and must go on while PM2 reloads
    const reloadStarted = Date.now();
    const reload = spawnNode([pm2Bin, 'reload', 'ecosystem.config.cjs'], { HOME: tmp, ...pm2Env });
    expect(await reload.exited, reload.output()).toBe(0);
    // each new process said ready (process.send('ready')) long before PM2_LISTEN_TIMEOUT_MS
    expect(Date.now() - reloadStarted).toBeLessThan(45_000);
    const atReload = load.answered();
    await waitUntil(
      async () => load.answered(),
      (n) => n >= atReload + 50,
      30_000,
      'load after the reload',
    );
    load.stop();
    const result = await load.result;

    const logs = () => ['aizhao-out.log', 'aizhao-error.log'].map((f) => readFileSync(join(tmp, 'pm2-logs', f), 'utf8')).join('\n');
    const after = pids();
    expect(after).toHaveLength(2);
    expect(after.filter((p) => before.includes(p))).toEqual([]);
    expect(result.errors, `${JSON.stringify(result)}\n${logs()}`).toEqual({});
    expect(Object.keys(result.statuses), JSON.stringify(result)).toEqual(['200']);
    // both old processes got PM2's SIGINT and drained on their own, none cut at the deadline
    const stopped = logs().match(/"msg":"stopped"/g) ?? [];
    expect(stopped, logs()).toHaveLength(2);
    expect(logs()).not.toMatch(/"forced":true/);
    expect(logs().match(/"signal":"SIGINT"/g) ?? []).toHaveLength(2);

    // every process serves its own metrics on METRICS_PORT + NODE_APP_INSTANCE
    const served: string[] = [];
    for (const p of [metricsPort, metricsPort + 1]) {
      const r = await fetch(`http://127.0.0.1:${p}/metrics`, { headers: { authorization: `Bearer ${pm2Env.METRICS_TOKEN}` } });
      expect(r.status).toBe(200);
      served.push(/^aizhao_process_info\{(.*)\} 1$/m.exec(await r.text())?.[1] ?? '');
    }
    const info = served.map((labels) => /^pid="(\d+)",pm2_instance="(\d*)"$/.exec(labels));
    expect(
      info.map((m) => m?.[2]),
      served.join('\n'),
    ).toEqual(['0', '1']);
    expect(info.map((m) => Number(m?.[1])).sort(), served.join('\n')).toEqual([...after].sort());
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
  }, 240_000);
});
