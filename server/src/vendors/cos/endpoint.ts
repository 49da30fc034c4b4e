/** Where a COS bucket is and the keys that sign for it: what the SDK client and the URL signer both take. */
export interface CosEndpointOptions {
  secretId: string;
  secretKey: string;
  /** full bucket name `<name>-<appId>` */
  bucket: string;
  region: string;
  /** the SDK's `Domain` (e.g. the sandbox's `127.0.0.1:8787/sandbox/cos`); default the bucket's COS host */
  domain?: string;
  /** the SDK's `Protocol`; default https */
  protocol?: 'http:' | 'https:';
}
