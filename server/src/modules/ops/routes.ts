/**
 * Operations endpoints: `GET /readyz` (ready to serve: the database answers and has no pending migration; 503 in the
 * contract's error shape otherwise — `/healthz` stays the liveness check) and `GET /metrics` (Prometheus text).
 * /metrics is not public: with METRICS_TOKEN set it needs `Authorization: Bearer <token>`; without, only a loopback
 * client may read it, judged by the client address Express derives under TRUST_PROXY (behind nginx on loopback with
 * TRUST_PROXY=loopback that is the forwarded address of the real client, not nginx's). TRUST_PROXY=true believes any
 * X-Forwarded-For, so the loopback rule cannot hold there: a token is required.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Router, type Request } from 'express';
import type { AppContext } from '../../context.js';
import { createMigrator } from '../../db/migrator.js';
import { route, sendError } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import type { Metrics } from '../../lib/metrics.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIP(a) === 4 ? a.startsWith('127.') : a === '::1';
}

/** Whether this request may read the metrics (see the file comment). */
export function metricsAllowed(ctx: Pick<AppContext, 'config'>, req: Request): boolean {
  const { token } = ctx.config.metrics;
  if (token) {
    const m = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    return Boolean(m?.[1]) && timingSafeEqual(digest(m![1]!), digest(token));
  }
  if (ctx.config.trustProxy === true) return false;
  return isLoopback(req.ip);
}

/** GET /metrics alone (also served on METRICS_PORT). */
export function metricsRoute(ctx: Pick<AppContext, 'config'>, metrics: Metrics): Router {
  const r = Router();
  r.get(
    '/metrics',
    route(async (req, res) => {
      if (!metricsAllowed(ctx, req)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new AppError('UNAUTHENTICATED', '读取监控指标需要 METRICS_TOKEN 令牌或在本机访问');
      }
      const body = await metrics.registry.metrics();
      res.setHeader('Content-Type', metrics.registry.contentType);
      res.send(body);
    }),
  );
  return r;
}

export function opsRoutes(ctx: AppContext, metrics: Metrics): Router {
  const r = Router();
  r.get(
    '/readyz',
    route(async (req, res) => {
      if (!(await ctx.db.ping())) {
        return sendError(res, req, new AppError('SERVICE_UNAVAILABLE', '数据库无法连接', [{ check: 'database', ok: false }]));
      }
      let pending: string[];
      try {
        pending = (await createMigrator(ctx.db.sequelize).pending()).map((m) => m.name);
      } catch (err) {
        ctx.logger.warn({ err }, 'readyz: cannot read the migration state');
        return sendError(res, req, new AppError('SERVICE_UNAVAILABLE', '无法读取数据库迁移状态', [{ check: 'migrations', ok: false }]));
      }
      if (pending.length) {
        return sendError(
          res,
          req,
          new AppError('SERVICE_UNAVAILABLE', '数据库有未执行的迁移，请运行 npm run db:migrate', [{ check: 'migrations', pending }]),
        );
      }
      res.json({ ok: true, db: 'up', migrations: 'current' });
    }),
  );
  r.use(metricsRoute(ctx, metrics));
  return r;
}
