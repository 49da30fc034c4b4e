/** Login codes by Tencent Cloud SMS (`SendSms`, API version 2021-01-11) through tencentcloud-sdk-nodejs-sms. */
import type { Agent } from 'node:http';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import { VendorError } from '../../lib/errors.js';
import { NO_RETRY, withRetry, type RetryPolicy } from '../../lib/retry.js';
import type { SmsSender } from '../types.js';

const SmsClient = sms.v20210111.Client;
type SdkClient = InstanceType<typeof SmsClient>;

export interface TencentSmsSenderOptions {
  secretId: string;
  secretKey: string;
  /** e.g. 'ap-guangzhou' */
  region: string;
  smsSdkAppId: string;
  /** the approved signature text (not its id) */
  signName: string;
  /** template with two parameters: {1} the code, {2} its lifetime in minutes */
  templateId: string;
  /** host[:port], default sms.tencentcloudapi.com */
  endpoint?: string;
  /** default 10 s */
  timeoutSeconds?: number;
  /** HTTPS agent for the SDK's requests (a proxy, or a test CA); default Node's global agent */
  agent?: Agent;
  /**
   * SendSms is not idempotent (each call sends and bills a message): only a connection that was never made
   * (refused, no DNS answer) is tried again; a reset, a timeout or a 5xx may have sent it, and fails.
   */
  retry?: RetryPolicy;
}

/** The request certainly never reached Tencent: nothing was sent. */
const NOT_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/;
export const smsNotSent = (err: unknown): boolean =>
  err instanceof VendorError && err.details.status === undefined && err.details.code === undefined && NOT_CONNECTED.test(err.message);

/** Request-level error codes worth retrying later (the rest are configuration or input problems). */
const RETRYABLE_CODE = /^(InternalError|RequestLimitExceeded|LimitExceeded\.DeliveryFrequencyLimit)/;

/** The SDK's error: a message plus `code` (e.g. AuthFailure.SignatureFailure), `requestId`, `httpCode`. */
interface SdkError {
  message?: string;
  code?: string;
  requestId?: string;
  httpCode?: number;
}

/** E.164 for the mainland numbers we accept ('13800138000' → '+8613800138000'); other '+' numbers pass through. */
export function toE164(phone: string): string {
  const p = phone.replace(/[\s-]/g, '');
  if (/^1\d{10}$/.test(p)) return `+86${p}`;
  if (/^(?:\+|00)?861\d{10}$/.test(p)) return `+86${p.slice(-11)}`;
  if (/^\+\d{6,15}$/.test(p)) return p;
  throw new VendorError('sms', 'invalid phone number', { code: 'InvalidParameterValue.IncorrectPhoneNumber' });
}

export class TencentSmsSender implements SmsSender {
  private readonly client: SdkClient;

  constructor(private readonly opts: TencentSmsSenderOptions) {
    this.client = new SmsClient({
      credential: { secretId: opts.secretId, secretKey: opts.secretKey },
      region: opts.region,
      profile: {
        httpProfile: {
          endpoint: opts.endpoint ?? 'sms.tencentcloudapi.com',
          reqMethod: 'POST',
          reqTimeout: opts.timeoutSeconds ?? 10,
          ...(opts.agent ? { agent: opts.agent } : {}),
        },
      },
    });
  }

  async sendLoginCode(phone: string, code: string, ttlMinutes: number): Promise<void> {
    const number = toE164(phone);
    const res = await withRetry(this.opts.retry ?? NO_RETRY, () => this.sendOnce(number, code, ttlMinutes), { shouldRetry: smsNotSent });
    this.checkStatus(res, number);
  }

  /**
   * Read-only: the configured signature and template as Tencent knows them (status 0 = approved and usable), for
   * `npm run doctor`. DescribeSmsSignList (2021-01-11) lists the account's signatures page by page when SignIdSet is
   * empty (Limit ≤ 100, Offset); DescribeSmsTemplateList takes the template id (fields per the SDK's sms_models).
   * Null: not found. Sends no message.
   */
  async describeSignAndTemplate(): Promise<{
    sign: { status: number; reply?: string } | null;
    template: { status: number; reply?: string } | null;
  }> {
    const PAGE = 100;
    let sign: { status: number; reply?: string } | null = null;
    for (let offset = 0; offset < 10 * PAGE && !sign; offset += PAGE) {
      const res = await this.sdkCall('DescribeSmsSignList', () =>
        this.client.DescribeSmsSignList({ International: 0, Limit: PAGE, Offset: offset }),
      );
      const list = res.DescribeSignListStatusSet ?? [];
      const found = list.find((s) => s.SignName === this.opts.signName);
      if (found) sign = { status: Number(found.StatusCode), ...(found.ReviewReply ? { reply: found.ReviewReply } : {}) };
      if (list.length < PAGE) break;
    }
    const id = Number(this.opts.templateId);
    const tpl = Number.isSafeInteger(id)
      ? (
          await this.sdkCall('DescribeSmsTemplateList', () =>
            this.client.DescribeSmsTemplateList({ International: 0, TemplateIdSet: [id] }),
          )
        ).DescribeTemplateStatusSet?.find((t) => Number(t.TemplateId) === id)
      : undefined;
    const template = tpl ? { status: Number(tpl.StatusCode), ...(tpl.ReviewReply ? { reply: tpl.ReviewReply } : {}) } : null;
    return { sign, template };
  }

  /** One SDK call, its failure as a VendorError (read-only calls: no retry needed here). */
  private async sdkCall<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const e = (err ?? {}) as SdkError;
      throw new VendorError(
        'sms',
        `${action} failed: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}${e.requestId ? ` (request ${e.requestId})` : ''}`,
        { ...(e.code ? { code: e.code } : {}), ...(e.httpCode ? { status: e.httpCode } : {}), retryable: !e.code },
        { cause: err },
      );
    }
  }

  private async sendOnce(number: string, code: string, ttlMinutes: number): Promise<Awaited<ReturnType<SdkClient['SendSms']>>> {
    try {
      return await this.client.SendSms({
        PhoneNumberSet: [number],
        SmsSdkAppId: this.opts.smsSdkAppId,
        SignName: this.opts.signName,
        TemplateId: this.opts.templateId,
        TemplateParamSet: [code, String(ttlMinutes)],
      });
    } catch (err) {
      const e = (err ?? {}) as SdkError;
      const transport = !e.code && !e.httpCode;
      throw new VendorError(
        'sms',
        `SendSms failed: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}${e.requestId ? ` (request ${e.requestId})` : ''}`,
        {
          ...(e.code ? { code: e.code } : {}),
          ...(e.httpCode ? { status: e.httpCode } : {}),
          retryable: transport || (e.httpCode ?? 0) >= 500 || RETRYABLE_CODE.test(e.code ?? ''),
        },
        { cause: err },
      );
    }
  }

  private checkStatus(res: Awaited<ReturnType<SdkClient['SendSms']>>, number: string): void {
    const status = res.SendStatusSet?.find((s) => s.PhoneNumber === number) ?? res.SendStatusSet?.[0];
    if (!status) {
      throw new VendorError('sms', `SendSms returned no status (request ${res.RequestId ?? '?'})`, { retryable: true });
    }
    if (status.Code !== 'Ok') {
      throw new VendorError('sms', `SendSms refused: ${status.Code ?? '?'} ${status.Message ?? ''}`.trim(), {
        code: status.Code ?? 'Unknown',
        retryable: RETRYABLE_CODE.test(status.Code ?? ''),
      });
    }
  }
}
