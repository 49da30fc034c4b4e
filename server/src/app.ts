/**
 * Builds the whole server from a validated config: database, vendors (or sandbox emulators), the Express app and the
 * job runner. `startServer` also listens; main.ts is only the process entry around it.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { createDatabase, type Database } from './db/index.js';
import { createMigrator } from './db/migrator.js';
import { accessLog } from './http/access-log.js';
import { clientVersionGate } from './http/client-version.js';
import { errorHandler, notFound, requestId } from './http/middleware.js';
import { securityHeaders } from './http/security-headers.js';
import { trackConnections } from './http/drain.js';
import { createLedgerCheck, type LedgerCheck } from './jobs/ledger-check.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createMetrics, httpMetrics, instrumentVendors, type Metrics } from './lib/metrics.js';
import { metricsRoute, opsRoutes } from './modules/ops/routes.js';
import { gracefulShutdown, type ShutdownOutcome } from './shutdown.js';
import { adminApiRoutes, seedAdminFromConfig } from './modules/admin/index.js';
import { adminPage } from './modules/admin/page.js';
import { authRoutes } from './modules/auth/routes.js';
import { consentRoutes, legalRoutes } from './modules/legal/routes.js';
import { alipayCallbackRoute, membershipRoutes, paymentCallbackRoute } from './modules/membership/routes.js';
import { planRoutes } from './modules/plans/routes.js';
import { publicRoutes } from './modules/public/routes.js';
import { storageRoutes } from './modules/storage/routes.js';
import { taskRoutes } from './modules/tasks/routes.js';
import { sandboxControlRoutes } from './sandbox/control.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';
import { sandboxForwarder } from './sandbox/remote.js';
import { createVendors } from './vendors/index.js';

export interface App {
  app: Express;
  ctx: AppContext;
  db: Database;
  runner: JobRunner;
  sandbox: Sandbox | null;
  logger: Logger;
  metrics: Metrics;
  ledgerCheck: LedgerCheck;
}

export interface AppOptions {
  logger?: Logger;
  now?: () => Date;
  /** statements run on every new database connection (tests choose MariaDB's snapshot isolation with it) */
  dbSessionSql?: string[];
}

export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  for (const w of config.warnings) logger.warn(w);
  const db = createDatabase({
    url: config.database.url,
    dataDir: config.dataDir,
    poolMin: config.database.poolMin,
    poolMax: config.database.poolMax,
    reconnectWindowMs: config.database.reconnectWindowMs,
    sessionSql: opts.dbSessionSql,
  });
  if (config.sandbox) await db.migrate();
  else {
    const pending = await createMigrator(db.sequelize).pending();
    if (pending.length) throw new Error(`database has ${pending.length} pending migration(s): run npm run db:migrate`);
  }
  // SANDBOX_URL: the emulators of the shared sandbox process (npm run sandbox) instead of this process's own
  const sandbox = config.sandbox && !config.sandboxUrl ? createSandbox(config, logger) : null;
  const metrics = createMetrics(() => countTasksInFlight(db));
  let runner: JobRunner | null = null;
  const ctx: AppContext = {
    config,
    db,
    logger,
    vendors: instrumentVendors(createVendors(config, sandbox), metrics),
    wakeJobs: () => runner?.wake(),
    now: opts.now ?? (() => new Date()),
  };
  runner = createJobRunner(ctx);
  const ledgerCheck = createLedgerCheck(ctx, metrics);
  ctx.lastLedgerCheck = ledgerCheck.last;
  await seedAdminFromConfig(ctx, config.admin);

  const app = express();
  app.disable('x-powered-by');
  // every API answer is Cache-Control: no-store, so a SHA-1 ETag of each body would only cost CPU (static admin
  // assets keep theirs: express.static sets its own)
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  app.use(accessLog(logger));
  // the emulated vendors answer as the vendors do: before our own HTTP metrics (vendor calls are timed on the client
  // side, lib/metrics.ts instrumentVendors), security headers and cache rules, which COS or WeChat Pay do not send
  if (sandbox) app.use(sandboxControlRoutes(sandbox), sandbox.emulators);
  else if (config.sandboxUrl) app.use(sandboxForwarder(config.sandboxUrl));
  app.use(httpMetrics(metrics));
  app.use(securityHeaders(config));
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use(opsRoutes(ctx, metrics)); // GET /readyz, GET /metrics
  app.use(paymentCallbackRoute(ctx));
  app.use(alipayCallbackRoute(ctx));
  app.use('/admin/api', adminApiRoutes(ctx)); // its own body parser, cookie session and CSRF
  app.use(express.json({ limit: '100kb' }));
  // /client-config and the legal texts answer any version (they tell an old app to update); the rest needs MIN_CLIENT_VERSION
  app.use(publicRoutes(ctx), legalRoutes(), clientVersionGate(config));
  app.use(planRoutes(ctx));
  app.use(authRoutes(ctx), consentRoutes(ctx), membershipRoutes(ctx), storageRoutes(ctx), taskRoutes(ctx));
  app.use(adminPage(ctx)); // the web admin page: GET /admin and its bundled assets
  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, ctx, db, runner, sandbox, logger, metrics, ledgerCheck };
}

/** Tasks still processing by type and stage, for the metrics (one GROUP BY on the status/stage index). */
async function countTasksInFlight(db: Database): Promise<{ type: string; stage: string; n: number }[]> {
  const rows = (await db.models.Task.findAll({
    attributes: ['type', 'stage', [db.sequelize.fn('COUNT', db.sequelize.col('id')), 'n']],
    where: { status: 'processing' },
    group: ['type', 'stage'],
    raw: true,
  })) as unknown as { type: string; stage: string; n: number | string }[];
  return rows.map((r) => ({ type: r.type, stage: r.stage, n: Number(r.n) }));
}

export interface RunningServer extends App {
  server: Server;
  url: string;
  /** stops at once (tests) */
  close(): Promise<void>;
  /** the graceful stop of a SIGINT/SIGTERM (shutdown.ts) */
  shutdown(): Promise<ShutdownOutcome>;
}

/** Creates the app, listens on config.port, starts the job runner. */
export async function startServer(config: Config, opts: AppOptions & { jobs?: boolean } = {}): Promise<RunningServer> {
  const built = await createApp(config, opts);
  const server = createServer(built.app);
  server.keepAliveTimeout = 65_000;
  const drainer = trackConnections(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  if (opts.jobs !== false) {
    built.runner.start();
    built.ledgerCheck.start();
  }
  const metricsServer = await listenMetrics(config, built);
  let closed = false;
  return {
    ...built,
    server,
    url: `http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      built.ledgerCheck.stop();
      metricsServer?.close();
      await built.runner.stop();
      built.sandbox?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await built.db.close();
    },
    async shutdown() {
      closed = true;
      return gracefulShutdown({
        config,
        drainer,
        runner: built.runner,
        sandbox: built.sandbox,
        db: built.db,
        logger: built.logger,
        stoppers: [() => built.ledgerCheck.stop(), () => metricsServer?.close()],
      });
    },
  };
}

/**
 * METRICS_PORT: this process also serves GET /metrics on 127.0.0.1:METRICS_PORT+NODE_APP_INSTANCE (PM2 numbers its
 * cluster processes 0…n-1), so that Prometheus can scrape every process of a PM2 cluster (lib/metrics.ts).
 */
async function listenMetrics(config: Config, built: App): Promise<Server | null> {
  if (config.metrics.port === undefined) return null;
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoute(built.ctx, built.metrics));
  app.use(notFound);
  app.use(errorHandler(built.logger));
  const server = createServer(app);
  server.listen(config.metrics.port + Number(process.env.NODE_APP_INSTANCE ?? 0), '127.0.0.1');
  await once(server, 'listening');
  return server;
}
