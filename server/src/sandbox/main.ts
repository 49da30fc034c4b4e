/** Process entry of `npm run sandbox`: the shared emulator process (serve.ts). */
import '../load-env.js';
import { loadConfigOrExit } from '../cli/config-or-exit.js';
import { createLogger } from '../lib/logger.js';
import { startSandboxServer } from './serve.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
let running;
try {
  running = await startSandboxServer(config, logger);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
logger.info(
  { url: running.url, tencentPort: running.tencent.port, dataDir: config.dataDir },
  'AI照 sandbox emulators listening: start servers with SANDBOX_URL=' + running.url,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void running.close().then(() => process.exit(0)));
}
process.send?.('ready');
