/**
 * WeChat Pay v3 Native merchant client on global fetch (Native prepay pay.weixin.qq.com/doc/v3/merchant/4012791877, query …/4013070356, close …/4013070360).
 * The base URL is injectable, so the same class talks to api.mch.weixin.qq.com and to the sandbox emulator.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { VendorError } from '../../lib/errors.js';
import { NO_RETRY, withRetry, type RetryPolicy } from '../../lib/retry.js';
import type { WechatPayClient, WxRefund, WxTransaction } from '../types.js';
import { buildAuthorization, checkSignedMessage } from './signing.js';
import { toWechatTime } from './time.js';

export const WECHATPAY_BASE_URL = 'https://api.mch.weixin.qq.com';

export interface HttpWechatPayClientOptions {
  /** Default `https://api.mch.weixin.qq.com`; may carry a path prefix (the emulator's `/sandbox/wxpay`). */
  baseUrl?: string;
  appid: string;
  mchid: string;
  /** Serial of the merchant API certificate (`serial_no` of the Authorization header). */
  merchantSerialNo: string;
  /** `apiclient_key.pem` */
  merchantPrivateKey: string;
  /** When given, every answer we act on must carry a valid `Wechatpay-*` signature by one of these keys. */
  platformKeys?: Map<string, KeyObject>;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Retries of a transport error, 5xx or 429 (see `request`); default none. */
  retry?: RetryPolicy;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const PAY_PATH = '/v3/pay/transactions';
/** pay.weixin.qq.com/docs/merchant/products/refund/apilist.html (申请退款 / 查询单笔退款) */
const REFUND_PATH = '/v3/refund/domestic/refunds';
const REFUND_STATES = new Set(['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL']);

export class HttpWechatPayClient implements WechatPayClient {
  readonly appid: string;
  readonly mchid: string;
  private readonly baseUrl: string;
  private readonly privateKey: KeyObject;
  private readonly publicKeyId: string | undefined;

  constructor(private readonly opts: HttpWechatPayClientOptions) {
    this.appid = opts.appid;
    this.mchid = opts.mchid;
    const base = new URL(opts.baseUrl ?? WECHATPAY_BASE_URL);
    this.baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
    this.privateKey = createPrivateKey(opts.merchantPrivateKey);
    // Public-key mode: telling WeChat which key we verify with steers the key it signs answers with (§2.2).
    this.publicKeyId = [...(opts.platformKeys?.keys() ?? [])].find((serial) => serial.startsWith('PUB_KEY_ID_'));
  }

  async nativePrepay(req: {
    outTradeNo: string;
    description: string;
    amountFen: number;
    timeExpire: Date;
    notifyUrl: string;
  }): Promise<{ codeUrl: string }> {
    const res = await this.request('prepay', 'POST', `${PAY_PATH}/native`, {
      appid: this.appid,
      mchid: this.mchid,
      description: req.description,
      out_trade_no: req.outTradeNo,
      time_expire: toWechatTime(req.timeExpire),
      notify_url: req.notifyUrl,
      amount: { total: req.amountFen, currency: 'CNY' },
    });
    if (res.status !== 200) this.fail('prepay', res);
    const json = this.verifiedJson('prepay', res);
    const codeUrl = json.code_url;
    if (typeof codeUrl !== 'string' || !codeUrl) {
      throw new VendorError('wechatpay', 'prepay: answer without code_url', { status: res.status });
    }
    return { codeUrl };
  }

  async queryOrder(outTradeNo: string): Promise<WxTransaction | null> {
    const path = `${PAY_PATH}/out-trade-no/${encodeURIComponent(outTradeNo)}?mchid=${encodeURIComponent(this.mchid)}`;
    const res = await this.request('query', 'GET', path);
    if (res.status === 404 && errorCode(res) === 'ORDER_NOT_EXIST') {
      this.verify('query', res);
      return null;
    }
    if (res.status !== 200) this.fail('query', res);
    const json = this.verifiedJson('query', res);
    if (json.out_trade_no !== outTradeNo || typeof json.trade_state !== 'string') {
      throw new VendorError('wechatpay', 'query: answer is not the transaction asked for', { status: res.status });
    }
    return json as unknown as WxTransaction;
  }

  async closeOrder(outTradeNo: string): Promise<'closed' | 'paid'> {
    const path = `${PAY_PATH}/out-trade-no/${encodeURIComponent(outTradeNo)}/close`;
    const res = await this.request('close', 'POST', path, { mchid: this.mchid });
    if (res.status === 204 || res.status === 200) {
      this.verify('close', res);
      return 'closed';
    }
    // v3 answers ORDER_PAID for an order that was paid; ORDERPAID is the v2 spelling, also seen on v3 answers
    const code = errorCode(res);
    if (res.status >= 400 && res.status < 500 && (code === 'ORDER_PAID' || code === 'ORDERPAID')) {
      this.verify('close', res);
      return 'paid';
    }
    return this.fail('close', res);
  }

  async createRefund(req: {
    outTradeNo: string;
    outRefundNo: string;
    reason: string;
    notifyUrl: string;
    refundFen: number;
    totalFen: number;
  }): Promise<WxRefund> {
    const res = await this.request('refund', 'POST', REFUND_PATH, {
      out_trade_no: req.outTradeNo,
      out_refund_no: req.outRefundNo,
      reason: req.reason,
      notify_url: req.notifyUrl,
      amount: { refund: req.refundFen, total: req.totalFen, currency: 'CNY' },
    });
    if (res.status !== 200) this.fail('refund', res);
    return this.refundAnswer('refund', res, req.outRefundNo);
  }

  async queryRefund(outRefundNo: string): Promise<WxRefund | null> {
    const res = await this.request('refund query', 'GET', `${REFUND_PATH}/${encodeURIComponent(outRefundNo)}`);
    if (res.status === 404 && errorCode(res) === 'RESOURCE_NOT_EXISTS') {
      this.verify('refund query', res);
      return null;
    }
    if (res.status !== 200) this.fail('refund query', res);
    return this.refundAnswer('refund query', res, outRefundNo);
  }

  private refundAnswer(op: string, res: RawResponse, outRefundNo: string): WxRefund {
    const json = this.verifiedJson(op, res);
    const amount = json.amount as Record<string, unknown> | undefined;
    if (
      json.out_refund_no !== outRefundNo ||
      typeof json.refund_id !== 'string' ||
      typeof json.out_trade_no !== 'string' ||
      !REFUND_STATES.has(json.status as string) ||
      !Number.isInteger(amount?.refund) ||
      !Number.isInteger(amount?.total)
    ) {
      throw new VendorError('wechatpay', `${op}: answer is not the refund asked for`, { status: res.status });
    }
    return json as unknown as WxRefund;
  }

  /**
   * Sends a signed request, again (newly signed) after a transport error, a 5xx or a 429. Every call of this client
   * is safe to repeat with the same body: query and close change nothing twice, and a prepay resent with the same
   * out_trade_no and parameters answers the same order (a different one would get OUT_TRADE_NO_USED); WeChat's
   * SYSTEM_ERROR answer itself asks to call again with the same parameters.
   */
  private request(op: string, method: 'GET' | 'POST', path: string, payload?: object): Promise<RawResponse> {
    return withRetry(this.opts.retry ?? NO_RETRY, async () => {
      const res = await this.requestOnce(op, method, path, payload);
      if (res.status >= 500 || res.status === 429) this.fail(op, res);
      return res;
    });
  }

  /** Sends one signed request. `path` is what WeChat sees (and what is signed), without the base URL's prefix. */
  private async requestOnce(op: string, method: 'GET' | 'POST', path: string, payload?: object): Promise<RawResponse> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'aizhao-server',
      Authorization: buildAuthorization({
        mchid: this.mchid,
        serialNo: this.opts.merchantSerialNo,
        privateKey: this.privateKey,
        method,
        url: path,
        body,
      }),
    };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    if (this.publicKeyId) headers['Wechatpay-Serial'] = this.publicKeyId;
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: payload === undefined ? undefined : body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      return {
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: Buffer.from(await res.arrayBuffer()),
      };
    } catch (err) {
      throw new VendorError('wechatpay', `${op}: ${(err as Error).message}`, { retryable: true }, { cause: err });
    }
  }

  /** Checks the answer's signature when platform keys are configured. */
  private verify(op: string, res: RawResponse): void {
    if (!this.opts.platformKeys) return;
    const check = checkSignedMessage({ headers: res.headers, body: res.body, keys: this.opts.platformKeys });
    if (!check.ok) {
      throw new VendorError('wechatpay', `${op}: response signature rejected (${check.reason})`, {
        status: res.status,
        code: 'RESPONSE_SIGNATURE_INVALID',
      });
    }
  }

  private verifiedJson(op: string, res: RawResponse): Record<string, unknown> {
    this.verify(op, res);
    const json = parseJson(res);
    if (!json) throw new VendorError('wechatpay', `${op}: answer is not a JSON object`, { status: res.status });
    return json;
  }

  private fail(op: string, res: RawResponse): never {
    const json = parseJson(res);
    const code = typeof json?.code === 'string' ? json.code : undefined;
    const message = typeof json?.message === 'string' ? json.message : res.body.toString('utf8').slice(0, 200);
    throw new VendorError('wechatpay', `${op}: HTTP ${res.status} ${code ?? ''} ${message}`.trim(), {
      status: res.status,
      code,
      retryable: res.status >= 500 || res.status === 429,
    });
  }
}

function parseJson(res: RawResponse): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(res.body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const errorCode = (res: RawResponse): string | undefined => {
  const code = parseJson(res)?.code;
  return typeof code === 'string' ? code : undefined;
};
