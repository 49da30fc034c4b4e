/**
 * Alipay test support: notifications signed as Alipay signs them (the sandbox Alipay key, or a stranger's), posted
 * as a form to the server's notify_url exactly as given, and a purchase over the Alipay channel.
 */
import { generateKeyPairSync, createPrivateKey, type KeyObject } from 'node:crypto';
import { createAlipayEmulator, type AlipayEmulator } from '../../src/sandbox/alipay/index.js';
import { signNotification } from '../../src/sandbox/alipay/notifier.js';
import type { SandboxSecrets } from '../../src/sandbox/secrets.js';
import type { TestServer } from '../support/server.js';
import { call } from '../support/client.js';

export const strangerKey: KeyObject = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

/** The key the emulated Alipay signs with (the server verifies with its public half). */
export const alipayKey = (s: TestServer): KeyObject => createPrivateKey(s.ctx.config.sandboxSecrets!.alipay.alipayPrivateKeyPem);

/** An emulated Alipay for these sandbox keys, keeping its state in `dataDir`, re-sending notifications after these delays. */
export const alipayEmulator = (secrets: SandboxSecrets['alipay'], dataDir: string, notifyRetryDelaysMs: number[]): AlipayEmulator =>
  createAlipayEmulator({
    dataDir,
    appId: secrets.appId,
    sellerId: secrets.sellerId,
    appPublicKeyPem: secrets.appPublicKeyPem,
    alipayPrivateKeyPem: secrets.alipayPrivateKeyPem,
    notifyRetryDelaysMs,
  });

/** Signs the parameters with `key` (RSA2 over the sorted parameters without sign and sign_type). */
export const signed = (params: Record<string, string>, key: KeyObject): Record<string, string> => signNotification(params, key);

/** POSTs a form to the Alipay notify_url as given (a raw body, so that tests can repeat a parameter). */
export async function postNotification(base: string, form: Record<string, string> | string): Promise<{ status: number; text: string }> {
  const body = typeof form === 'string' ? form : new URLSearchParams(form).toString();
  const res = await fetch(`${base}/membership/alipay-callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** Starts an Alipay purchase and returns the order as the API shows it. */
export async function purchaseAlipay(
  base: string,
  token: string,
): Promise<{ orderId: string; codeUrl: string; amountFen: number; expiresAt: string }> {
  const r = await call(base, 'POST', '/membership/purchase', { token, body: { channel: 'alipay' } });
  if (r.status !== 201) throw new Error(`purchase ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The trade's notification as the emulated Alipay would send it now, after the buyer paid without it arriving. */
export async function paidNotification(s: TestServer, orderId: string): Promise<Record<string, string>> {
  const alipay = s.sandbox!.alipay!;
  if (!alipay.getTrade(orderId)?.paid_at_ms) await alipay.pay(orderId, { deliver: false });
  return alipay.notificationOf(orderId)!;
}
