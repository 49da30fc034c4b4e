/**
 * Security headers for every answer (API, admin, sandbox) with helmet. The content security policy is left to the
 * admin page, which sets its own strict one; API answers are JSON. HSTS is sent in production only (the server sits
 * behind TLS there; in development and the sandbox it is plain http on a local address, where HSTS would break it).
 */
import helmet from 'helmet';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';

export const HSTS_MAX_AGE_SECONDS = 365 * 86_400;

export function securityHeaders(config: Pick<Config, 'env'>): RequestHandler {
  return helmet({
    contentSecurityPolicy: false,
    strictTransportSecurity: config.env === 'production' ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
    // the sandbox serves emulated COS objects that the desktop app (another origin) loads
    crossOriginResourcePolicy: false,
  });
}
