/** Process entry: `npm run server`. Loads .env, validates config once, serves, and shuts down gracefully. */
import './load-env.js';
import { startServer } from './app.js';
import { ConfigError, loadConfig } from './config.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const running = await startServer(config);
running.logger.info(
  { url: config.publicBaseUrl, port: config.port, sandbox: config.sandbox, db: running.db.dialect },
  config.sandbox ? 'AI照 server listening (sandbox mode: local emulators of COS, CI, STS, WeChat Pay, RunningHub, SMS)' : 'AI照 server listening',
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
