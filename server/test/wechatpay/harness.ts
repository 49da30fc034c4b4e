/** Test harness: the emulator and a notification receiver on real HTTP (127.0.0.1, port 0). */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { generateSandboxSecrets, type SandboxSecrets } from '../../src/sandbox/secrets.js';
import { createWxpayEmulator, type WxpayEmulator, type WxpayEmulatorOptions } from '../../src/sandbox/wxpay/index.js';
import { HttpWechatPayClient, type HttpWechatPayClientOptions } from '../../src/vendors/wechatpay/client.js';
import { buildWechatPayKeys } from '../../src/vendors/wechatpay/keys.js';
import { verifyNotification, WxNotifyError } from '../../src/vendors/wechatpay/notification.js';
import type { WxNotification } from '../../src/vendors/types.js';

export const EMULATOR_MOUNT = '/sandbox/wxpay';

export async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

export interface EmulatorHarness {
  secrets: SandboxSecrets['wechat'];
  dataDir: string;
  emulator: WxpayEmulator;
  /** the base URL a client is given: origin + mount prefix */
  baseUrl: string;
  client(overrides?: Partial<HttpWechatPayClientOptions>): HttpWechatPayClient;
  close(): Promise<void>;
}

export async function startEmulator(
  options: Partial<Omit<WxpayEmulatorOptions, 'dataDir' | 'secrets'>> & { secrets?: SandboxSecrets['wechat'] } = {},
): Promise<EmulatorHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-wxpay-'));
  const secrets = options.secrets ?? generateSandboxSecrets().wechat;
  const emulator = createWxpayEmulator({ ...options, dataDir, secrets });
  const app = express();
  app.use(EMULATOR_MOUNT, emulator.router);
  const { server, url } = await listen(app);
  const baseUrl = `${url}${EMULATOR_MOUNT}`;
  return {
    secrets,
    dataDir,
    emulator,
    baseUrl,
    client: (overrides = {}) =>
      new HttpWechatPayClient({
        baseUrl,
        appid: secrets.appid,
        mchid: secrets.mchid,
        merchantSerialNo: secrets.merchantSerialNo,
        merchantPrivateKey: secrets.merchantPrivateKeyPem,
        timeoutMs: 5_000,
        ...overrides,
      }),
    close: async () => {
      emulator.stop();
      await closeServer(server);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ReceivedNotification {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  result?: WxNotification;
  error?: WxNotifyError;
}

/**
 * A merchant's notify endpoint: verifies each notification with `verifyNotification` (public-key mode keys of
 * `secrets`), records it, and answers the next status of `plannedStatuses` (then 204) — or the rejection status.
 */
export async function startReceiver(secrets: SandboxSecrets['wechat']) {
  const keys = buildWechatPayKeys({ publicKeyId: secrets.platformPublicKeyId, publicKeyPem: secrets.platformPublicKeyPem });
  const received: ReceivedNotification[] = [];
  const plannedStatuses: number[] = [];
  const app = express();
  app.post('/notify', express.raw({ type: () => true }), (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const entry: ReceivedNotification = { status: 0, headers: req.headers, rawBody: rawBody.toString('utf8') };
    try {
      entry.result = verifyNotification({ headers: req.headers, rawBody, keys, apiV3Key: secrets.apiV3Key });
      entry.status = plannedStatuses.shift() ?? 204;
    } catch (err) {
      if (!(err instanceof WxNotifyError)) throw err;
      entry.error = err;
      entry.status = err.status;
    }
    received.push(entry);
    if (entry.status >= 200 && entry.status < 300) res.status(entry.status).end();
    else res.status(entry.status).json({ code: 'FAIL', message: 'rejected' });
  });
  const { server, url } = await listen(app);
  return { received, plannedStatuses, notifyUrl: `${url}/notify`, close: () => closeServer(server) };
}

export async function waitFor(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let counter = 0;
/** A fresh out_trade_no (ULID-like length). */
export const newTradeNo = (): string => `T${Date.now().toString(36).toUpperCase()}${(counter++).toString().padStart(4, '0')}`;
