import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * One pino logger for the process; secrets and codes are redacted wherever they might appear. Lines go to stdout, or
 * to `destination` (the benchmark reads the jobs' own timings from them).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
