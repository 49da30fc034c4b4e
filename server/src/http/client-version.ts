/**
 * The lowest desktop version the server serves (MIN_CLIENT_VERSION): a request whose `X-Client-Version` is older is
 * answered `426 UPGRADE_REQUIRED` with `details: [{ minClientVersion }]`, and the app updates itself. Requests that
 * send no version (the web admin, scripts, desktop builds before the header existed) are not refused.
 */
import type { RequestHandler } from 'express';
import { CLIENT_VERSION_HEADER, versionBelow } from '@aizhao/shared';
import type { Config } from '../config.js';
import { AppError } from '../lib/errors.js';

export function clientVersionGate(config: Pick<Config, 'client'>): RequestHandler {
  const min = config.client.minVersion;
  return (req, _res, next) => {
    const version = req.get(CLIENT_VERSION_HEADER);
    if (min && version && versionBelow(version, min)) return next(new AppError('UPGRADE_REQUIRED', undefined, [{ minClientVersion: min }]));
    next();
  };
}
