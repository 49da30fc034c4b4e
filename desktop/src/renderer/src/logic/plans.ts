/** What each plan on sale adds, in the merchant's words, for the purchase dialog. */
import type { PlanView } from '@aizhao/shared';
import type { MembershipView } from '../../../shared/contract';

const DAY_MS = 86_400_000;

/** A local calendar date, `2027-03-01`. */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * 「+100 次，有效期延长至 2027-03-01」 for a membership length (from the later of now and the current expiry, as the
 * server grants it); 「+100 次，有效期不变（至 2027-01-20）」 for a 加量包, which extends nothing and ends with the
 * membership; 「需先开通会员」 for a pack without a running membership.
 */
export function planEffect(plan: PlanView, membership: MembershipView | null, nowMs: number): string {
  const expiry = membership?.isMember && membership.quotaExpireAt ? Date.parse(membership.quotaExpireAt) : null;
  if (plan.kind === 'pack') {
    return expiry ? `+${plan.quota} 次，有效期不变（至 ${formatDay(expiry)}）` : '需先开通会员';
  }
  const from = Math.max(nowMs, expiry ?? 0);
  return `+${plan.quota} 次，有效期延长至 ${formatDay(from + plan.days * DAY_MS)}`;
}

/** 「本批还差 140 次」, or null when nothing is short. */
export const shortfallText = (shortfall: number | null): string | null => (shortfall && shortfall > 0 ? `本批还差 ${shortfall} 次` : null);

export const CHANNEL_LABELS = { wx: '微信支付', alipay: '支付宝' } as const;
