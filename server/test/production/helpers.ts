/**
 * Support for the production-path tests: server processes started as production starts them (a child process, the
 * build or the source), a bounded request load on 127.0.0.1 that records every answer and every socket error, and a
 * complete production configuration whose vendors are never called.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/paths.js';
import { sleep, waitUntil } from '../tasks/helpers.js';

export const SERVER_DIR = join(REPO_ROOT, 'server');
export const NO_BUILD_TOOLS = join(SERVER_DIR, 'test', 'production', 'no-build-tools.mjs');

export interface Child {
  child: ChildProcess;
  /** stdout and stderr so far */
  output(): string;
  exited: Promise<number | null>;
}

/** Spawns `node args…` in the repository root with only the given variables (plus PATH and HOME). */
export function spawnNode(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Waits until `url/healthz` answers 200 (fails early with the output when the process exits). */
export async function waitHealthy(url: string, c: Child, timeoutMs = 60_000): Promise<void> {
  let exitCode: number | null | undefined;
  void c.exited.then((code) => (exitCode = code));
  await waitUntil(
    async () => {
      if (exitCode !== undefined) throw new Error(`server exited (${exitCode}) before it was healthy:\n${c.output()}`);
      try {
        return (await fetch(`${url}/healthz`)).status;
      } catch {
        return 0;
      }
    },
    (status) => status === 200,
    timeoutMs,
    'server healthy',
    200,
  );
}

export interface LoadResult {
  /** answers by status code */
  statuses: Record<number, number>;
  /** socket errors by code (ECONNREFUSED, ECONNRESET, …) */
  errors: Record<string, number>;
  answered: number;
}

export interface Load {
  /** answers so far */
  answered(): number;
  stop(): void;
  result: Promise<LoadResult>;
}

/**
 * `workers` clients, each sending GET requests one after another over keep-alive connections, until stopped, until
 * `maxRequests` per worker or `maxMs` — and, with `untilRefused`, a worker stops at its first ECONNREFUSED (the
 * server no longer accepts connections). Every answer and every error is counted.
 */
export function startLoad(
  base: string,
  o: { paths: string[]; headers?: Record<string, string>; workers?: number; maxRequests?: number; maxMs?: number; untilRefused?: boolean },
): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: o.workers ?? 8 });
  const statuses: Record<number, number> = {};
  const errors: Record<string, number> = {};
  let answered = 0;
  let stopped = false;
  const until = Date.now() + (o.maxMs ?? 60_000);
  const one = (path: string): Promise<number | string> =>
    new Promise((resolve) => {
      const req = request(`${base}${path}`, { agent, headers: o.headers }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
      req.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; !stopped && i < (o.maxRequests ?? 5000) && Date.now() < until; i++) {
      const outcome = await one(o.paths[(w + i) % o.paths.length]!);
      if (typeof outcome === 'number') {
        statuses[outcome] = (statuses[outcome] ?? 0) + 1;
        answered++;
      } else {
        errors[outcome] = (errors[outcome] ?? 0) + 1;
        if (outcome === 'ECONNREFUSED' && o.untilRefused) return;
        await sleep(20);
      }
    }
  };
  const result = Promise.all(Array.from({ length: o.workers ?? 8 }, (_, w) => worker(w))).then(() => {
    agent.destroy();
    return { statuses, errors, answered };
  });
  return {
    answered: () => answered,
    stop: () => {
      stopped = true;
    },
    result,
  };
}

/**
 * A complete production configuration (NODE_ENV=production): made-up vendor identities, key files written into
 * `dir`, the given MariaDB database. Nothing in it reaches a vendor unless a request or a task needs one (none does
 * in these tests); RunningHub is pointed at a closed local port all the same.
 */
export function productionEnv(dir: string, databaseUrl: string, port: number): Record<string, string> {
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchantKey = join(dir, 'apiclient_key.pem');
  const platformKey = join(dir, 'pub_key.pem');
  writeFileSync(merchantKey, merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  writeFileSync(platformKey, platform.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_BASE_URL: 'https://api.example.com',
    DATA_DIR: join(dir, 'data'),
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_MIN: '0',
    JWT_SECRET: randomBytes(32).toString('hex'),
    // generated at test time: nothing credential-shaped lives in the repository
    TENCENT_SECRET_ID: `AKID${randomBytes(16).toString('hex')}`,
    TENCENT_SECRET_KEY: randomBytes(16).toString('hex'),
    TENCENT_APPID: '1250000000',
    COS_BUCKET: 'aizhao-test-1250000000',
    RUNNINGHUB_BASE_URL: 'http://127.0.0.1:9',
    RUNNINGHUB_API_KEY: randomBytes(16).toString('hex'),
    RUNNINGHUB_WEBAPP_ID: '1234567890',
    RUNNINGHUB_NODE_PROMPT: '6:text',
    RUNNINGHUB_NODE_IMAGE: '10:image',
    RUNNINGHUB_NODE_SEED: '3:seed',
    WECHAT_APPID: 'wxd930ea5d5a258f4f',
    WECHAT_MCHID: '1230000109',
    WECHAT_API_V3_KEY: randomBytes(16).toString('hex'),
    WECHAT_MERCHANT_SERIAL_NO: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    WECHAT_MERCHANT_PRIVATE_KEY_PATH: merchantKey,
    WECHAT_PLATFORM_PUBLIC_KEY_ID: `PUB_KEY_ID_0112${randomBytes(8).toString('hex').toUpperCase()}`,
    WECHAT_PLATFORM_PUBLIC_KEY_PATH: platformKey,
    SMS_APP_ID: '1400000000',
    SMS_SIGN_NAME: 'AI照',
    SMS_TEMPLATE_ID: '100000',
    LOG_LEVEL: 'info',
  };
}
