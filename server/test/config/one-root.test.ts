/**
 * One `.env` at the repository root and one DATA_DIR for every command, whichever directory npm runs it in: the
 * server, `db:migrate` and `admin:create` read the root `.env`, and a relative DATA_DIR is the root's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../../src/paths.js';
import { adminLogin } from '../admin/helpers.js';
import { startTestServer } from '../support/server.js';

const rel = `.data-test-${randomBytes(4).toString('hex')}`;
const tmp = mkdtempSync(join(tmpdir(), 'aizhao-env-'));
afterAll(() => {
  rmSync(join(REPO_ROOT, rel), { recursive: true, force: true });
  rmSync(join(REPO_ROOT, 'server', rel), { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs an npm script of the root package.json in `cwd`, with only the variables given (plus PATH/HOME). */
function npmRun(script: string, args: string[], cwd: string, env: Record<string, string>, input = '') {
  const r = spawnSync('npm', ['run', '--silent', script, '--prefix', REPO_ROOT, ...(args.length ? ['--', ...args] : [])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, ...env },
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('one .env and one DATA_DIR', () => {
  it('the repository root is the one with the workspaces', () => {
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'server', 'package.json'))).toBe(true);
  });

  it('a relative DATA_DIR is resolved against the root, not the working directory', () => {
    expect(loadConfig({ DATA_DIR: rel }).dataDir).toBe(join(REPO_ROOT, rel));
  });

  it('db:migrate and admin:create, run from the root and from server/, write into the same root DATA_DIR that the .env names', () => {
    const envFile = join(tmp, '.env');
    writeFileSync(envFile, `DATA_DIR=${rel}\nLOG_LEVEL=silent\n`);
    const env = { DOTENV_CONFIG_PATH: envFile };
    const migrate = npmRun('db:migrate', [], join(REPO_ROOT, 'server'), env);
    expect(migrate.status, migrate.out).toBe(0);
    expect(existsSync(join(REPO_ROOT, rel, 'aizhao.sqlite'))).toBe(true);
    expect(existsSync(join(REPO_ROOT, 'server', rel))).toBe(false);
    const create = npmRun('admin:create', ['--username', 'ops'], REPO_ROOT, env, 'correct horse battery staple\n');
    expect(create.status, create.out).toBe(0);
    expect(existsSync(join(REPO_ROOT, 'server', rel))).toBe(false);
  });

  it('the account admin:create made logs in to the server started on that DATA_DIR', async () => {
    const s = await startTestServer({ jobs: false, dataDir: join(REPO_ROOT, rel) });
    try {
      const admin = await adminLogin(s.url, 'correct horse battery staple', 'ops');
      expect((await admin.get('/session')).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('listens on 127.0.0.1 unless HOST says otherwise, and warns when the sandbox is reachable from the network', () => {
    expect(loadConfig({ DATA_DIR: tmp }).host).toBe('127.0.0.1');
    expect(loadConfig({ DATA_DIR: tmp }).warnings).toEqual([]);
    const open = loadConfig({ DATA_DIR: tmp, HOST: '0.0.0.0' });
    expect(open.host).toBe('0.0.0.0');
    expect(open.warnings.join('\n')).toMatch(/HOST=0\.0\.0\.0: the sandbox is reachable from other computers/);
    expect(open.warnings.join('\n')).toMatch(/set PUBLIC_BASE_URL=/);
    const lan = loadConfig({ DATA_DIR: tmp, HOST: '0.0.0.0', PUBLIC_BASE_URL: 'http://192.168.1.20:3000' });
    expect(lan.warnings.join('\n')).not.toMatch(/PUBLIC_BASE_URL/);
  });
});
