/**
 * The Tencent Cloud API emulators on one HTTPS listener with a self-signed certificate (qcloud-cos-sts and the
 * tencentcloud SDK always use https): STS GetFederationToken (API v1, form body, sts.ts) and SMS (API 3.0, JSON with
 * X-TC-Action, TC3-HMAC-SHA256, sms.ts). One Tencent account, the sandbox's COS key pair: as in production, where
 * TENCENT_SECRET_ID/KEY sign COS, STS and SMS alike. Every answer is HTTP 200 with `Response` (errors in
 * `Response.Error`), as Tencent answers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import type { SmsSender, TemporaryCredentials } from '../../vendors/types.js';
import { selfSignedCertificate } from '../tls.js';
import { answer, errorAnswer, TencentApiError, type TencentAnswer } from './errors.js';
import { createSmsEmulator } from './sms.js';
import { stsAnswer } from './sts.js';
import { verifyTc3 } from './tc3.js';

export { SANDBOX_SMS_ACCOUNT } from './sms.js';

/** The real hosts, which the certificate also names (clients resolve them to the emulator, tls.ts emulatorAgent). */
export const TENCENT_HOSTS = { sts: 'sts.tencentcloudapi.com', sms: 'sms.tencentcloudapi.com' } as const;
const MAX_BODY = 1024 * 1024;

export interface TencentEmulators {
  port: number;
  /** the certificate (PEM) to trust */
  ca: string;
  close(): Promise<void>;
}

export interface TencentEmulatorOptions {
  host: string;
  /** 0: any free port */
  port?: number;
  account: { secretId: string; secretKey: string };
  /** the COS emulator's STS: the key it mints, it enforces */
  issueTemporaryKey(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials;
  /** where SendSms delivers (the sandbox outbox) */
  outbox: SmsSender;
  now?: () => number;
}

export async function startTencentEmulators(o: TencentEmulatorOptions): Promise<TencentEmulators> {
  const pems = await selfSignedCertificate(TENCENT_HOSTS.sts, TENCENT_HOSTS.sms, 'localhost');
  const sms = createSmsEmulator(o.outbox);
  const now = o.now ?? Date.now;

  async function handle(req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }): Promise<TencentAnswer> {
    const { headers } = req;
    const action = headers['x-tc-action'];
    if (typeof action === 'string') {
      // API 3.0
      const { service } = verifyTc3(req, o.account, Math.floor(now() / 1000));
      if (service !== 'sms') throw new TencentApiError('InvalidAction', `the emulator answers API 3.0 for sms only, not ${service}`);
      if (headers['x-tc-version'] !== '2021-01-11') {
        throw new TencentApiError('NoSuchVersion', `The API version \`${String(headers['x-tc-version'])}\` is not found.`);
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(req.body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new TencentApiError('FailedOperation.JsonParseFail', 'Failed to parse the request body.');
      }
      return answer(await sms.answer(action, body));
    }
    // API v1 (STS, qcloud-cos-sts): the parameters in the form body
    if (req.method !== 'POST') throw new TencentApiError('UnsupportedProtocol', 'the emulator takes API v1 requests as POST');
    return stsAnswer(
      { account: o.account, issueTemporaryKey: o.issueTemporaryKey, now },
      req.body.toString('utf8'),
      String(headers.host ?? ''),
    );
  }

  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      handle({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) })
        .catch((err: unknown) => {
          if (err instanceof TencentApiError) return errorAnswer(err);
          return errorAnswer(new TencentApiError('InternalError', err instanceof Error ? err.message : String(err)));
        })
        .then((out) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(out)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    ca: pems.cert,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
