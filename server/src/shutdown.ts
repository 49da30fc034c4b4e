/**
 * The graceful shutdown of one server process (SIGINT from a PM2 reload, SIGTERM from systemd or `pm2 stop`), within
 * SHUTDOWN_TIMEOUT_MS (PM2's kill_timeout is set above it in ecosystem.config.cjs):
 *  1. the listener closes (new connections go to the other instances; under PM2 the new process is already
 *     listening), and answers close their connection from now on;
 *  2. the job runner claims nothing more and its jobs in flight settle (claims are in the database, so whatever was
 *     not started yet is taken by another instance or after a restart); jobs still running at the deadline hand
 *     their leases back so that no task waits a whole lease;
 *  3. requests in flight are answered, idle keep-alive connections closed after SHUTDOWN_IDLE_GRACE_MS;
 *  4. the database is closed.
 * Sandbox mode: the emulators are served by this same listener and our own jobs call them over HTTP, so the
 * listener stays open (answering everything as usual) until the jobs have settled.
 */
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Drainer } from './http/drain.js';
import type { JobRunner } from './jobs/runner.js';
import type { Logger } from './lib/logger.js';
import type { Sandbox } from './sandbox/index.js';

export interface ShutdownParts {
  config: Config;
  drainer: Drainer;
  runner: JobRunner;
  sandbox: Sandbox | null;
  db: Database;
  logger: Logger;
  /** extra things to stop before the database closes (timers) */
  stoppers?: (() => void)[];
}

export interface ShutdownOutcome {
  /** connections or jobs had to be cut at the deadline */
  forced: boolean;
  releasedClaims: number;
  ms: number;
}

/** Resolves true when `p` settled before `deadline`. */
async function before(p: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function gracefulShutdown(parts: ShutdownParts): Promise<ShutdownOutcome> {
  const { config, drainer, runner, sandbox, db, logger } = parts;
  const started = Date.now();
  const deadline = started + config.shutdown.timeoutMs;
  // the listener closes first, then answers say Connection: close (clients told to reconnect while it still
  // listens would keep connecting, and a connection still in the accept queue when it closes is reset)
  const stopAccepting = () => {
    drainer.closeListener();
    drainer.begin();
  };
  if (!sandbox) stopAccepting();

  let releasedClaims = 0;
  const jobsSettled = await before(runner.stop(), deadline);
  if (!jobsSettled) {
    releasedClaims = await runner.releaseHeld().catch((err: unknown) => {
      logger.error({ err }, 'shutdown: could not release the claims of unfinished jobs');
      return 0;
    });
    logger.warn({ releasedClaims }, 'shutdown: jobs still running at the deadline; their claims were released');
  }
  stopAccepting();
  const cut = await drainer.settle(config.shutdown.idleGraceMs, deadline);
  if (cut) logger.warn('shutdown: connections still open at the deadline were closed');
  for (const stop of parts.stoppers ?? []) stop();
  sandbox?.stop();
  await db.close();
  return { forced: cut || !jobsSettled, releasedClaims, ms: Date.now() - started };
}
