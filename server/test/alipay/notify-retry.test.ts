/**
 * The emulated Alipay delivers a payment's notification as Alipay does: a signed form POST to notify_url, re-sent on
 * its schedule until the answer is the literal `success` (a 200 with another body is not an acknowledgement).
 */
import type { Server } from 'node:http';
import { createPublicKey, createVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlipayEmulator } from '../../src/sandbox/alipay/index.js';
import { generateSandboxSecrets } from '../../src/sandbox/secrets.js';
import { signContent } from '../../src/vendors/alipay/wire.js';
import { closeServer, listen } from '../wechatpay/harness.js';
import { alipayEmulator } from './helpers.js';
import { eventually } from '../membership/helpers.js';

describe('Alipay notification delivery and retries', () => {
  const secrets = generateSandboxSecrets().alipay;
  const dataDir = mkdtempSync(join(tmpdir(), 'aizhao-alipay-notify-'));
  const received: Record<string, string>[] = [];
  const answers = ['fail', 'SUCCESS', 'success'];
  let emulator: AlipayEmulator;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    emulator = alipayEmulator(secrets, dataDir, [50, 50, 50, 50]);
    const app = express();
    app.post('/notify', express.urlencoded({ extended: false }), (req, res) => {
      received.push(req.body as Record<string, string>);
      res
        .status(200)
        .type('text/plain')
        .send(answers[received.length - 1] ?? 'success');
    });
    ({ server, url } = await listen(app));
    // a trade with this receiver as notify_url, precreated through the SDK
    const t = { out_trade_no: 'ORDER1', subject: '会员', total_amount: '99.00' };
    const { AlipaySdk } = await import('alipay-sdk');
    const app2 = express();
    app2.use('/gw', emulator.router);
    const gw = await listen(app2);
    const sdk = new AlipaySdk({
      appId: secrets.appId,
      privateKey: secrets.appPrivateKeyPem.trim(),
      keyType: 'PKCS8',
      gateway: `${gw.url}/gw/gateway.do`,
      camelcase: false,
    });
    const r = await sdk.exec('alipay.trade.precreate', { notify_url: `${url}/notify`, bizContent: t });
    expect(r.code).toBe('10000');
    await closeServer(gw.server);
  });
  afterAll(async () => {
    emulator.stop();
    await closeServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-sends until the body is exactly `success`; each delivery is signed over the sorted parameters without sign and sign_type', async () => {
    const first = await emulator.pay('ORDER1');
    expect(first).toEqual({ delivered: false, status: 200, answer: 'fail' });
    await eventually(() => received.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(3); // fail, SUCCESS (not `success`), success: then no more
    const key = createPublicKey(secrets.alipayPublicKeyPem);
    for (const n of received) {
      expect(n).toMatchObject({
        out_trade_no: 'ORDER1',
        trade_status: 'TRADE_SUCCESS',
        total_amount: '99.00',
        app_id: secrets.appId,
        seller_id: secrets.sellerId,
        sign_type: 'RSA2',
      });
      expect(
        createVerify('RSA-SHA256')
          .update(signContent(n, ['sign', 'sign_type']))
          .verify(key, n.sign!, 'base64'),
      ).toBe(true);
    }
    expect(new Set(received.map((n) => n.notify_id)).size).toBe(1);
  });
});
