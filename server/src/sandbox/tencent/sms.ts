/**
 * Tencent Cloud SMS, API 3.0 version 2021-01-11 (the actions tencentcloud-sdk-nodejs-sms sends; request and answer
 * fields as its services/sms/v20210111/sms_models.d.ts types them): DescribeSmsSignList, DescribeSmsTemplateList and
 * SendSms, for one emulated account with one approved signature and one approved login-code template of two
 * parameters ({1} the code, {2} its lifetime in minutes). A message SendSms accepts lands in the sandbox SMS outbox,
 * where the sandbox's own sender puts it.
 *
 * Refusals use the SMS error codes of the SDK's error-code list (sms v20210111 SmsErrorCode, and the troubleshooting
 * links of Tencent's SendSms example, cloud.tencent.com/document/product/382/9558): a SmsSdkAppId the account does
 * not have → UnauthorizedOperation.SmsSdkAppIdVerifyFail; a signature not approved → FailedOperation.
 * SignatureIncorrectOrUnapproved; a template not approved → FailedOperation.TemplateIncorrectOrUnapproved; the wrong
 * number of template parameters → FailedOperation.TemplateParamSetNotMatchApprovedTemplate; Limit over 100 →
 * InvalidParameterValue.LimitVerifyFail. A number that is not a mainland mobile number fails on its own line of
 * SendStatusSet (InvalidParameterValue.IncorrectPhoneNumber); the others are sent.
 */
import { randomBytes } from 'node:crypto';
import type { SmsSender } from '../../vendors/types.js';
import { TencentApiError } from './errors.js';

/** The emulated SMS account: what `npm run doctor`'s dry run configures as SMS_APP_ID, SMS_SIGN_NAME, SMS_TEMPLATE_ID. */
export const SANDBOX_SMS_ACCOUNT = {
  smsSdkAppId: '1400006666',
  signName: '爱照科技',
  templateId: '2024001',
  templateParams: 2,
} as const;

const SIGNS = [
  { SignId: 1, International: 0, StatusCode: 0, ReviewReply: '', SignName: SANDBOX_SMS_ACCOUNT.signName, CreateTime: 1_700_000_000 },
];
const TEMPLATES = [
  {
    TemplateId: Number(SANDBOX_SMS_ACCOUNT.templateId),
    International: 0,
    StatusCode: 0,
    ReviewReply: '',
    TemplateName: '登录验证码',
    CreateTime: 1_700_000_000,
    TemplateContent: '您的登录验证码为{1}，{2}分钟内有效，请勿泄露。',
  },
];
/** Tencent's cap on one SendSms (PhoneNumberSet) and on list pages (Limit). */
const MAX_NUMBERS = 200;
const MAX_LIMIT = 100;

type Body = Record<string, unknown>;

const numbers = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : []);

function page<T>(items: T[], body: Body): T[] {
  const limit = body['Limit'] === undefined ? 10 : Number(body['Limit']);
  const offset = body['Offset'] === undefined ? 0 : Number(body['Offset']);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT)
    throw new TencentApiError('InvalidParameterValue.LimitVerifyFail', `Limit must be 0..${MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0) throw new TencentApiError('InvalidParameterValue.OffsetVerifyFail', 'Offset must be ≥ 0');
  return items.slice(offset, offset + limit);
}

/** A mainland mobile number as SendSms takes it (+86…, 0086…, 86… or 11 digits) → its 11 digits; otherwise null. */
function mainland(phone: string): string | null {
  const m = /^(?:\+86|0086|86)?(1\d{10})$/.exec(phone);
  return m ? m[1]! : null;
}

export interface SmsEmulator {
  answer(action: string, body: Body): Promise<Record<string, unknown>>;
}

export function createSmsEmulator(outbox: SmsSender): SmsEmulator {
  const actions: Record<string, (body: Body) => Promise<Record<string, unknown>>> = {
    DescribeSmsSignList: async (body) => {
      const ids = numbers(body['SignIdSet']);
      const signs = SIGNS.filter((s) => s.International === Number(body['International'] ?? 0));
      return { DescribeSignListStatusSet: ids.length ? signs.filter((s) => ids.includes(s.SignId)) : page(signs, body) };
    },
    DescribeSmsTemplateList: async (body) => {
      const ids = numbers(body['TemplateIdSet']);
      const templates = TEMPLATES.filter((t) => t.International === Number(body['International'] ?? 0));
      return { DescribeTemplateStatusSet: ids.length ? templates.filter((t) => ids.includes(t.TemplateId)) : page(templates, body) };
    },
    SendSms: async (body) => {
      if (body['SmsSdkAppId'] !== SANDBOX_SMS_ACCOUNT.smsSdkAppId) {
        throw new TencentApiError('UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId verify failed.');
      }
      if (!SIGNS.some((s) => s.SignName === body['SignName'] && s.StatusCode === 0)) {
        throw new TencentApiError(
          'FailedOperation.SignatureIncorrectOrUnapproved',
          'signature format is incorrect or signature is not approved',
        );
      }
      const template = TEMPLATES.find((t) => String(t.TemplateId) === String(body['TemplateId']) && t.StatusCode === 0);
      if (!template) {
        throw new TencentApiError(
          'FailedOperation.TemplateIncorrectOrUnapproved',
          'template is not approved or request content does not match the approved template content',
        );
      }
      const params = Array.isArray(body['TemplateParamSet']) ? body['TemplateParamSet'].map(String) : [];
      if (params.length !== SANDBOX_SMS_ACCOUNT.templateParams) {
        throw new TencentApiError(
          'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
          'request content does not match the template content',
        );
      }
      const phones = Array.isArray(body['PhoneNumberSet']) ? body['PhoneNumberSet'].map(String) : [];
      if (!phones.length) throw new TencentApiError('MissingParameter', 'The request is missing a required parameter `PhoneNumberSet`.');
      if (phones.length > MAX_NUMBERS) {
        throw new TencentApiError('LimitExceeded.PhoneNumberCountLimit', `at most ${MAX_NUMBERS} numbers per request`);
      }
      const SendStatusSet = [];
      for (const phone of phones) {
        const national = mainland(phone);
        if (!national) {
          SendStatusSet.push({
            SerialNo: '',
            PhoneNumber: phone,
            Fee: 0,
            SessionContext: String(body['SessionContext'] ?? ''),
            Code: 'InvalidParameterValue.IncorrectPhoneNumber',
            Message: 'incorrect number format',
            IsoCode: '',
          });
          continue;
        }
        await outbox.sendLoginCode(national, params[0]!, Number(params[1]));
        SendStatusSet.push({
          SerialNo: `2433:${randomBytes(12).toString('hex')}`,
          PhoneNumber: `+86${national}`,
          Fee: 1,
          SessionContext: String(body['SessionContext'] ?? ''),
          Code: 'Ok',
          Message: 'send success',
          IsoCode: 'CN',
        });
      }
      return { SendStatusSet };
    },
  };
  return {
    async answer(action, body) {
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run)
        throw new TencentApiError(
          'InvalidAction',
          `The action \`${action}\` is not found (the emulator knows ${Object.keys(actions).join(', ')}).`,
        );
      return run(body);
    },
  };
}
