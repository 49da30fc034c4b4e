/**
 * Tencent STS `GetFederationToken` (version 2018-08-13) as qcloud-cos-sts 3.1.3 calls it (sdk/sts.js): a form POST to
 * `https://{host}/` with the API v1 common parameters SecretId, Timestamp, Nonce, Action, Version, Region and
 * Signature, plus Name, DurationSeconds and Policy (the JSON policy, URL-encoded once more before the form encoding).
 * The v1 signature is base64(HMAC-SHA1(SecretKey, "POST" + host + "/?" + the other parameters sorted by name as
 * k=v joined by &, values not encoded)), host being what the client addressed (`Host`, with its port). The answer is
 * `Response {Credentials {TmpSecretId, TmpSecretKey, Token}, ExpiredTime, Expiration}`. GetFederationToken grants at
 * most 7200 s (TempKeyStore's MAX_TEMP_KEY_SECONDS; default 1800).
 *
 * The key is minted by the COS emulator, which then enforces the policy on every request signed with it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { UploadPolicy } from '../../vendors/cos/upload-policy.js';
import type { TemporaryCredentials } from '../../vendors/types.js';
import { MAX_TEMP_KEY_SECONDS } from '../cos/temp-keys.js';
import { answer, authFailure, MAX_CLOCK_SKEW_SECONDS, TencentApiError, type TencentAnswer } from './errors.js';

const conditionSchema = z
  .object({
    string_like: z.record(z.string(), z.string()).optional(),
    numeric_less_than_equal: z.record(z.string(), z.number()).optional(),
  })
  .strict();
const policySchema = z
  .object({
    version: z.literal('2.0'),
    statement: z
      .array(
        z
          .object({
            effect: z.literal('allow'),
            principal: z.object({ qcs: z.tuple([z.literal('*')]) }),
            action: z.array(z.string().min(1)).min(1),
            resource: z.array(z.string().min(1)).min(1),
            condition: conditionSchema.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

/** API v1 signature of the parameters (all but Signature) for `host`. */
export function v1Signature(params: Record<string, string>, secretKey: string, method: string, host: string): string {
  const canonical = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHmac('sha1', secretKey)
    .update(Buffer.from(`${method}${host}/?${canonical}`, 'utf8'))
    .digest('base64');
}

export interface StsEmulatorOptions {
  account: { secretId: string; secretKey: string };
  issueTemporaryKey(o: { policy: UploadPolicy; durationSeconds: number }): TemporaryCredentials;
  now?: () => number;
}

const invalid = (message: string): TencentApiError => new TencentApiError('InvalidParameter', message);

/** Answers one API v1 request (the form body) sent to `host`. */
export function stsAnswer(o: StsEmulatorOptions, body: string, host: string, method = 'POST'): TencentAnswer {
  const { Signature, ...params } = Object.fromEntries(new URLSearchParams(body));
  for (const name of ['Action', 'SecretId', 'Timestamp', 'Nonce', 'Signature'] as const) {
    if (!(name === 'Signature' ? Signature : params[name])) {
      throw new TencentApiError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
    }
  }
  if (params['SecretId'] !== o.account.secretId) throw authFailure('AuthFailure.SecretIdNotFound');
  const nowSeconds = Math.floor((o.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - Number(params['Timestamp'])) > MAX_CLOCK_SKEW_SECONDS) throw authFailure('AuthFailure.SignatureExpire');
  const expected = Buffer.from(v1Signature(params, o.account.secretKey, method, host));
  const given = Buffer.from(Signature ?? '');
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw authFailure('AuthFailure.SignatureFailure');

  if (params['Action'] !== 'GetFederationToken') {
    throw new TencentApiError('InvalidAction', `The action \`${params['Action']}\` is not found (the emulator knows GetFederationToken).`);
  }
  if (params['Version'] !== '2018-08-13')
    throw new TencentApiError('NoSuchVersion', `The API version \`${params['Version']}\` is not found.`);
  if (!/^[\w+=,.@-]{1,64}$/.test(params['Name'] ?? '')) throw invalid('Name must be 1..64 characters of letters, digits and +=,.@-_');
  const durationSeconds = Number(params['DurationSeconds'] ?? 1800);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > MAX_TEMP_KEY_SECONDS) {
    throw invalid(`DurationSeconds must be an integer of 1..${MAX_TEMP_KEY_SECONDS}`);
  }
  let policy: UploadPolicy;
  try {
    policy = policySchema.parse(JSON.parse(decodeURIComponent(params['Policy'] ?? ''))) as UploadPolicy;
  } catch {
    throw invalid('Policy is not a valid CAM policy (version 2.0, statements with effect, action, resource)');
  }
  const issued = o.issueTemporaryKey({ policy, durationSeconds });
  return answer({
    Credentials: {
      Token: issued.credentials.sessionToken,
      TmpSecretId: issued.credentials.tmpSecretId,
      TmpSecretKey: issued.credentials.tmpSecretKey,
    },
    ExpiredTime: issued.expiredTime,
    Expiration: new Date(issued.expiredTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  });
}
