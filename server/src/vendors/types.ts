/**
 * The seams between our business code and the vendors. Each has a real implementation (the vendor's SDK or
 * HTTP API) and, in sandbox mode, the same real client pointed at a local emulator of the vendor protocol —
 * except where the SDK cannot be pointed elsewhere (qcloud-cos-sts, the SMS SDK), where the seam is this interface.
 */

/** Server-side COS access with the permanent (or sandbox) keys. Keys never start with '/'. */
export interface ObjectStorage {
  readonly bucket: string;
  readonly region: string;
  /** Metadata of an object, or null when it does not exist. */
  head(key: string): Promise<{ size: number; contentType: string | null } | null>;
  get(key: string): Promise<Buffer>;
  /** Reads at most `maxBytes` from the start of the object (a ranged GET). */
  getRange(key: string, maxBytes: number): Promise<Buffer>;
  /** The object's first `maxBytes` and its whole size, from one ranged GET; null when it does not exist. */
  readStart(key: string, maxBytes: number): Promise<{ size: number; head: Buffer } | null>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** A presigned GET URL valid for `expiresSeconds` (signed locally: no call to COS). */
  signedGetUrl(key: string, expiresSeconds: number): string;
}

export interface TemporaryCredentials {
  credentials: { tmpSecretId: string; tmpSecretKey: string; sessionToken: string };
  /** Unix seconds. */
  startTime: number;
  /** Unix seconds. */
  expiredTime: number;
}

/** Issues temporary COS credentials that allow uploads under one key prefix only. */
export interface StsIssuer {
  /** `maxBytes`: the largest object (and multipart part) the key may upload; uploads must be image/* */
  issue(opts: { allowPrefix: string; durationSeconds: number; maxBytes: number }): Promise<TemporaryCredentials>;
}

/** Tencent CI (数据万象) image processing on objects already in COS. */
export interface ImageProcessor {
  /** GoodsMatting with center-layout on `srcKey`, writing a PNG cut-out with transparency to `dstKey`. */
  goodsMatting(srcKey: string, dstKey: string): Promise<void>;
  /** Writes to `dstKey` the image of `srcKey` turned upright and scaled down to fit maxSide × maxSide (never up). */
  downscale(srcKey: string, dstKey: string, maxSide: number): Promise<void>;
}

export interface AuditVerdict {
  /**
   * Result as CI reports it: 0 normal (Score 0–60), 1 sensitive (91–100), 2 suspected (61–90), the bands of
   * cloud.tencent.com/document/product/460/46492 (审核详情: 敏感 [91,100], 疑似 [61,90], 正常 [0,60]).
   */
  result: number;
  /** 0..100 */
  score: number;
  label: string;
}
/** CI sensitive-content-recognition. Throws VendorError when the service is unavailable. */
export interface ContentAuditor {
  /** `sizeBytes`: the object's size (images over 5 MB need CI's large-image mode). */
  audit(key: string, sizeBytes: number): Promise<AuditVerdict>;
}

/** Login codes by SMS. */
export interface SmsSender {
  sendLoginCode(phone: string, code: string, ttlMinutes: number): Promise<void>;
}

/** WeChat Pay transaction as returned by query and carried (decrypted) by notifications. */
export interface WxTransaction {
  appid: string;
  mchid: string;
  out_trade_no: string;
  transaction_id?: string;
  trade_type?: string;
  trade_state: 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'REVOKED' | 'USERPAYING' | 'PAYERROR' | string;
  trade_state_desc?: string;
  success_time?: string;
  amount?: { total: number; payer_total?: number; currency?: string; payer_currency?: string };
  payer?: { openid?: string };
  attach?: string;
}

/**
 * A WeChat Pay refund as the create and query APIs answer it (POST /v3/refund/domestic/refunds,
 * GET /v3/refund/domestic/refunds/{out_refund_no}; fields per the official wechatpay-go `refunddomestic.Refund`).
 */
export interface WxRefund {
  refund_id: string;
  out_refund_no: string;
  transaction_id: string;
  out_trade_no: string;
  channel?: string;
  user_received_account?: string;
  /** only when status is SUCCESS */
  success_time?: string;
  create_time: string;
  status: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
  funds_account?: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number; currency?: string; [k: string]: unknown };
}

/**
 * The decrypted resource of a REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED notification
 * (pay.weixin.qq.com/doc/v3/merchant/4012791865; note `refund_status`, not `status`).
 */
export interface WxRefundNotice {
  mchid: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';
  success_time?: string;
  user_received_account?: string;
  amount: { total: number; refund: number; payer_total: number; payer_refund: number };
}

/** WeChat Pay v3 merchant API (Native). Throws VendorError on transport or unexpected answers. */
export interface WechatPayClient {
  readonly appid: string;
  readonly mchid: string;
  nativePrepay(req: {
    outTradeNo: string;
    description: string;
    amountFen: number;
    timeExpire: Date;
    notifyUrl: string;
  }): Promise<{ codeUrl: string }>;
  /** The order at WeChat Pay, or null when WeChat does not know it (ORDER_NOT_EXIST). */
  queryOrder(outTradeNo: string): Promise<WxTransaction | null>;
  /** Closes the order; 'paid' when WeChat answers ORDER_PAID (v2: ORDERPAID): then query and grant. */
  closeOrder(outTradeNo: string): Promise<'closed' | 'paid'>;
  /**
   * Asks for a refund. The same `outRefundNo` again is the same refund (WeChat: "同一退款单号多次请求只退一笔").
   * A refusal (NOT_ENOUGH, INVALID_REQUEST, …) throws VendorError with WeChat's code and retryable false.
   */
  createRefund(req: { outTradeNo: string; outRefundNo: string; reason: string; notifyUrl: string; refundFen: number; totalFen: number }): Promise<WxRefund>;
  /** The refund at WeChat Pay, or null when WeChat does not know it (RESOURCE_NOT_EXISTS). */
  queryRefund(outRefundNo: string): Promise<WxRefund | null>;
}

/** The result of verifying and decrypting one WeChat Pay notification. */
export type WxNotification =
  | { kind: 'transaction'; eventType: string; transaction: WxTransaction }
  | { kind: 'refund'; eventType: string; refund: WxRefundNotice }
  | { kind: 'other'; eventType: string };

/** RunningHub AI-app OpenAPI (legacy /task/openapi/*). */
export type RhRunResult =
  | { kind: 'started'; taskId: string }
  | { kind: 'queue_full'; code: number; msg: string }
  | { kind: 'rejected'; code: number; msg: string };
export type RhOutputsResult =
  | { kind: 'done'; files: { fileUrl: string; fileType: string; nodeId: string }[] }
  | { kind: 'running' }
  | { kind: 'queued' }
  | { kind: 'failed'; reason: string }
  | { kind: 'not_found' };
export interface RunningHubClient {
  run(nodeInfoList: { nodeId: string; fieldName: string; fieldValue: string }[]): Promise<RhRunResult>;
  outputs(taskId: string): Promise<RhOutputsResult>;
  /** Cancels a task that is still queued or running (best effort: frees the account's slot after our timeout). */
  cancel(taskId: string): Promise<void>;
  /** Fallback when outputs answers something unexpected: QUEUED | RUNNING | SUCCESS | FAILED. */
  status(taskId: string): Promise<string>;
  /** Uploads an image (RUNNINGHUB_IMAGE_MODE=upload); returns the fileName to pass as fieldValue. */
  upload(image: Buffer, filename: string): Promise<string>;
  /** Downloads an output file (only from the RunningHub hosts or the sandbox emulator). */
  download(url: string): Promise<Buffer>;
}

/**
 * An Alipay trade as alipay.trade.query answers it and as the asynchronous notification carries it (opendocs.alipay.com
 * api_1/alipay.trade.query, open/194/103296). Amounts are yuan strings with two decimals; times `yyyy-MM-dd HH:mm:ss`
 * in China Standard Time. `app_id`/`seller_id`/`gmt_payment`/`out_biz_no`/`gmt_refund` come only in notifications.
 */
export interface AlipayTrade {
  out_trade_no: string;
  trade_no?: string;
  trade_status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED' | string;
  total_amount?: string;
  app_id?: string;
  seller_id?: string;
  buyer_logon_id?: string;
  /** notification: when it was paid */
  gmt_payment?: string;
  /** query: when it was paid */
  send_pay_date?: string;
  /** notification of a refund: the total refunded so far, its out_request_no and time */
  refund_fee?: string;
  out_biz_no?: string;
  gmt_refund?: string;
  notify_id?: string;
}

/** One refund of a trade, as alipay.trade.fastpay.refund.query answers it (refund_status absent: not refunded). */
export interface AlipayRefund {
  out_trade_no: string;
  trade_no?: string;
  out_request_no: string;
  total_amount: string;
  refund_amount: string;
  refund_status?: 'REFUND_SUCCESS' | string;
  gmt_refund_pay?: string;
}

/** Alipay OpenAPI (当面付) through the official alipay-sdk. Throws VendorError (code = Alipay's sub_code). */
export interface AlipayClient {
  readonly appId: string;
  readonly sellerId: string;
  precreate(req: { outTradeNo: string; subject: string; amountFen: number; timeExpire: Date; notifyUrl: string }): Promise<{ qrCode: string }>;
  /** The trade, or null when Alipay does not know it (ACQ.TRADE_NOT_EXIST: also a precreated code nobody scanned). */
  queryTrade(outTradeNo: string): Promise<AlipayTrade | null>;
  /** Closes the trade: 'paid' when it was paid, 'not_found' when Alipay has no trade (a code nobody scanned). */
  closeTrade(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'>;
  /** Asks for a refund; the same out_request_no again is the same refund. A refusal throws VendorError (status 400). */
  refund(req: { outTradeNo: string; outRequestNo: string; refundFen: number; reason: string }): Promise<void>;
  /** The refund, or null when Alipay has no successful refund of that out_request_no (not received, or failed). */
  queryRefund(outTradeNo: string, outRequestNo: string): Promise<AlipayRefund | null>;
  /** Verifies an asynchronous notification's RSA2 signature (checkNotifySignV2): the parameters as posted. */
  verifyNotification(params: Record<string, string>): boolean;
}
