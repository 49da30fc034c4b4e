/**
 * Sandbox identities and keys, generated once into DATA_DIR/sandbox/secrets.json and kept, so that a restart
 * (and the emulators' persisted state) keeps working. Used only in sandbox mode.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxSecrets {
  jwtSecret: string;
  cos: { secretId: string; secretKey: string; appId: string; bucket: string; region: string };
  wechat: {
    appid: string;
    mchid: string;
    apiV3Key: string;
    /** merchant key pair: we sign requests with the private key; the emulator verifies with the public key */
    merchantSerialNo: string;
    merchantPrivateKeyPem: string;
    merchantPublicKeyPem: string;
    /** WeChat Pay public-key mode: the emulator signs notifications; we verify with the public key */
    platformPublicKeyId: string;
    platformPrivateKeyPem: string;
    platformPublicKeyPem: string;
  };
  runninghub: { apiKey: string; webappId: string };
  alipay: {
    appId: string;
    /** the merchant's PID (seller_id) */
    sellerId: string;
    /** 应用私钥/公钥: we sign requests; the emulator verifies with the public key */
    appPrivateKeyPem: string;
    appPublicKeyPem: string;
    /** 支付宝私钥/公钥: the emulator signs answers and notifications; we verify with the public key */
    alipayPrivateKeyPem: string;
    alipayPublicKeyPem: string;
  };
}

function rsaPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const alnum = (bytes: number): string => randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');

export function generateSandboxSecrets(): SandboxSecrets {
  const merchant = rsaPair();
  const platform = rsaPair();
  const appId = '1250000000';
  return {
    jwtSecret: randomBytes(48).toString('base64url'),
    cos: {
      secretId: `AKIDSANDBOX${alnum(18)}`.slice(0, 36),
      secretKey: alnum(24).slice(0, 32),
      appId,
      bucket: `aizhao-sandbox-${appId}`,
      region: 'ap-guangzhou',
    },
    wechat: {
      appid: 'wxsandbox0000000001',
      mchid: '1900000001',
      apiV3Key: alnum(32).slice(0, 32),
      merchantSerialNo: randomBytes(20).toString('hex').toUpperCase(),
      merchantPrivateKeyPem: merchant.privateKeyPem,
      merchantPublicKeyPem: merchant.publicKeyPem,
      platformPublicKeyId: `PUB_KEY_ID_0119${randomBytes(10).toString('hex').toUpperCase()}`,
      platformPrivateKeyPem: platform.privateKeyPem,
      platformPublicKeyPem: platform.publicKeyPem,
    },
    runninghub: { apiKey: randomBytes(16).toString('hex'), webappId: '1937000000000000001' },
    alipay: generateAlipaySecrets(),
  };
}

function generateAlipaySecrets(): SandboxSecrets['alipay'] {
  const app = rsaPair();
  const alipay = rsaPair();
  return {
    appId: '9021000100000001',
    sellerId: '2088000000000001',
    appPrivateKeyPem: app.privateKeyPem,
    appPublicKeyPem: app.publicKeyPem,
    alipayPrivateKeyPem: alipay.privateKeyPem,
    alipayPublicKeyPem: alipay.publicKeyPem,
  };
}

/** Loads the sandbox secrets from `dataDir`, generating and saving them on first use. */
export function loadSandboxSecrets(dataDir: string): SandboxSecrets {
  const dir = join(dataDir, 'sandbox');
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as Partial<SandboxSecrets>;
    if (kept.alipay) return kept as SandboxSecrets;
    // a data dir from before the Alipay emulator: its keys are added, the others kept
    const upgraded = { ...kept, alipay: generateAlipaySecrets() } as SandboxSecrets;
    writeFileSync(file, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
    return upgraded;
  }
  mkdirSync(dir, { recursive: true });
  const secrets = generateSandboxSecrets();
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
