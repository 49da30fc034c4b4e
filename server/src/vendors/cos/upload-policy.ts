/**
 * The least-privilege CAM policy for browser/desktop direct uploads under one key prefix (external-apis §3.2).
 * The sandbox COS emulator enforces the same action list for the temporary keys it issues.
 */

/** CAM actions a temporary upload key gets: simple and multipart upload, nothing else (no read, no delete). */
export const UPLOAD_ACTIONS = [
  'name/cos:PutObject',
  'name/cos:PostObject',
  'name/cos:InitiateMultipartUpload',
  'name/cos:ListMultipartUploads',
  'name/cos:ListParts',
  'name/cos:UploadPart',
  'name/cos:CompleteMultipartUpload',
  'name/cos:AbortMultipartUpload',
] as const;
export type UploadAction = (typeof UPLOAD_ACTIONS)[number];

export interface UploadPolicy {
  version: '2.0';
  statement: {
    effect: 'allow';
    principal: { qcs: ['*'] };
    action: string[];
    resource: string[];
  }[];
}

/**
 * `allowPrefix` is a key prefix such as `input/<userId>/` (no leading '/'); `bucket` is the full
 * `<name>-<appId>` bucket name and `appId` the account APPID.
 */
export function buildUploadPolicy(o: { region: string; appId: string; bucket: string; allowPrefix: string }): UploadPolicy {
  if (!o.allowPrefix || o.allowPrefix.startsWith('/') || o.allowPrefix.includes('*')) {
    throw new Error(`allowPrefix must be a plain key prefix: ${o.allowPrefix}`);
  }
  return {
    version: '2.0',
    statement: [
      {
        effect: 'allow',
        principal: { qcs: ['*'] },
        action: [...UPLOAD_ACTIONS],
        resource: [`qcs::cos:${o.region}:uid/${o.appId}:${o.bucket}/${o.allowPrefix}*`],
      },
    ],
  };
}
