/**
 * WeChat Pay verification keys and the AEAD_AES_256_GCM resource encryption of notifications (§2.7, §2.8).
 */
import { createCipheriv, createDecipheriv, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { newNonce } from './signing.js';

/**
 * Builds the `Wechatpay-Serial` → public key map from configuration:
 * - public-key mode: `publicKeyId` (`PUB_KEY_ID_…`) with `publicKeyPem` (`pub_key.pem`);
 * - platform-certificate mode: `platformCertPem` (one or more PEM certificates), keyed by each certificate's
 *   serial number (uppercase hex).
 * Either or both may be given (during WeChat's gray switch both must be accepted).
 */
export function buildWechatPayKeys(input: {
  publicKeyId?: string;
  publicKeyPem?: string;
  platformCertPem?: string;
}): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  if (Boolean(input.publicKeyId) !== Boolean(input.publicKeyPem)) {
    throw new Error('wechatpay: the public key id and the public key PEM must be given together');
  }
  if (input.publicKeyId && input.publicKeyPem) {
    keys.set(input.publicKeyId, createPublicKey(input.publicKeyPem));
  }
  if (input.platformCertPem) {
    const blocks = input.platformCertPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!blocks) throw new Error('wechatpay: the platform certificate PEM contains no certificate');
    for (const pem of blocks) {
      const cert = new X509Certificate(pem);
      keys.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
  }
  return keys;
}

export interface EncryptedResource {
  original_type: string;
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

export const RESOURCE_ALGORITHM = 'AEAD_AES_256_GCM';
const TAG_LENGTH = 16;

function aesKey(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new Error('wechatpay: the APIv3 key must be 32 bytes');
  return key;
}

/** Encrypts a notification resource as WeChat does: ciphertext || 16-byte tag, base64; IV = the 12-char nonce. */
export function encryptResource(input: {
  plaintext: string;
  apiV3Key: string;
  associatedData?: string;
  originalType?: string;
  nonce?: string;
}): EncryptedResource {
  const nonce = input.nonce ?? newNonce(12);
  const associatedData = input.associatedData ?? 'transaction';
  const cipher = createCipheriv('aes-256-gcm', aesKey(input.apiV3Key), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(input.plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    original_type: input.originalType ?? 'transaction',
    algorithm: RESOURCE_ALGORITHM,
    ciphertext: body.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}

/** Decrypts a notification resource; throws when the key, nonce, AAD or ciphertext do not authenticate. */
export function decryptResource(input: {
  ciphertext: string;
  nonce: string;
  associatedData?: string;
  apiV3Key: string;
}): string {
  const data = Buffer.from(input.ciphertext, 'base64');
  if (data.length <= TAG_LENGTH) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', aesKey(input.apiV3Key), Buffer.from(input.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_LENGTH));
  decipher.setAAD(Buffer.from(input.associatedData ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_LENGTH)), decipher.final()]).toString('utf8');
}
