/** Builds the vendor clients from configuration: the real vendors, or the same clients pointed at the sandbox emulators. */
import type { Config } from '../config.js';
import type { Vendors } from '../context.js';
import { sandboxCosEndpoint } from '../sandbox/cos/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { RemoteSandboxSms, RemoteSandboxStsIssuer } from '../sandbox/remote.js';
import { CosContentAuditor, CosImageProcessor } from './cos/ci.js';
import { CosObjectStorage } from './cos/storage.js';
import { QcloudStsIssuer, SandboxStsIssuer } from './cos/sts.js';
import { HttpRunningHubClient } from './runninghub/client.js';
import { TencentSmsSender } from './sms/tencent.js';
import { buildWechatPayKeys } from './wechatpay/keys.js';
import { HttpWechatPayClient } from './wechatpay/client.js';
import { SdkAlipayClient } from './alipay/client.js';

/**
 * The COS and CI clients (cos-nodejs-sdk-v5) as the server configures them; `cosEndpoint` points them at the sandbox
 * emulator (the benchmark builds the same clients for its "vendor steps alone" limit), and `appEndpoint` is where
 * the signed URLs handed to the app point (by default the same).
 */
export function createCosVendors(
  config: Config,
  cosEndpoint: Vendors['cosEndpoint'],
  appEndpoint: Vendors['cosEndpoint'] = cosEndpoint,
): Pick<Vendors, 'storage' | 'imageProcessor' | 'auditor'> {
  const cosOptions = {
    timeoutMs: config.vendorTimeouts.cos,
    secretId: config.cos.secretId,
    secretKey: config.cos.secretKey,
    bucket: config.cos.bucket,
    region: config.cos.region,
    ...cosEndpoint,
  };
  return {
    storage: new CosObjectStorage(cosOptions, appEndpoint),
    imageProcessor: new CosImageProcessor({ ...cosOptions, timeoutMs: config.vendorTimeouts.ci }),
    auditor: new CosContentAuditor({ ...cosOptions, timeoutMs: config.vendorTimeouts.ci }),
  };
}

export function createVendors(config: Config, sandbox: Sandbox | null): Vendors {
  // SANDBOX_URL: no emulators here; the STS and SMS seams call the shared sandbox process (sandbox/remote.ts)
  const remote = !sandbox && config.sandboxUrl ? config.sandboxUrl : null;
  // the app reaches the emulated COS at this server's address (forwarded to the sandbox process under SANDBOX_URL);
  // this server's own COS/CI calls go straight to the emulator, not through its own forwarder
  const cosEndpoint = sandbox || remote ? sandboxCosEndpoint(config.publicBaseUrl) : undefined;
  const cosCallEndpoint = remote ? sandboxCosEndpoint(remote) : cosEndpoint;
  const retry = config.vendorRetry;
  const timeouts = config.vendorTimeouts;
  const wechatNotifyKeys = buildWechatPayKeys({
    publicKeyId: config.wechat.platformPublicKeyId,
    publicKeyPem: config.wechat.platformPublicKeyPem,
    platformCertPem: config.wechat.platformCertPem,
  });
  // the emulated WeChat Pay always signs with the sandbox platform key, also when a test configures its own keys
  const sandboxWechat = config.sandboxSecrets?.wechat;
  if ((sandbox || remote) && sandboxWechat && !wechatNotifyKeys.has(sandboxWechat.platformPublicKeyId)) {
    for (const [serial, key] of buildWechatPayKeys({ publicKeyId: sandboxWechat.platformPublicKeyId, publicKeyPem: sandboxWechat.platformPublicKeyPem })) {
      wechatNotifyKeys.set(serial, key);
    }
  }
  return {
    ...createCosVendors(config, cosCallEndpoint, cosEndpoint),
    sts: sandbox
      ? new SandboxStsIssuer(sandbox.cos)
      : remote
        ? new RemoteSandboxStsIssuer(remote)
        : new QcloudStsIssuer({ secretId: config.cos.secretId, secretKey: config.cos.secretKey, appId: config.cos.appId, bucket: config.cos.bucket, region: config.cos.region, timeoutMs: timeouts.sts, retry }),
    sms: sandbox
      ? sandbox.sms
      : remote
        ? new RemoteSandboxSms(remote)
        : new TencentSmsSender({
          secretId: config.cos.secretId,
          secretKey: config.cos.secretKey,
          region: 'ap-guangzhou',
          smsSdkAppId: config.sms.appId ?? '',
          signName: config.sms.signName ?? '',
          templateId: config.sms.templateId ?? '',
          timeoutSeconds: Math.ceil(timeouts.sms / 1000),
          retry,
        }),
    wechat: new HttpWechatPayClient({
      baseUrl: config.wechat.baseUrl,
      appid: config.wechat.appid,
      mchid: config.wechat.mchid,
      merchantSerialNo: config.wechat.merchantSerialNo,
      merchantPrivateKey: config.wechat.merchantPrivateKeyPem,
      platformKeys: wechatNotifyKeys,
      timeoutMs: timeouts.wechat,
      retry,
    }),
    wechatNotifyKeys,
    runninghub: new HttpRunningHubClient({
      baseUrl: config.runninghub.baseUrl,
      apiKey: config.runninghub.apiKey,
      webappId: config.runninghub.webappId,
      timeoutMs: config.runninghub.requestTimeoutMs,
      allowedDownloadHosts: [new URL(config.runninghub.baseUrl).host, ...config.runninghub.downloadHosts],
      downloadTimeoutMs: timeouts.runninghubDownload,
      retry,
    }),
    alipay: config.alipay ? new SdkAlipayClient({ ...config.alipay, timeoutMs: timeouts.alipay, retry }) : null,
    cosEndpoint,
  };
}
