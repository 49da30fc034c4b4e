/**
 * Alipay 当面付 (QR code) on the official alipay-sdk (github.com/alipay/alipay-sdk-nodejs-all): `exec` signs each
 * request with RSA2 over the sorted parameters and, with `validateSign`, verifies the answer's signature by the Alipay
 * public key (public-key mode) or the Alipay public-key certificate (certificate mode: `app_cert_sn` and
 * `alipay_root_cert_sn` are sent). The gateway is injectable: openapi.alipay.com or the sandbox emulator.
 *
 * Methods (opendocs.alipay.com api_1/…): alipay.trade.precreate (QR code), alipay.trade.query, alipay.trade.close,
 * alipay.trade.refund, alipay.trade.fastpay.refund.query. Answers: code 10000 success; 40004 business failure with a
 * sub_code such as ACQ.TRADE_NOT_EXIST (a precreated code nobody scanned is not a trade yet: query and close both
 * answer it), ACQ.TRADE_STATUS_ERROR, ACQ.SELLER_BALANCE_NOT_ENOUGH; 20000 ACQ.SYSTEM_ERROR (retry with the same
 * parameters); 40001/40002 missing or invalid arguments (isv.invalid-signature …).
 */
import { AlipaySdk, type AlipaySdkCommonResult, type AlipaySdkConfig } from 'alipay-sdk';
import { VendorError } from '../../lib/errors.js';
import { NO_RETRY, withRetry, type RetryPolicy } from '../../lib/retry.js';
import type { AlipayClient, AlipayRefund, AlipayTrade } from '../types.js';
import { fenToYuan, toAlipayTime } from './wire.js';

export const ALIPAY_GATEWAY = 'https://openapi.alipay.com/gateway.do';

export interface AlipayKeys {
  appId: string;
  /** the merchant's PID (2088…): the seller_id of its trades */
  sellerId: string;
  /** 应用私钥, trimmed PKCS#8 PEM */
  privateKeyPem: string;
  /** public-key mode: 支付宝公钥, trimmed SPKI PEM */
  alipayPublicKeyPem?: string;
  /** certificate mode: 应用公钥证书, 支付宝公钥证书, 支付宝根证书 (PEM) */
  appCertPem?: string;
  alipayPublicCertPem?: string;
  alipayRootCertPem?: string;
}

export interface SdkAlipayClientOptions extends AlipayKeys {
  gateway?: string;
  timeoutMs?: number;
  /** retries of transport errors and ACQ.SYSTEM_ERROR for calls safe to repeat (all of ours are) */
  retry?: RetryPolicy;
}

/** The SDK's configuration for these keys; the SDK reads the certificates' serial numbers here (throws when bad). */
export function alipaySdk(o: AlipayKeys & { gateway?: string; timeoutMs?: number }): AlipaySdk {
  const config: AlipaySdkConfig = {
    appId: o.appId,
    privateKey: o.privateKeyPem,
    keyType: 'PKCS8',
    signType: 'RSA2',
    gateway: o.gateway ?? ALIPAY_GATEWAY,
    timeout: o.timeoutMs ?? 10_000,
    camelcase: false,
  };
  if (o.appCertPem) {
    config.appCertContent = o.appCertPem;
    config.alipayPublicCertContent = o.alipayPublicCertPem;
    config.alipayRootCertContent = o.alipayRootCertPem;
  } else {
    config.alipayPublicKey = o.alipayPublicKeyPem;
  }
  return new AlipaySdk(config);
}

const SUCCESS = '10000';
/** ACQ.SYSTEM_ERROR / ACQ.SYSTEM_ERROR-like answers: "系统异常，请使用相同的参数再次调用" */
const isSystemError = (r: AlipaySdkCommonResult): boolean => r.code === '20000' || r.sub_code === 'ACQ.SYSTEM_ERROR';

export class SdkAlipayClient implements AlipayClient {
  readonly appId: string;
  readonly sellerId: string;
  private readonly sdk: AlipaySdk;
  private readonly retry: RetryPolicy;

  constructor(opts: SdkAlipayClientOptions) {
    this.appId = opts.appId;
    this.sellerId = opts.sellerId;
    this.sdk = alipaySdk(opts);
    this.retry = opts.retry ?? NO_RETRY;
  }

  /** One method call: signed, its answer's signature verified; a business failure is returned for the caller. */
  private async call(
    method: string,
    bizContent: Record<string, unknown>,
    extra: Record<string, string> = {},
  ): Promise<AlipaySdkCommonResult> {
    return withRetry(this.retry, async () => {
      let r: AlipaySdkCommonResult;
      try {
        r = await this.sdk.exec(method, { ...extra, bizContent }, { validateSign: true });
      } catch (err) {
        const e = err as Error & { responseHttpStatus?: number };
        // transport errors and non-200 answers may be retried; a bad answer signature never is
        const badSign = /验签失败/.test(e.message);
        throw new VendorError(
          'alipay',
          `${method}: ${e.message}`,
          { retryable: !badSign, code: badSign ? 'INVALID_SIGNATURE' : undefined },
          { cause: err },
        );
      }
      if (isSystemError(r))
        throw new VendorError('alipay', `${method}: ${r.sub_code ?? r.code} ${r.sub_msg ?? r.msg}`, {
          code: r.sub_code ?? r.code,
          retryable: true,
        });
      return r;
    });
  }

  private fail(method: string, r: AlipaySdkCommonResult): never {
    // 40004 business failures are Alipay's refusals (status 400); 40001/40002 argument errors too
    throw new VendorError('alipay', `${method}: ${r.code} ${r.sub_code ?? ''} ${r.sub_msg ?? r.msg}`.trim(), {
      status: 400,
      code: r.sub_code ?? r.code,
      retryable: false,
    });
  }

  async precreate(req: {
    outTradeNo: string;
    subject: string;
    amountFen: number;
    timeExpire: Date;
    notifyUrl: string;
  }): Promise<{ qrCode: string }> {
    const method = 'alipay.trade.precreate';
    const r = await this.call(
      method,
      {
        out_trade_no: req.outTradeNo,
        total_amount: fenToYuan(req.amountFen),
        subject: req.subject,
        seller_id: this.sellerId,
        // 绝对超时时间 yyyy-MM-dd HH:mm:ss: the code cannot be paid after it
        time_expire: toAlipayTime(req.timeExpire),
      },
      { notify_url: req.notifyUrl },
    );
    if (r.code !== SUCCESS) this.fail(method, r);
    if (typeof r.qr_code !== 'string' || !r.qr_code)
      throw new VendorError('alipay', `${method}: answer without qr_code`, { retryable: false });
    return { qrCode: r.qr_code };
  }

  async queryTrade(outTradeNo: string): Promise<AlipayTrade | null> {
    const method = 'alipay.trade.query';
    const r = await this.call(method, { out_trade_no: outTradeNo });
    if (r.code !== SUCCESS) {
      if (r.sub_code === 'ACQ.TRADE_NOT_EXIST') return null;
      this.fail(method, r);
    }
    return r as unknown as AlipayTrade;
  }

  async closeTrade(outTradeNo: string): Promise<'closed' | 'paid' | 'not_found'> {
    const method = 'alipay.trade.close';
    const r = await this.call(method, { out_trade_no: outTradeNo });
    if (r.code === SUCCESS) return 'closed';
    if (r.sub_code === 'ACQ.TRADE_NOT_EXIST') return 'not_found';
    if (r.sub_code === 'ACQ.TRADE_STATUS_ERROR') {
      // paid (TRADE_SUCCESS / TRADE_FINISHED) or already closed: the trade says which
      const trade = await this.queryTrade(outTradeNo);
      if (trade && (trade.trade_status === 'TRADE_SUCCESS' || trade.trade_status === 'TRADE_FINISHED')) return 'paid';
      if (trade?.trade_status === 'TRADE_CLOSED') return 'closed';
    }
    this.fail(method, r);
  }

  async refund(req: { outTradeNo: string; outRequestNo: string; refundFen: number; reason: string }): Promise<void> {
    const method = 'alipay.trade.refund';
    const r = await this.call(method, {
      out_trade_no: req.outTradeNo,
      refund_amount: fenToYuan(req.refundFen),
      // "如需部分退款，则此参数必传"; the same number again is the same refund (fund_change N)
      out_request_no: req.outRequestNo,
      ...(req.reason ? { refund_reason: req.reason.slice(0, 256) } : {}),
    });
    if (r.code !== SUCCESS) this.fail(method, r);
  }

  async queryRefund(outTradeNo: string, outRequestNo: string): Promise<AlipayRefund | null> {
    const method = 'alipay.trade.fastpay.refund.query';
    const r = await this.call(method, { out_trade_no: outTradeNo, out_request_no: outRequestNo, query_options: ['gmt_refund_pay'] });
    if (r.code !== SUCCESS) {
      if (r.sub_code === 'ACQ.TRADE_NOT_EXIST') return null;
      this.fail(method, r);
    }
    // "未返回该字段表示退款请求未收到或者退款失败" (refund_status)
    if (r.refund_status !== 'REFUND_SUCCESS') return null;
    return r as unknown as AlipayRefund;
  }

  verifyNotification(params: Record<string, string>): boolean {
    // RSA2 only; checkNotifySignV2 verifies the values as posted (not URL-decoded a second time)
    if (params.sign_type !== 'RSA2') return false;
    try {
      return this.sdk.checkNotifySignV2(params);
    } catch {
      return false;
    }
  }
}
