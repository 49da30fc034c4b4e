/**
 * A private MariaDB server for one test: its own data directory (mariadb-install-db), port, socket and pid file,
 * started as `mariadbd --no-defaults`, never the shared server on 3306 — so a test may stop and restart it.
 * Without MariaDB's binaries it throws (CI installs them with scripts/ensure-test-deps.sh): a test that needs a
 * database restart must not pass silently without one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './server.js';

export interface PrivateMariadb {
  port: number;
  /** `mysql://root@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  /** stops mariadbd (SIGTERM, as a service stop does) and waits for it to exit */
  stop(): Promise<void>;
  /** starts it again on the same data directory and port; resolves when it accepts connections */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
  return null;
}

export async function startPrivateMariadb(o: { startTimeoutMs?: number } = {}): Promise<PrivateMariadb> {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  if (!mariadbd || !installDb) {
    throw new Error(
      'mariadbd / mariadb-install-db not found: the MariaDB restart test needs MariaDB installed ' +
        '(scripts/ensure-test-deps.sh installs it; Debian: apt-get install -y mariadb-server)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'aizhao-mariadb-'));
  const datadir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const install = spawnSync(
    installDb,
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(asRoot ? ['--user=root'] : []),
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  const port = await freePort();
  const startTimeoutMs = o.startTimeoutMs ?? 60_000;
  const rootUrl = `mysql://root@127.0.0.1:${port}/mysql`;
  let proc: ChildProcess | null = null;

  const canConnect = async (): Promise<boolean> => {
    try {
      const c = await mysql.createConnection({ uri: rootUrl, connectTimeout: 1000 });
      await c.end();
      return true;
    } catch {
      return false;
    }
  };

  const start = async (): Promise<void> => {
    const args = [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      ...(asRoot ? ['--user=root'] : []),
    ];
    const child = spawn(mariadbd, args, { stdio: 'ignore' });
    proc = child;
    const until = Date.now() + startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null) {
        const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000) : '';
        throw new Error(`mariadbd exited with ${child.exitCode}: ${log}`);
      }
      if (await canConnect()) return;
      if (Date.now() > until) throw new Error(`mariadbd did not accept connections on ${port} within ${startTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const stop = async (): Promise<void> => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  };

  await start();
  return {
    port,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const c = await mysql.createConnection(rootUrl);
      await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await c.end();
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
