/**
 * How CAM judges a temporary key's policy, for the statements our upload policy uses (vendors/cos/upload-policy.ts):
 * an `allow` statement applies when it names the action, a resource pattern matches the object's resource
 * (`qcs::cos:<region>:uid/<appid>:<bucket>/<key>`, `*` matching anything), and every condition holds; a condition
 * key that the request does not carry fails (CAM: "If the key … is not present … the condition evaluates to false").
 * Nothing allowed means denied.
 */
import type { PolicyCondition, UploadPolicy } from '../../vendors/cos/upload-policy.js';

export interface PolicyRequest {
  action: string;
  resource: string;
  /** condition keys as COS sets them: `cos:content-type` (the Content-Type header), `cos:content-length` */
  values: Record<string, string | undefined>;
}

const wildcard = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

function conditionHolds(c: PolicyCondition, values: PolicyRequest['values']): boolean {
  for (const [key, pattern] of Object.entries(c.string_like ?? {})) {
    const v = values[key];
    if (v === undefined || !wildcard(pattern).test(v)) return false;
  }
  for (const [key, limit] of Object.entries(c.numeric_less_than_equal ?? {})) {
    const v = values[key];
    if (v === undefined || !/^\d+$/.test(v) || Number(v) > limit) return false;
  }
  return true;
}

export function policyAllows(policy: UploadPolicy, r: PolicyRequest): boolean {
  return policy.statement.some(
    (s) =>
      s.effect === 'allow' &&
      s.action.includes(r.action) &&
      s.resource.some((pattern) => wildcard(pattern).test(r.resource)) &&
      (!s.condition || conditionHolds(s.condition, r.values)),
  );
}
