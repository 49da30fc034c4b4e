import pino, { type Logger } from 'pino';

export type { Logger };

/** One pino logger for the process; secrets and codes are redacted wherever they might appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.code',
        '*.token',
        '*.password',
        '*.secretKey',
        '*.tmpSecretKey',
        '*.sessionToken',
      ],
      censor: '[redacted]',
    },
  });
}
