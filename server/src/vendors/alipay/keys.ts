/**
 * Alipay keys as the operator has them: PEM files, or the bare base64 text the Alipay key tool (支付宝开放平台密钥工具)
 * writes (应用私钥 PKCS#8 or PKCS#1, 支付宝公钥 SPKI). Normalised to the PEM the SDK takes: trimmed, since alipay-sdk's
 * formatKey strips the header and footer only when they are the first and last lines.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

function fromText(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return kind === 'private' ? createPrivateKey(trimmed) : createPublicKey(trimmed);
  const der = Buffer.from(trimmed.replace(/\s+/g, ''), 'base64');
  if (kind === 'public') return createPublicKey({ key: der, format: 'der', type: 'spki' });
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  }
}

/** The RSA private key as trimmed PKCS#8 PEM; throws when the text is not an RSA private key. */
export function alipayPrivateKeyPem(text: string): string {
  const key = fromText(text, 'private');
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA private key');
  return key.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
}

/** The RSA public key as trimmed SPKI PEM; throws when the text is not an RSA public key. */
export function alipayPublicKeyPem(text: string): string {
  const key = fromText(text, 'public');
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA public key');
  return key.export({ type: 'spki', format: 'pem' }).toString().trim();
}
