/** Process entry: `npm run server`. Loads .env, validates config once, serves, and shuts down gracefully. */
import './load-env.js';
import { startServer } from './app.js';
import { loadConfigOrExit } from './cli/config-or-exit.js';

const config = loadConfigOrExit();

const running = await startServer(config);
running.logger.info(
  { url: config.publicBaseUrl, port: config.port, sandbox: config.sandbox, db: running.db.dialect },
  config.sandbox ? 'AI照 server listening (sandbox mode: local emulators of COS, CI, STS, WeChat Pay, RunningHub, SMS)' : 'AI照 server listening',
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  running.logger.info({ signal, timeoutMs: config.shutdown.timeoutMs }, 'shutting down');
  // a last resort past the shutdown's own deadline (PM2's kill_timeout is later still)
  const force = setTimeout(() => process.exit(1), config.shutdown.timeoutMs + 2000);
  force.unref();
  running.shutdown().then(
    (outcome) => {
      running.logger.info(outcome, 'stopped');
      process.exit(outcome.forced ? 1 : 0);
    },
    (err: unknown) => {
      running.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
// PM2 stops with SIGINT; with shutdown_with_message (or PM2_KILL_USE_MESSAGE, e.g. on Windows) it sends this instead
process.on('message', (message) => {
  if (message === 'shutdown') stop('shutdown message');
});

// PM2 (wait_ready) starts sending this process requests, and stops the old one of a reload, once it says so
process.send?.('ready');
