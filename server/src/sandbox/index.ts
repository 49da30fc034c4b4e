/**
 * Sandbox mode: the local emulators of the vendor wire protocols and the sandbox control routes of docs/api.md.
 * Mounted only when the server runs in sandbox mode, which NODE_ENV=production refuses (config.ts).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { Router } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import { createCosEmulator, type CosEmulator } from './cos/index.js';
import { createRunningHubEmulator, type RunningHubEmulator } from './runninghub/index.js';
import { SandboxSmsOutbox } from './sms/outbox.js';
import { createWxpayEmulator, type WxpayEmulator } from './wxpay/index.js';
import { createAlipayEmulator, type AlipayEmulator } from './alipay/index.js';

export interface Sandbox {
  cos: CosEmulator;
  wxpay: WxpayEmulator;
  /** null when the Alipay channel is off */
  alipay: AlipayEmulator | null;
  runninghub: RunningHubEmulator;
  sms: SandboxSmsOutbox;
  /** the emulators' routers, mounted before any body parser */
  emulators: Router;
  stop(): void;
}

export function createSandbox(config: Config, logger: Logger): Sandbox {
  const secrets = config.sandboxSecrets;
  if (!secrets) throw new Error('sandbox secrets missing: not in sandbox mode');
  const { dataDir } = config;
  const cos = createCosEmulator({ dataDir, secrets: secrets.cos });
  // the emulator answers with the keys the server is configured with (generated, or given for tests)
  const wechat = config.wechat;
  const wxpay = createWxpayEmulator({
    dataDir,
    secrets: { ...secrets.wechat, appid: wechat.appid, mchid: wechat.mchid, apiV3Key: wechat.apiV3Key },
    logger: { warn: (...args: unknown[]) => logger.warn({ args }, 'wxpay emulator') },
  });
  const runninghub = createRunningHubEmulator({
    dataDir,
    secrets: { ...secrets.runninghub, webappId: config.runninghub.webappId },
    nodes: config.runninghub.nodes,
  });
  // the app key the server signs with (generated, or given): the emulator verifies with its public half
  const alipayConfig = config.alipay;
  const alipay = alipayConfig
    ? createAlipayEmulator({
        dataDir,
        appId: alipayConfig.appId,
        sellerId: alipayConfig.sellerId,
        appPublicKeyPem: createPublicKey(createPrivateKey(alipayConfig.privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString(),
        alipayPrivateKeyPem: secrets.alipay.alipayPrivateKeyPem,
        logger: { warn: (...args: unknown[]) => logger.warn({ args }, 'alipay emulator') },
      })
    : null;
  const emulators = Router();
  if (alipay) emulators.use('/sandbox/alipay', alipay.router);
  emulators.use('/sandbox/cos', cos.router);
  emulators.use('/sandbox/wxpay', wxpay.router);
  emulators.use('/sandbox/runninghub', runninghub.router);
  return {
    cos,
    wxpay,
    alipay,
    runninghub,
    sms: new SandboxSmsOutbox(dataDir),
    emulators,
    stop: () => {
      cos.stop();
      wxpay.stop();
      alipay?.stop();
      void runninghub.stop();
    },
  };
}
