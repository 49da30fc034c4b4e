/**
 * `npm run doctor` as the operator runs it (from the root, reading the .env DOTENV_CONFIG_PATH names): a configuration
 * that does not load, and sandbox mode without SANDBOX_URL, are each one ✗ line with what to do, and exit code 1. (The
 * vendor checks themselves, which would reach the real vendors from this command, are run against the emulators in
 * doctor.test.ts, and as the command's dry run against a sandbox process in dry-run.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'aizhao-doctor-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function doctor(envText: string): { status: number | null; out: string } {
  const envFile = join(tmp, `${Math.random().toString(36).slice(2)}.env`);
  writeFileSync(envFile, envText);
  const r = spawnSync('npm', ['run', '--silent', 'doctor', '--prefix', REPO_ROOT], {
    cwd: join(REPO_ROOT, 'server'),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, DOTENV_CONFIG_PATH: envFile },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

describe('npm run doctor (the command)', () => {
  it('a configuration that does not load: ✗ configuration listing each problem, exit 1', () => {
    const r = doctor(`DATA_DIR=${tmp}\nTENCENT_SECRET_ID=AKIDonly\n`);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/^✗ configuration: fix these in \.env/m);
    expect(r.out).toContain('WECHAT_MCHID, RUNNINGHUB_API_KEY: missing');
  });

  it('sandbox mode without SANDBOX_URL: ✗ mode, nothing real to check, pointing to the dry run; exit 1', () => {
    const r = doctor(`DATA_DIR=${tmp}\nSANDBOX=1\n`);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toMatch(/^✗ mode: this is sandbox mode/m);
    expect(r.out).toContain('start npm run sandbox and run SANDBOX_URL=http://127.0.0.1:3100 npm run doctor');
  });
});
