/**
 * PM2 process file for production: `npm run build`, then `pm2 start ecosystem.config.cjs` (first time) and
 * `pm2 reload ecosystem.config.cjs` (after an upgrade: one process at a time, no request dropped). See docs/pm2.md.
 *
 * Cluster mode: PM2_INSTANCES processes (default `max`, one per CPU) share the port. Each runs the built server
 * (server/dist/main.js: plain Node, no TypeScript loader) and reads the repository's one .env itself.
 * Reloads: PM2 starts the new process, waits for its process.send('ready') (wait_ready; at most listen_timeout),
 * then sends the old one SIGINT. The server then drains within SHUTDOWN_TIMEOUT_MS (server/src/shutdown.ts);
 * kill_timeout — when PM2 would SIGKILL — is set above that from the same value, so PM2 never cuts a drain short.
 */
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const dotenv = require('dotenv');

const envFile = process.env.DOTENV_CONFIG_PATH || join(__dirname, '.env');
const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
/** the environment first, then .env, then the server's own default (server/src/process-defaults.json) */
const setting = (name, fallback) => process.env[name] || fileEnv[name] || fallback;

const defaults = require('./server/src/process-defaults.json');
const shutdownTimeoutMs = Number(setting('SHUTDOWN_TIMEOUT_MS', defaults.SHUTDOWN_TIMEOUT_MS));
const logDir = resolve(__dirname, setting('PM2_LOG_DIR', 'logs'));
const instances = setting('PM2_INSTANCES', 'max');
// V8's old generation grows far past the live heap under a steady request load (the benchmark's list load took a
// process from 230 MB to 440 MB resident); a bound keeps it near the live heap (~70 MB) plus room (docs/benchmarks.md)
const heapMb = Number(setting('PM2_HEAP_MB', 160));

module.exports = {
  apps: [
    {
      name: 'aizhao',
      cwd: __dirname,
      script: join(__dirname, 'server', 'dist', 'main.js'),
      node_args: ['--enable-source-maps', `--max-old-space-size=${heapMb}`],
      exec_mode: 'cluster',
      instances: /^\d+$/.test(instances) ? Number(instances) : instances,
      wait_ready: true,
      // how long a new process may take from start to 'ready' (connect to the database, check migrations, listen)
      listen_timeout: Number(setting('PM2_LISTEN_TIMEOUT_MS', 30000)),
      // SIGINT first (the server drains), SIGKILL only after the drain's own deadline plus a margin
      kill_timeout: shutdownTimeoutMs + 5000,
      max_memory_restart: setting('PM2_MAX_MEMORY', '1G'),
      // a process that keeps crashing at start is not restarted in a tight loop
      exp_backoff_restart_delay: 200,
      out_file: join(logDir, 'aizhao-out.log'),
      error_file: join(logDir, 'aizhao-error.log'),
      merge_logs: true,
      time: false, // pino lines carry their own time
      env: {
        NODE_ENV: process.env.NODE_ENV || 'production',
      },
    },
  ],
};
