/**
 * A server in sandbox mode with SANDBOX_URL uses the shared emulator process of `npm run sandbox` (sandbox/serve.ts)
 * instead of emulators of its own, so that several server processes (a PM2 cluster) see one COS, one WeChat Pay, one
 * RunningHub and one SMS outbox. The vendor clients reach that process over their own wire protocols (config.ts
 * points them at it); the two seams that call an emulator directly (STS issue, SMS send) go over HTTP to its
 * internal routes; the server's own /sandbox/* routes (control routes of docs/api.md, COS URLs handed to the app)
 * are forwarded to it unchanged.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NextFunction, Request, Response } from 'express';
import { VendorError } from '../lib/errors.js';
import type { SmsSender, StsIssuer, TemporaryCredentials } from '../vendors/types.js';

/** Routes of the sandbox process that only servers call: never forwarded from a server's own /sandbox/*. */
export const SANDBOX_INTERNAL = '/sandbox/internal';
const INTERNAL_TIMEOUT_MS = 10_000;

async function postInternal<T>(vendor: 'sts' | 'sms', baseUrl: string, path: string, body: unknown): Promise<T> {
  let res: globalThis.Response;
  try {
    res = await fetch(`${baseUrl}${SANDBOX_INTERNAL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(INTERNAL_TIMEOUT_MS),
    });
  } catch (err) {
    throw new VendorError(
      vendor,
      `sandbox process unreachable at ${baseUrl}: ${(err as Error).message}`,
      { retryable: true },
      { cause: err },
    );
  }
  if (!res.ok)
    throw new VendorError(vendor, `sandbox process answered ${res.status}`, { status: res.status, retryable: res.status >= 500 });
  return (await res.json()) as T;
}

export class RemoteSandboxStsIssuer implements StsIssuer {
  constructor(private readonly baseUrl: string) {}
  issue(o: { allowPrefix: string; durationSeconds: number; maxBytes: number }): Promise<TemporaryCredentials> {
    return postInternal('sts', this.baseUrl, '/sts', o);
  }
}

export class RemoteSandboxSms implements SmsSender {
  constructor(private readonly baseUrl: string) {}
  async sendLoginCode(phone: string, code: string, ttlMinutes: number): Promise<void> {
    await postInternal('sms', this.baseUrl, '/sms', { phone, code, ttlMinutes });
  }
}

// hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * Forwards /sandbox/* (except the internal routes) to the sandbox process as it came: method, path, headers (Host
 * included, so that COS signatures and the emulators' own URLs stay those of this server) and body stream.
 */
export function sandboxForwarder(baseUrl: string) {
  const target = new URL(baseUrl);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return (req: Request, res: Response, next: NextFunction): void => {
    const path = req.originalUrl;
    if (!path.startsWith('/sandbox/') || path.startsWith(`${SANDBOX_INTERNAL}/`) || path === SANDBOX_INTERNAL) return next();
    const upstream = send(
      { protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path, headers: endToEnd(req.headers) },
      (answer) => {
        res.status(answer.statusCode ?? 502);
        for (const [name, value] of Object.entries(endToEnd(answer.headers))) if (value !== undefined) res.setHeader(name, value);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (res.headersSent) res.destroy(err);
      else next(new VendorError('cos', `sandbox process unreachable at ${baseUrl}: ${err.message}`, { retryable: true }, { cause: err }));
    });
    req.pipe(upstream);
  };
}
