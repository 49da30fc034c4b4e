/**
 * TencentSmsSender.describeSignAndTemplate (what `npm run doctor` asks Tencent SMS): the signature is looked up by its
 * text across pages of DescribeSmsSignList (Limit 100, Offset), the template by id; nothing is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TencentSmsSender } from '../../src/vendors/sms/tencent.js';
import { startHttpsFake, type HttpsFake } from '../support/https-fake.js';

const HOST = 'sms.tencentcloudapi.com';
let fake: HttpsFake;
const actions: string[] = [];

beforeAll(async () => {
  fake = await startHttpsFake(HOST);
  const signs = Array.from({ length: 150 }, (_, i) => ({
    SignId: i,
    SignName: `签名${i}`,
    StatusCode: i === 120 ? 1 : 0,
    ReviewReply: i === 120 ? '资质待补充' : '',
  }));
  fake.respond = (body, headers) => {
    const action = String(headers?.['x-tc-action']);
    actions.push(action);
    const req = JSON.parse(body) as { Limit?: number; Offset?: number; TemplateIdSet?: number[] };
    if (action === 'DescribeSmsSignList') {
      const page = signs.slice(req.Offset ?? 0, (req.Offset ?? 0) + (req.Limit ?? 10));
      return { status: 200, body: { Response: { DescribeSignListStatusSet: page, RequestId: 'r' } } };
    }
    const set = (req.TemplateIdSet ?? []).map((id) => ({ TemplateId: id, StatusCode: 0 }));
    return { status: 200, body: { Response: { DescribeTemplateStatusSet: set, RequestId: 'r' } } };
  };
});
afterAll(() => fake?.close());

const sender = (signName: string) =>
  new TencentSmsSender({
    secretId: 'AKIDsms',
    secretKey: 'k',
    region: 'ap-guangzhou',
    smsSdkAppId: '1400006666',
    signName,
    templateId: '2024001',
    endpoint: `${HOST}:${fake.port}`,
    agent: fake.agent,
  });

describe('describeSignAndTemplate', () => {
  it('finds a signature on the second page with its review state, and the template by id; sends nothing', async () => {
    actions.length = 0;
    expect(await sender('签名120').describeSignAndTemplate()).toEqual({
      sign: { status: 1, reply: '资质待补充' },
      template: { status: 0 },
    });
    expect(actions).toEqual(['DescribeSmsSignList', 'DescribeSmsSignList', 'DescribeSmsTemplateList']);
  });

  it('a signature the account does not have is null after the last page', async () => {
    actions.length = 0;
    expect((await sender('没有').describeSignAndTemplate()).sign).toBeNull();
    expect(actions.filter((a) => a === 'SendSms')).toEqual([]);
  });
});
