/**
 * Builds the whole server from a validated config: database, vendors (or sandbox emulators), the Express app and the
 * job runner. `startServer` also listens; main.ts is only the process entry around it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { createDatabase, type Database } from './db/index.js';
import { createMigrator } from './db/migrator.js';
import { clientVersionGate } from './http/client-version.js';
import { errorHandler, notFound, requestId } from './http/middleware.js';
import { securityHeaders } from './http/security-headers.js';
import { createJobRunner, type JobRunner } from './jobs/runner.js';
import { createLogger, type Logger } from './lib/logger.js';
import { adminApiRoutes, seedAdminFromConfig } from './modules/admin/index.js';
import { adminPage } from './modules/admin/page.js';
import { authRoutes } from './modules/auth/routes.js';
import { consentRoutes, legalRoutes } from './modules/legal/routes.js';
import { membershipRoutes, paymentCallbackRoute } from './modules/membership/routes.js';
import { publicRoutes } from './modules/public/routes.js';
import { storageRoutes } from './modules/storage/routes.js';
import { taskRoutes } from './modules/tasks/routes.js';
import { sandboxControlRoutes } from './sandbox/control.js';
import { createSandbox, type Sandbox } from './sandbox/index.js';
import { createVendors } from './vendors/index.js';

export interface App {
  app: Express;
  ctx: AppContext;
  db: Database;
  runner: JobRunner;
  sandbox: Sandbox | null;
  logger: Logger;
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
  const sandbox = config.sandbox ? createSandbox(config, logger) : null;
  let runner: JobRunner | null = null;
  const ctx: AppContext = {
    config,
    db,
    logger,
    vendors: createVendors(config, sandbox),
    wakeJobs: () => runner?.wake(),
    now: opts.now ?? (() => new Date()),
  };
  runner = createJobRunner(ctx);
  await seedAdminFromConfig(ctx, config.admin);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(requestId);
  app.use(securityHeaders(config));
  app.use(
    pinoHttp({
      logger,
      genReqId: (req) => (req as express.Request).id,
      customLogLevel: (req, res, err) => (err || res.statusCode >= 500 ? 'error' : req.url?.startsWith('/sandbox/') ? 'debug' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  if (sandbox) app.use(sandboxControlRoutes(sandbox), sandbox.emulators);
  app.use(paymentCallbackRoute(ctx));
  app.use('/admin/api', adminApiRoutes(ctx)); // its own body parser, cookie session and CSRF
  app.use(express.json({ limit: '100kb' }));
  // /client-config and the legal texts answer any version (they tell an old app to update); the rest needs MIN_CLIENT_VERSION
  app.use(publicRoutes(ctx), legalRoutes(), clientVersionGate(config));
  app.use(authRoutes(ctx), consentRoutes(ctx), membershipRoutes(ctx), storageRoutes(ctx), taskRoutes(ctx));
  app.use(adminPage(ctx)); // the web admin page: GET /admin and its bundled assets
  app.use(notFound);
  app.use(errorHandler(logger));
  return { app, ctx, db, runner, sandbox, logger };
}

export interface RunningServer extends App {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Creates the app, listens on config.port, starts the job runner. */
export async function startServer(config: Config, opts: AppOptions & { jobs?: boolean } = {}): Promise<RunningServer> {
  const built = await createApp(config, opts);
  const server = createServer(built.app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  if (opts.jobs !== false) built.runner.start();
  let closed = false;
  return {
    ...built,
    server,
    url: `http://${['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      await built.runner.stop();
      built.sandbox?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await built.db.close();
    },
  };
}
