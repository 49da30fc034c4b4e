/**
 * One log line per finished request, at a level by its outcome: 5xx `error`, 4xx `info`, the rest `debug` (the
 * sandbox's emulator traffic always `debug`). At the default LOG_LEVEL=info a successful request therefore costs no
 * serialisation and no write (nginx in front keeps the access log); LOG_LEVEL=debug shows every request. Errors
 * themselves are logged, with their cause, by the error handler.
 */
import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';

export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 && !req.originalUrl.startsWith('/sandbox/') ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level](
        {
          req: { id: req.id, method: req.method, url: req.originalUrl.split('?')[0] },
          res: { statusCode: status },
          responseTime: Number(process.hrtime.bigint() - start) / 1e6,
        },
        'request completed',
      );
    });
    next();
  };
}
