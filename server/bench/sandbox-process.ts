/** The sandbox emulators in a process of their own for a benchmark (`npm run sandbox`): the vendor's work is not the server's. */
import { join } from 'node:path';
import { spawnNode, waitHealthy } from '../test/production/helpers.js';
import { freePort } from '../test/support/server.js';
import { processCpuMicros } from './load.js';

export interface SandboxProcess {
  /** what servers get as SANDBOX_URL */
  url: string;
  /** the emulator process's CPU time so far (µs, all threads) */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** The emulators in a process of their own (`npm run sandbox`) on the server's data directory (its accounts and keys). */
export async function startSandboxProcess(dataDir: string): Promise<SandboxProcess> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const sandbox = spawnNode([join('server', 'run.mjs'), 'sandbox'], { DATA_DIR: dataDir, SANDBOX_PORT: new URL(url).port, LOG_LEVEL: 'warn' });
  const stop = async (): Promise<void> => {
    sandbox.child.kill('SIGTERM');
    await sandbox.exited;
  };
  await waitHealthy(url, sandbox).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, cpuMicros: () => processCpuMicros(sandbox.child.pid!), stop };
}

