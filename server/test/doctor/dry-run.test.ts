/**
 * The dry run of docs/deploy.md, as a newcomer runs it: the shared sandbox process (`npm run sandbox`) and a server
 * started with SANDBOX_URL, each a child process, then `npm run doctor` with that SANDBOX_URL. Every check runs with
 * the real clients against the sandbox process's emulators (COS, CI, WeChat Pay, RunningHub over http; Tencent STS
 * and SMS on its HTTPS listener), the database is the server's, PUBLIC_BASE_URL the server's address: all ✓, exit 0.
 * A broken setting in the environment (it wins over the emulated accounts) gives the ✗ of its check and exit 1.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';
import { spawnNode, waitHealthy, type Child } from '../production/helpers.js';
import { freePort } from '../support/server.js';

const RUN = join('server', 'run.mjs');
const CHECKS = ['COS', 'CI', 'STS', 'WeChat Pay keys', 'WeChat Pay API', 'Alipay API', 'RunningHub', 'SMS', 'Database', 'PUBLIC_BASE_URL'];

const tmp = mkdtempSync(join(tmpdir(), 'aizhao-dry-run-'));
const children: Child[] = [];
let envFile: string;
let sandboxUrl: string;

beforeAll(async () => {
  const [sandboxPort, serverPort] = [await freePort(), await freePort()];
  sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  // the one .env every command reads (DOTENV_CONFIG_PATH stands for the repository's .env)
  envFile = join(tmp, '.env');
  writeFileSync(
    envFile,
    `DATA_DIR=${join(tmp, 'data')}\nPORT=${serverPort}\nSANDBOX_PORT=${sandboxPort}\nSANDBOX_URL=${sandboxUrl}\nLOG_LEVEL=warn\n`,
  );
  const sandbox = spawnNode([RUN, 'sandbox'], { DOTENV_CONFIG_PATH: envFile });
  children.push(sandbox);
  await waitHealthy(sandboxUrl, sandbox);
  const server = spawnNode([RUN, 'main'], { DOTENV_CONFIG_PATH: envFile });
  children.push(server);
  await waitHealthy(`http://127.0.0.1:${serverPort}`, server); // migrates its SQLite database (sandbox mode)
}, 120_000);

afterAll(async () => {
  for (const c of children) c.child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  rmSync(tmp, { recursive: true, force: true });
});

/** `npm run doctor` from the repository root with the .env above, `env` set in the environment; exit code and output. */
function doctor(env: Record<string, string> = {}): Promise<{ status: number | null; out: string; lines: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'doctor'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, DOTENV_CONFIG_PATH: envFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      // each check's line by name: "✓ NAME: …" / "✗ NAME: …"
      const lines = Object.fromEntries(
        out
          .split('\n')
          .map((l) => /^([✓✗]) ([^:]+): /.exec(l))
          .filter((m): m is RegExpExecArray => m !== null)
          .map((m) => [m[2]!, m.input]),
      );
      resolve({ status, out, lines });
    });
  });
}

const okLines = (lines: Record<string, string>) => Object.keys(lines).filter((n) => lines[n]!.startsWith('✓'));

describe('SANDBOX_URL=… npm run doctor (the dry run)', () => {
  it('says it is a dry run against the emulators, passes every check and exits 0', async () => {
    const r = await doctor();
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(new RegExp(`^Dry run against the sandbox emulators at ${sandboxUrl} \\(SANDBOX_URL\\)`, 'm'));
    expect(r.out).toContain('No real vendor is called');
    expect(Object.keys(r.lines)).toEqual(CHECKS);
    expect(okLines(r.lines), r.out).toEqual(CHECKS);
    expect(r.out).toMatch(/^all 10 checks passed$/m);
    // Alipay is checked against its emulator, not skipped as a channel that is off
    expect(r.out).toMatch(/^✓ Alipay API: query of an unknown trade answered ACQ\.TRADE_NOT_EXIST/m);
    expect(r.lines['STS']).toContain('GetFederationToken issued a temporary key');
    expect(r.lines['SMS']).toContain('signature "爱照科技" and template 2024001 approved');
    expect(r.lines['Database']).toContain('sqlite reachable, every migration applied');
    // no TLS in front of the server here: accepted, and said so
    expect(r.lines['PUBLIC_BASE_URL']).toMatch(/answered 200 over plain http — accepted in this dry run only; production needs https/);
  }, 180_000);

  it('a wrong TENCENT_SECRET_KEY: COS, CI, STS and SMS ✗ with the vendors’ codes, the rest ✓, exit 1', async () => {
    const r = await doctor({ SANDBOX: '1', TENCENT_SECRET_KEY: 'not-the-account-secret-key-000000' });
    expect(r.status, r.out).toBe(1);
    expect(r.lines['COS']).toMatch(/^✗ COS: .*SignatureDoesNotMatch.*TENCENT_SECRET_KEY/);
    expect(r.lines['CI']).toMatch(/^✗ CI: not checked: COS is not writable/);
    expect(r.lines['STS']).toMatch(/^✗ STS: .*AuthFailure\.SignatureFailure.*TENCENT_SECRET_KEY/);
    expect(r.lines['SMS']).toMatch(/^✗ SMS: .*AuthFailure\.SignatureFailure.*TENCENT_SECRET_KEY/);
    expect(okLines(r.lines)).toEqual(['WeChat Pay keys', 'WeChat Pay API', 'Alipay API', 'RunningHub', 'Database', 'PUBLIC_BASE_URL']);
    expect(r.out).toMatch(/^4 of 10 checks failed$/m);
  }, 180_000);

  it('a wrong SMS_TEMPLATE_ID: SMS ✗ naming it, exit 1', async () => {
    const r = await doctor({ SMS_TEMPLATE_ID: '2024999' });
    expect(r.status, r.out).toBe(1);
    expect(r.lines['SMS']).toBe('✗ SMS: SMS_TEMPLATE_ID 2024999 is not a template of this account');
    expect(okLines(r.lines)).toEqual(CHECKS.filter((c) => c !== 'SMS'));
  }, 180_000);

  it('a WeChat Pay platform key file that is not WeChat’s: WeChat Pay API ✗ naming the signature, exit 1', async () => {
    const path = join(tmp, 'other_pub_key.pem');
    writeFileSync(path, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const r = await doctor({ WECHAT_PLATFORM_PUBLIC_KEY_PATH: path });
    expect(r.status, r.out).toBe(1);
    expect(r.lines['WeChat Pay keys']).toMatch(/^✓/); // the file parses …
    expect(r.lines['WeChat Pay API']).toMatch(/^✗ WeChat Pay API: .*signature.*WECHAT_PLATFORM_PUBLIC_KEY/); // … but is not the platform's
    expect(okLines(r.lines)).toEqual(CHECKS.filter((c) => c !== 'WeChat Pay API'));
  }, 180_000);

  it('no sandbox process at SANDBOX_URL: one ✗ saying to start npm run sandbox, exit 1', async () => {
    const r = await doctor({ SANDBOX_URL: `http://127.0.0.1:${await freePort()}` });
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/^✗ dry run: the sandbox process does not answer at http:\/\/127\.0\.0\.1:\d+ .*npm run sandbox/m);
    expect(Object.keys(r.lines)).toEqual(['dry run']); // and no check ran
  }, 180_000);
});
