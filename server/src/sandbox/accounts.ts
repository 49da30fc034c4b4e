/**
 * The emulated vendor accounts of the sandbox process as production variables (the names of .env.example), for the
 * doctor's dry run (doctor/dry-run.ts): GET /sandbox/internal/accounts of the sandbox process answers them with the
 * Tencent listener's port and certificate. It hands out every sandbox secret, so only a loopback client may read it.
 */
import type { Config } from '../config.js';
import { SANDBOX_SMS_ACCOUNT } from './tencent/sms.js';

export interface EmulatedAccounts {
  /** production variables, by name */
  env: Record<string, string>;
  /** the PEM files the production variables name by path, by variable */
  files: Record<
    'WECHAT_MERCHANT_PRIVATE_KEY_PATH' | 'WECHAT_PLATFORM_PUBLIC_KEY_PATH' | 'ALIPAY_PRIVATE_KEY_PATH' | 'ALIPAY_PUBLIC_KEY_PATH',
    string
  >;
  /** the HTTPS listener of the Tencent STS and SMS emulators (tencent/index.ts) */
  tencent: { port: number; ca: string };
}

/** What the sandbox process's emulators accept (wxpay and alipay with the identities createSandbox gives them). */
export function emulatedAccounts(config: Config, tencent: EmulatedAccounts['tencent']): EmulatedAccounts {
  const s = config.sandboxSecrets;
  if (!s) throw new Error('emulated accounts exist in sandbox mode only');
  const { nodes } = config.runninghub;
  return {
    env: {
      TENCENT_SECRET_ID: s.cos.secretId,
      TENCENT_SECRET_KEY: s.cos.secretKey,
      TENCENT_APPID: s.cos.appId,
      COS_BUCKET: s.cos.bucket,
      COS_REGION: s.cos.region,
      WECHAT_APPID: config.wechat.appid,
      WECHAT_MCHID: config.wechat.mchid,
      WECHAT_API_V3_KEY: config.wechat.apiV3Key,
      WECHAT_MERCHANT_SERIAL_NO: s.wechat.merchantSerialNo,
      WECHAT_PLATFORM_PUBLIC_KEY_ID: s.wechat.platformPublicKeyId,
      RUNNINGHUB_API_KEY: s.runninghub.apiKey,
      RUNNINGHUB_WEBAPP_ID: config.runninghub.webappId,
      RUNNINGHUB_NODE_PROMPT: nodes.prompt,
      RUNNINGHUB_NODE_IMAGE: nodes.image,
      RUNNINGHUB_NODE_SEED: nodes.seed,
      SMS_APP_ID: SANDBOX_SMS_ACCOUNT.smsSdkAppId,
      SMS_SIGN_NAME: SANDBOX_SMS_ACCOUNT.signName,
      SMS_TEMPLATE_ID: SANDBOX_SMS_ACCOUNT.templateId,
      ALIPAY_APP_ID: s.alipay.appId,
      ALIPAY_SELLER_ID: s.alipay.sellerId,
    },
    files: {
      WECHAT_MERCHANT_PRIVATE_KEY_PATH: s.wechat.merchantPrivateKeyPem,
      WECHAT_PLATFORM_PUBLIC_KEY_PATH: s.wechat.platformPublicKeyPem,
      ALIPAY_PRIVATE_KEY_PATH: s.alipay.appPrivateKeyPem,
      ALIPAY_PUBLIC_KEY_PATH: s.alipay.alipayPublicKeyPem,
    },
    tencent,
  };
}
