/** Process entry of `npm run sandbox`: the shared emulator process (serve.ts). */
import '../load-env.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../lib/logger.js';
import { startSandboxServer } from './serve.js';

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
const logger = createLogger(config.logLevel);
let running;
try {
  running = await startSandboxServer(config, logger);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
logger.info(
  { url: running.url, dataDir: config.dataDir },
  'AI照 sandbox emulators listening: start servers with SANDBOX_URL=' + running.url,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void running.close().then(() => process.exit(0)));
}
process.send?.('ready');
