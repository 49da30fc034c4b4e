/**
 * The official alipay-sdk (our SdkAlipayClient) against the emulated Alipay gateway over real HTTP: precreate, query,
 * close, refund and refund query with RSA2-signed requests and verified answers, in public-key mode and in
 * certificate mode (certificates made with openssl at test time); requests signed with another key or for another
 * app refused with Alipay's codes; answers signed by a key that is not Alipay's refused by the client.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayEmulator } from '../../src/sandbox/alipay/index.js';
import { generateSandboxSecrets } from '../../src/sandbox/secrets.js';
import { SdkAlipayClient, type SdkAlipayClientOptions } from '../../src/vendors/alipay/client.js';
import { alipayPrivateKeyPem, alipayPublicKeyPem } from '../../src/vendors/alipay/keys.js';
import { VendorError } from '../../src/lib/errors.js';
import { closeServer, listen } from '../wechatpay/harness.js';
import { alipayEmulator } from './helpers.js';

const secrets = generateSandboxSecrets().alipay;
const pem = (k: { export(o: object): string | Buffer }, type: 'pkcs8' | 'spki') => k.export({ type, format: 'pem' }).toString();

describe('alipay-sdk against the emulated Alipay gateway', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-alipay-'));
  let emulator: AlipayEmulator;
  let server: Server;
  let gateway: string;
  const client = (o: Partial<SdkAlipayClientOptions> = {}) =>
    new SdkAlipayClient({
      appId: secrets.appId,
      sellerId: secrets.sellerId,
      privateKeyPem: alipayPrivateKeyPem(secrets.appPrivateKeyPem),
      alipayPublicKeyPem: alipayPublicKeyPem(secrets.alipayPublicKeyPem),
      gateway,
      ...o,
    });
  const order = (n: number) => ({
    outTradeNo: `01JTESTORDER${String(n).padStart(14, '0')}`,
    subject: 'AI照会员-30天',
    amountFen: 9900,
    timeExpire: new Date(Date.now() + 30 * 60_000),
    notifyUrl: 'http://127.0.0.1:9/membership/alipay-callback',
  });
  const vendorCode = async (p: Promise<unknown>): Promise<string | undefined> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VendorError);
    return (err as VendorError).details.code;
  };

  beforeAll(async () => {
    emulator = alipayEmulator(secrets, dataDir, []);
    const app = express();
    app.use('/sandbox/alipay', emulator.router);
    let url: string;
    ({ server, url } = await listen(app));
    gateway = `${url}/sandbox/alipay/gateway.do`;
  });
  afterAll(async () => {
    emulator.stop();
    await closeServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('precreate gives a QR code; the trade does not exist until scanned; then it is TRADE_SUCCESS', async () => {
    const c = client();
    const o = order(1);
    const { qrCode } = await c.precreate(o);
    expect(qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);
    expect((await c.precreate(o)).qrCode).toBe(qrCode); // the same order again: the same code
    expect(await c.queryTrade(o.outTradeNo)).toBeNull();
    expect(await c.closeTrade(o.outTradeNo)).toBe('not_found');
    await emulator.pay(o.outTradeNo, { deliver: false });
    const trade = await c.queryTrade(o.outTradeNo);
    expect(trade).toMatchObject({ out_trade_no: o.outTradeNo, trade_status: 'TRADE_SUCCESS', total_amount: '99.00' });
    expect(trade?.send_pay_date).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(await c.closeTrade(o.outTradeNo)).toBe('paid');
    expect(await vendorCode(c.precreate(o))).toBe('ACQ.TRADE_HAS_SUCCESS');
    expect(await vendorCode(c.precreate({ ...order(1), amountFen: 100 }))).toBe('ACQ.TRADE_HAS_SUCCESS');
  });

  it('refunds: partial with out_request_no, the same number again is the same refund, more than paid is refused', async () => {
    const c = client();
    const o = order(2);
    await c.precreate(o);
    await emulator.pay(o.outTradeNo, { deliver: false });
    expect(await c.queryRefund(o.outTradeNo, 'R1')).toBeNull();
    await c.refund({ outTradeNo: o.outTradeNo, outRequestNo: 'R1', refundFen: 3000, reason: '部分退款' });
    await c.refund({ outTradeNo: o.outTradeNo, outRequestNo: 'R1', refundFen: 3000, reason: '部分退款' });
    expect(emulator.getTrade(o.outTradeNo)?.refunded_fen).toBe(3000);
    expect(await c.queryRefund(o.outTradeNo, 'R1')).toMatchObject({
      refund_status: 'REFUND_SUCCESS',
      refund_amount: '30.00',
      total_amount: '99.00',
    });
    expect(await vendorCode(c.refund({ outTradeNo: o.outTradeNo, outRequestNo: 'R2', refundFen: 7000, reason: '' }))).toBe(
      'ACQ.REASON_TRADE_REFUND_FEE_ERR',
    );
    emulator.setBehaviour({ notEnough: true });
    expect(await vendorCode(c.refund({ outTradeNo: o.outTradeNo, outRequestNo: 'R3', refundFen: 6900, reason: '' }))).toBe(
      'ACQ.SELLER_BALANCE_NOT_ENOUGH',
    );
    emulator.setBehaviour({ notEnough: false });
    await c.refund({ outTradeNo: o.outTradeNo, outRequestNo: 'R3', refundFen: 6900, reason: '' });
    expect(emulator.getTrade(o.outTradeNo)?.state).toBe('TRADE_CLOSED');
    expect(await vendorCode(c.refund({ outTradeNo: 'NOSUCHTRADE', outRequestNo: 'R1', refundFen: 1, reason: '' }))).toBe(
      'ACQ.TRADE_NOT_EXIST',
    );
  });

  it('refuses requests signed with another key (isv.invalid-signature) or for another app (isv.invalid-app-id)', async () => {
    const other = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'pkcs8');
    expect(await vendorCode(client({ privateKeyPem: alipayPrivateKeyPem(other) }).precreate(order(3)))).toBe('isv.invalid-signature');
    expect(await vendorCode(client({ appId: '2021000000000999' }).precreate(order(3)))).toBe('isv.invalid-app-id');
    expect(emulator.getTrade(order(3).outTradeNo)).toBeNull();
  });

  it('refuses answers not signed by the Alipay key it was given', async () => {
    const notAlipay = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'spki');
    expect(await vendorCode(client({ alipayPublicKeyPem: alipayPublicKeyPem(notAlipay) }).queryTrade(order(1).outTradeNo))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  describe('certificate mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aizhao-alipay-certs-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    /** an X.509 certificate for `keyPem`'s public key, signed by the root */
    const issue = (name: string, publicKeyPem: string): string => {
      writeFileSync(join(dir, `${name}.pub.pem`), publicKeyPem);
      ssl('req', '-new', '-key', 'signer.key', '-subj', `/CN=${name}`, '-out', `${name}.csr`);
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'root.crt',
        '-CAkey',
        'root.key',
        '-CAcreateserial',
        '-days',
        '30',
        '-sha256',
        '-force_pubkey',
        `${name}.pub.pem`,
        '-out',
        `${name}.crt`,
      );
      return readFileSync(join(dir, `${name}.crt`), 'utf8');
    };
    let certs: { appCertPem: string; alipayPublicCertPem: string; alipayRootCertPem: string };

    beforeAll(() => {
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'root.key',
        '-subj',
        '/CN=Sandbox Alipay Root',
        '-days',
        '30',
        '-sha256',
        '-out',
        'root.crt',
      );
      ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'signer.key');
      certs = {
        appCertPem: issue('app', secrets.appPublicKeyPem),
        alipayPublicCertPem: issue('alipay', secrets.alipayPublicKeyPem),
        alipayRootCertPem: readFileSync(join(dir, 'root.crt'), 'utf8'),
      };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('verifies answers with the key of the Alipay public-key certificate', async () => {
      const c = client({ alipayPublicKeyPem: undefined, ...certs });
      const o = order(4);
      await c.precreate(o);
      await emulator.pay(o.outTradeNo, { deliver: false });
      expect((await c.queryTrade(o.outTradeNo))?.trade_status).toBe('TRADE_SUCCESS');
      const n = emulator.notificationOf(o.outTradeNo)!;
      const { signNotification } = await import('../../src/sandbox/alipay/notifier.js');
      const { createPrivateKey } = await import('node:crypto');
      expect(c.verifyNotification(signNotification(n, createPrivateKey(secrets.alipayPrivateKeyPem)))).toBe(true);
      expect(c.verifyNotification(signNotification({ ...n, total_amount: '0.01' }, createPrivateKey(secrets.appPrivateKeyPem)))).toBe(
        false,
      );
    });

    it('refuses answers when the Alipay certificate carries another key', async () => {
      const stranger = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey, 'spki');
      const c = client({ alipayPublicKeyPem: undefined, ...certs, alipayPublicCertPem: issue('stranger', stranger) });
      expect(await vendorCode(c.queryTrade(order(4).outTradeNo))).toBe('INVALID_SIGNATURE');
    });
  });
});
