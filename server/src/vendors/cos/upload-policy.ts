/**
 * The least-privilege CAM policy for desktop direct uploads under one key prefix (COS API 授权策略, tencentcloud.com/zh/document/product/436/30580), with COS's
 * upload conditions (Tencent COS "上传安全限制" / Upload Security Restriction, intl.cloud.tencent.com/document/product/436/73579):
 * `string_like cos:content-type image/*` on PutObject and InitiateMultipartUpload (the object's type is set there), and
 * `numeric_less_than_equal cos:content-length` ≤ UPLOAD_MAX_BYTES on PutObject and on each UploadPart. A condition is
 * attached only to the actions whose requests carry that key: a request without the key fails the condition, so a
 * content-type condition on UploadPart would refuse every part. The sandbox COS emulator evaluates the same policy.
 */

/** CAM actions a temporary upload key gets: simple and multipart upload, nothing else (no read, no delete, no form upload). */
export const UPLOAD_ACTIONS = [
  'name/cos:PutObject',
  'name/cos:InitiateMultipartUpload',
  'name/cos:ListMultipartUploads',
  'name/cos:ListParts',
  'name/cos:UploadPart',
  'name/cos:CompleteMultipartUpload',
  'name/cos:AbortMultipartUpload',
] as const;
export type UploadAction = (typeof UPLOAD_ACTIONS)[number];

/** The uploads' content types: what the desktop sends (JPEG, PNG, WebP) is all image/*. */
export const UPLOAD_CONTENT_TYPE_PATTERN = 'image/*';

export interface PolicyCondition {
  string_like?: Record<string, string>;
  numeric_less_than_equal?: Record<string, number>;
}

export interface PolicyStatement {
  effect: 'allow';
  principal: { qcs: ['*'] };
  action: string[];
  resource: string[];
  condition?: PolicyCondition;
}

export interface UploadPolicy {
  version: '2.0';
  statement: PolicyStatement[];
}

/**
 * `allowPrefix` is a key prefix such as `input/<userId>/` (no leading '/'); `bucket` is the full `<name>-<appId>`
 * bucket name, `appId` the account APPID, `maxBytes` the largest object (and part) an upload may send.
 */
export function buildUploadPolicy(o: {
  region: string;
  appId: string;
  bucket: string;
  allowPrefix: string;
  maxBytes: number;
}): UploadPolicy {
  if (!o.allowPrefix || o.allowPrefix.startsWith('/') || o.allowPrefix.includes('*')) {
    throw new Error(`allowPrefix must be a plain key prefix: ${o.allowPrefix}`);
  }
  if (!Number.isInteger(o.maxBytes) || o.maxBytes < 1) throw new Error(`maxBytes must be a positive integer: ${o.maxBytes}`);
  const resource = [`qcs::cos:${o.region}:uid/${o.appId}:${o.bucket}/${o.allowPrefix}*`];
  const statement = (action: UploadAction[], condition?: PolicyCondition): PolicyStatement => ({
    effect: 'allow',
    principal: { qcs: ['*'] },
    action,
    resource,
    ...(condition ? { condition } : {}),
  });
  const image = { 'cos:content-type': UPLOAD_CONTENT_TYPE_PATTERN };
  const size = { 'cos:content-length': o.maxBytes };
  return {
    version: '2.0',
    statement: [
      statement(['name/cos:PutObject'], { string_like: image, numeric_less_than_equal: size }),
      statement(['name/cos:InitiateMultipartUpload'], { string_like: image }),
      statement(['name/cos:UploadPart'], { numeric_less_than_equal: size }),
      statement([
        'name/cos:ListMultipartUploads',
        'name/cos:ListParts',
        'name/cos:CompleteMultipartUpload',
        'name/cos:AbortMultipartUpload',
      ]),
    ],
  };
}
