/**
 * docs/deploy.md stays true where it cheaply can: every `npm run X` it shows is a script of the root package.json,
 * every variable it names is one the configuration (or PM2's ecosystem file) reads, every variable production
 * requires is named, and every repository file it mentions or links exists. Its "Dry run on this machine" uses only
 * commands this repository has, with the defaults they print, and its nginx -t block passes as it is written.
 * (The dry run itself — sandbox process, server, doctor — runs in server/test/doctor/dry-run.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { CONFIG_ALIASES, CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.js';
import { REPO_ROOT } from '../../src/paths.js';

const DOC = join(REPO_ROOT, 'docs', 'deploy.md');
const md = readFileSync(DOC, 'utf8');
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
);
/** Upper-case names the doc uses that are not ours to read: shell variables of its commands, Electron's, a WeChat code. */
const NOT_CONFIG = new Set(['DOMAIN', 'EMAIL', 'HOME', 'ELECTRON_SKIP_BINARY_DOWNLOAD', 'ORDER_NOT_EXIST', 'TEST_DATABASE_URL']);
const ecosystem = readFileSync(join(REPO_ROOT, 'ecosystem.config.cjs'), 'utf8');
const PM2_VARIABLES = new Set([...ecosystem.matchAll(/setting\('([A-Z0-9_]+)'/g)].map((m) => m[1]!));

describe('docs/deploy.md', () => {
  it('runs only npm scripts that exist', () => {
    const used = [...new Set([...md.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)].map((m) => m[1]!))];
    expect(used).toEqual(expect.arrayContaining(['build', 'db:migrate', 'admin:create', 'doctor']));
    expect(used.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it('names only variables the configuration or the PM2 file reads', () => {
    const known = new Set([...CONFIG_VARIABLES, ...Object.keys(CONFIG_ALIASES), ...PM2_VARIABLES]);
    // `NAME`, NAME= and $NAME, with an underscore (HOST, PORT … are checked when they are configuration names)
    const names = new Set(
      [...md.matchAll(/(?:`|\$|\b)([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)(?=`|=|\b)/g)]
        .map((m) => m[1]!)
        .filter((n) => n.includes('_') || CONFIG_VARIABLES.includes(n)),
    );
    expect(names.size).toBeGreaterThan(30);
    expect([...names].filter((n) => !known.has(n) && !NOT_CONFIG.has(n))).toEqual([]);
    expect(PM2_VARIABLES.size).toBeGreaterThan(2);
  });

  it('names every variable production requires', () => {
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'production', SANDBOX: '0' });
    } catch (err) {
      problems = err instanceof ConfigError ? err.problems : [];
    }
    const required = [...new Set(problems.flatMap((p) => [...p.split(':')[0]!.matchAll(/[A-Z][A-Z0-9_]+/g)].map((m) => m[0])))];
    expect(required).toEqual(expect.arrayContaining(['TENCENT_SECRET_ID', 'WECHAT_MCHID', 'JWT_SECRET', 'SMS_SIGN_NAME']));
    expect(required.filter((n) => !md.includes(`\`${n}\``))).toEqual([]);
  });

  it('mentions and links only files that exist', () => {
    const paths = [
      ...[...md.matchAll(/`((?:deploy|server|docs|scripts)\/[\w./-]+|ecosystem\.config\.cjs|\.env\.example|\.nvmrc)`/g)].map((m) =>
        join(REPO_ROOT, m[1]!),
      ),
      ...[...md.matchAll(/\]\((?!https?:|#)([^)#]+)\)/g)].map((m) => resolve(dirname(DOC), m[1]!)),
      ...[...md.matchAll(/\/srv\/aizhao\/app\/([\w./-]+)/g)].map((m) => join(REPO_ROOT, m[1]!)),
    ];
    expect(paths.length).toBeGreaterThan(8);
    expect(paths.filter((p) => !existsSync(p)).map((p) => p.slice(REPO_ROOT.length + 1))).toEqual([]);
  });
});

describe('docs/deploy.md: Dry run on this machine', () => {
  const start = md.indexOf('## Dry run on this machine');
  const section = md.slice(start, md.indexOf('\n## ', start + 1));
  /** the shell blocks of the section */
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('exists, is linked from the top, and runs the sequence with scripts and files of the repository', () => {
    expect(start).toBeGreaterThan(0);
    expect(md.slice(0, start)).toContain('(#dry-run-on-this-machine)');
    for (const command of [
      'npm ci',
      'npm run build',
      'npm run sandbox',
      'npm run db:migrate',
      'npm run doctor',
      'npx pm2 start ecosystem.config.cjs',
    ])
      expect(section).toContain(command);
    for (const used of section.matchAll(/npm run ([a-z][\w:-]*)/g)) expect(scripts).toContain(used[1]);
    // npx pm2 runs the repository's own PM2 (a dependency), not a global one
    const server = JSON.parse(readFileSync(join(REPO_ROOT, 'server', 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(server.devDependencies['pm2']).toBeTruthy();
    expect(existsSync(join(REPO_ROOT, 'node_modules', '.bin', 'pm2'))).toBe(true);
    // NODE_ENV=development npx pm2 start …: the ecosystem file lets the environment name NODE_ENV
    expect(ecosystem).toMatch(/NODE_ENV: process\.env\.NODE_ENV \|\| 'production'/);
  });

  it("its .env is sandbox mode with the sandbox process's default address, and the server's default port", () => {
    const envBlock = blocks.find((b) => b.includes("cat > .env <<'ENV'"));
    expect(envBlock).toBeDefined();
    const env = dotenv.parse(/<<'ENV'\n([\s\S]*?)\nENV/.exec(envBlock!)![1]!);
    const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-deploy-doc-'));
    try {
      const config = loadConfig({ ...env, DATA_DIR: dataDir });
      expect(config.sandbox).toBe(true);
      expect(config.sandboxUrl).toBe(`http://127.0.0.1:${config.sandboxPort}`); // what npm run sandbox listens on
      expect(section).toContain(`listen on \`127.0.0.1:${config.sandboxPort}\``);
      expect(section).toContain(`curl ${config.publicBaseUrl}/healthz`);
      expect(section).toContain(`here \`${config.publicBaseUrl}\``);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // nginx -t opens ports 80 and 443: root only (CI runs the tests as root, as it does nginx.test.ts)
  it.skipIf(process.getuid?.() !== 0)('its nginx -t block passes as written (with sudo, as root)', () => {
    const nginxBlock = blocks.find((b) => b.includes('nginx -t -c'));
    expect(nginxBlock).toBeDefined();
    expect(
      readFileSync(join(REPO_ROOT, 'deploy', 'nginx', 'aizhao.conf'), 'utf8').split('/etc/letsencrypt/live/api.example.com/').length - 1,
    ).toBe(2);
    const script = `set -e\nsudo() { "$@"; }\nexport PATH="$PATH:/usr/sbin"\n${nginxBlock!}\nrm -rf "$T"\n`;
    const r = spawnSync('bash', ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain('test is successful');
  });
});
