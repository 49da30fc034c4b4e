/**
 * The sandbox emulators as a process of their own (`npm run sandbox`): COS/CI/STS, WeChat Pay, RunningHub and the SMS
 * outbox with the /sandbox/* control routes of docs/api.md, state under DATA_DIR/sandbox/, listening on
 * HOST:SANDBOX_PORT. Servers started with SANDBOX_URL pointing here share it (sandbox/remote.ts), so that several
 * server processes (a PM2 cluster) work on one set of emulators. It also emulates the Tencent Cloud APIs that only
 * speak https (STS GetFederationToken and SMS, tencent/index.ts) on an HTTPS listener of its own (a free port on
 * HOST), which the doctor's dry run uses (GET /sandbox/internal/accounts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import type { Config } from '../config.js';
import { errorHandler, notFound, parse, requestId, route } from '../http/middleware.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { isLoopback } from '../modules/ops/routes.js';
import { SandboxStsIssuer } from '../vendors/cos/sts.js';
import { emulatedAccounts } from './accounts.js';
import { sandboxControlRoutes } from './control.js';
import { createSandbox, type Sandbox } from './index.js';
import { SANDBOX_INTERNAL } from './remote.js';
import { startTencentEmulators, type TencentEmulators } from './tencent/index.js';

const stsSchema = z
  .object({ allowPrefix: z.string().min(1).max(512), durationSeconds: z.number().int().positive(), maxBytes: z.number().int().positive() })
  .strict();
const smsSchema = z
  .object({ phone: z.string().min(1).max(32), code: z.string().min(1).max(16), ttlMinutes: z.number().int().positive() })
  .strict();

/**
 * What only servers call: the STS issue and the SMS send that an in-process sandbox does by a function call; and what
 * only the doctor's dry run on this machine reads (the emulated accounts).
 */
function internalRoutes(config: Config, sandbox: Sandbox, tencent: TencentEmulators): express.Router {
  const r = express.Router();
  const json = express.json({ limit: '10kb' });
  const sts = new SandboxStsIssuer(sandbox.cos);
  r.post(
    `${SANDBOX_INTERNAL}/sts`,
    json,
    route(async (req, res) => void res.json(await sts.issue(parse(stsSchema, req.body)))),
  );
  r.post(
    `${SANDBOX_INTERNAL}/sms`,
    json,
    route(async (req, res) => {
      const { phone, code } = parse(smsSchema, req.body);
      await sandbox.sms.sendLoginCode(phone, code);
      res.json({ ok: true });
    }),
  );
  // the emulators' own record of when each vendor request arrived (tests of several server processes measure on it)
  r.get(`${SANDBOX_INTERNAL}/timeline`, (_req, res) => {
    res.json({ runninghub: sandbox.runninghub.timeline(), wxpay: sandbox.wxpay.timeline(), wxpayStats: sandbox.wxpay.stats() });
  });
  // every emulated account's credentials, for `npm run doctor`'s dry run on this machine (doctor/dry-run.ts)
  r.get(`${SANDBOX_INTERNAL}/accounts`, (req, res) => {
    if (!isLoopback(req.socket.remoteAddress)) throw new AppError('UNAUTHENTICATED', '模拟账户的密钥只在本机提供');
    res.setHeader('Cache-Control', 'no-store');
    res.json(emulatedAccounts(config, { port: tencent.port, ca: tencent.ca }));
  });
  return r;
}

export interface SandboxProcess {
  server: Server;
  url: string;
  sandbox: Sandbox;
  /** the HTTPS listener of the Tencent STS and SMS emulators */
  tencent: TencentEmulators;
  close(): Promise<void>;
}

export async function startSandboxServer(config: Config, logger: Logger): Promise<SandboxProcess> {
  if (!config.sandbox) throw new Error('npm run sandbox needs sandbox mode (SANDBOX=1, or no cloud credentials set)');
  for (const w of config.warnings) logger.warn(w);
  const sandbox = createSandbox(config, logger);
  const secrets = config.sandboxSecrets!;
  const tencent = await startTencentEmulators({
    host: config.host,
    account: { secretId: secrets.cos.secretId, secretKey: secrets.cos.secretKey },
    issueTemporaryKey: (o) => sandbox.cos.issueTemporaryKey(o),
    outbox: sandbox.sms,
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(requestId);
  app.get('/healthz', (_req, res) => void res.json({ ok: true, sandbox: true }));
  app.use(internalRoutes(config, sandbox, tencent), sandboxControlRoutes(sandbox), sandbox.emulators);
  app.use(notFound);
  app.use(errorHandler(logger));
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.sandboxPort, config.host, () => resolve());
  }).catch(async (err: unknown) => {
    await tencent.close();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    server,
    sandbox,
    tencent,
    url: `http://${['0.0.0.0', '[::]'].includes(host) ? '127.0.0.1' : host}:${port}`,
    async close() {
      sandbox.stop();
      await tencent.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
