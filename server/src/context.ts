import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './lib/logger.js';
import type {
  ContentAuditor,
  ImageProcessor,
  ObjectStorage,
  RunningHubClient,
  SmsSender,
  StsIssuer,
  WechatPayClient,
  AlipayClient,
} from './vendors/types.js';
import type { KeyObject } from 'node:crypto';

export interface Vendors {
  storage: ObjectStorage;
  sts: StsIssuer;
  imageProcessor: ImageProcessor;
  auditor: ContentAuditor;
  sms: SmsSender;
  wechat: WechatPayClient;
  /** keys that verify WeChat Pay notifications, by Wechatpay-Serial */
  wechatNotifyKeys: Map<string, KeyObject>;
  runninghub: RunningHubClient;
  /** Alipay 当面付; null when the channel is off (config.alipay) */
  alipay: AlipayClient | null;
  /** cos-nodejs-sdk-v5 Domain/Protocol for clients when COS is not the default endpoint (the sandbox) */
  cosEndpoint?: { domain: string; protocol: 'http:' | 'https:' };
}

/** Everything a module needs, built once at start and passed down (no globals). */
export interface AppContext {
  config: Config;
  db: Database;
  logger: Logger;
  vendors: Vendors;
  /** wakes the background job runner (after a task is created) */
  wakeJobs: () => void;
  /** the last result of the periodic ledger check of this process (jobs/ledger-check.ts), null before the first */
  lastLedgerCheck?: () => { at: Date; mismatches: { userId: string; balance: number; ledgerSum: number }[] } | null;
  now: () => Date;
}
