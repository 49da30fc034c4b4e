/**
 * The emulated Alipay OpenAPI gateway (`POST /gateway.do`, relative to the mount point), as alipay-sdk's `exec` calls
 * it: common parameters in the query string, `biz_content` in the form body. Every request is checked as the gateway
 * checks it (opendocs.alipay.com/common/02km9f 公共错误码): app_id known (40002 isv.invalid-app-id), sign_type RSA2
 * (isv.invalid-signature-type), a sign present (40001 isv.missing-signature) and valid by the app's public key over
 * the sorted parameters without `sign` (40002 isv.invalid-signature), timestamp `yyyy-MM-dd HH:mm:ss`
 * (isv.invalid-timestamp). Every answer is `{"<method>_response":{…},"sign":"…"}`, signed by the Alipay key over the
 * exact JSON of the response object (the text alipay-sdk's getSignStr cuts out and verifies).
 */
import { createSign, createVerify, type KeyObject } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { parseAlipayTime, signContent } from '../../vendors/alipay/wire.js';

export type AlipayOperation = 'precreate' | 'query' | 'close' | 'refund' | 'refundQuery';

export const METHODS: Record<string, AlipayOperation> = {
  'alipay.trade.precreate': 'precreate',
  'alipay.trade.query': 'query',
  'alipay.trade.close': 'close',
  'alipay.trade.refund': 'refund',
  'alipay.trade.fastpay.refund.query': 'refundQuery',
};

/** A business answer: code 10000 and fields, or a failure with Alipay's codes. */
export type GatewayAnswer = Record<string, string | undefined>;

export const ok = (fields: Record<string, string | undefined>): GatewayAnswer => ({ code: '10000', msg: 'Success', ...fields });
/** 40004 Business Failed with an ACQ.* sub_code (统一收单 业务错误码) */
export const businessFailed = (subCode: string, subMsg: string, fields: Record<string, string> = {}): GatewayAnswer => ({
  code: '40004',
  msg: 'Business Failed',
  sub_code: subCode,
  sub_msg: subMsg,
  ...fields,
});
const invalidArguments = (subCode: string, subMsg: string): GatewayAnswer => ({
  code: '40002',
  msg: 'Invalid Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});
const missingArguments = (subCode: string, subMsg: string): GatewayAnswer => ({
  code: '40001',
  msg: 'Missing Required Arguments',
  sub_code: subCode,
  sub_msg: subMsg,
});
export const invalidParameter = (subMsg: string): GatewayAnswer => businessFailed('ACQ.INVALID_PARAMETER', subMsg);

export interface GatewayContext {
  app: { appId: string; publicKey: KeyObject };
  alipayPrivateKey: KeyObject;
  now: () => number;
  /** handles one authenticated call of a known method */
  handle: (op: AlipayOperation, biz: Record<string, unknown>, common: Record<string, string>) => GatewayAnswer;
}

export function signAnswer(json: string, key: KeyObject): string {
  return createSign('RSA-SHA256').update(json, 'utf8').sign(key, 'base64');
}

export function createAlipayGateway(ctx: GatewayContext): express.Router {
  const router = express.Router();

  const reply = (res: Response, method: string | undefined, answer: GatewayAnswer): void => {
    const key = method && METHODS[method] ? `${method.replaceAll('.', '_')}_response` : 'error_response';
    const json = JSON.stringify(Object.fromEntries(Object.entries(answer).filter(([, v]) => v !== undefined)));
    res
      .status(200)
      .type('application/json;charset=utf-8')
      .send(`{"${key}":${json},"sign":"${signAnswer(json, ctx.alipayPrivateKey)}"}`);
  };

  const params = (req: Request): Record<string, string> | null => {
    const out: Record<string, string> = {};
    const add = (k: string, v: string): boolean => {
      if (k in out) return false; // a parameter twice is ambiguous: refused
      out[k] = v;
      return true;
    };
    for (const [k, v] of new URL(req.originalUrl, 'http://gateway').searchParams) if (!add(k, v)) return null;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (raw) for (const [k, v] of new URLSearchParams(raw)) if (!add(k, v)) return null;
    return out;
  };

  router.post('/gateway.do', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    const p = params(req);
    if (!p) return reply(res, undefined, invalidArguments('isv.invalid-parameter', '参数重复'));
    const method = p.method;
    if (!method) return reply(res, undefined, missingArguments('isv.missing-method', '缺少方法名参数'));
    if (!METHODS[method]) return reply(res, undefined, invalidArguments('isv.invalid-method', '不存在的方法名'));
    if (!p.app_id) return reply(res, method, missingArguments('isv.missing-app-id', '缺少AppID参数'));
    if (p.app_id !== ctx.app.appId) return reply(res, method, invalidArguments('isv.invalid-app-id', '无效的AppID参数'));
    if (!p.sign) return reply(res, method, missingArguments('isv.missing-signature', '缺少签名参数'));
    if (p.sign_type !== 'RSA2') return reply(res, method, invalidArguments('isv.invalid-signature-type', '无效的签名类型'));
    if (parseAlipayTime(p.timestamp) === null) return reply(res, method, invalidArguments('isv.invalid-timestamp', '非法的时间戳参数'));
    const content = signContent(p, ['sign']);
    let valid = false;
    try {
      valid = createVerify('RSA-SHA256').update(content, 'utf8').verify(ctx.app.publicKey, p.sign, 'base64');
    } catch {
      valid = false;
    }
    if (!valid) {
      return reply(
        res,
        method,
        invalidArguments(
          'isv.invalid-signature',
          `验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为：${content}`,
        ),
      );
    }
    let biz: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(p.biz_content ?? '');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      return reply(res, method, missingArguments('isv.missing-biz-content', 'biz_content 缺失或不是 JSON 对象'));
    }
    reply(res, method, ctx.handle(METHODS[method], biz, p));
  });

  router.use((_req, res) => void res.status(404).type('text/plain').send('no such gateway path in the Alipay emulator'));
  return router;
}
