/** What the merchant's membership means for the header, the banners and the purchase dialog. */
import type { MembershipView } from '../../../shared/contract';
import { formatMoney } from './format';

type Plan = MembershipView['plan'];

export type MembershipStatus = 'member' | 'not_member' | 'expired';

/** Never paid (no expiry on record) is "not member"; an expiry on record without an active membership is "expired". */
export function membershipStatus(m: MembershipView): MembershipStatus {
  if (m.isMember) return 'member';
  return m.quotaExpireAt ? 'expired' : 'not_member';
}

export const MEMBERSHIP_STATUS_LABELS: Record<MembershipStatus, string> = {
  member: '已开通',
  not_member: '未开通',
  expired: '已到期',
};

/** The balance counts as low at or below this share of one plan's quota. */
export const LOW_BALANCE_SHARE = 0.2;

export const planText = (plan: Plan): string => `${plan.quota} 次 / ${plan.days} 天`;

export type BannerKind = 'none' | 'not_member' | 'expired' | 'low' | 'ok';

export interface MembershipBanner {
  kind: BannerKind;
  message: string | null;
}

export function membershipBanner(m: MembershipView | null): MembershipBanner {
  if (!m) return { kind: 'none', message: null };
  const status = membershipStatus(m);
  if (status === 'not_member') {
    return { kind: 'not_member', message: `未开通会员，开通后即可使用：${formatMoney(m.plan.priceFen)} · ${planText(m.plan)}` };
  }
  if (status === 'expired') return { kind: 'expired', message: '会员已到期，剩余次数已清零，续费后可继续使用' };
  if (m.quotaRemaining <= LOW_BALANCE_SHARE * m.plan.quota) {
    return { kind: 'low', message: `剩余次数不多了（${m.quotaRemaining}/${m.plan.quota}），建议续费` };
  }
  return { kind: 'ok', message: null };
}

/** A refund is told about for this long after it was applied (then the balance speaks for itself). */
export const REFUND_NOTICE_DAYS = 7;

/**
 * 「订单已退款 ¥49.50，次数 −50，有效期缩短 15 天」 for the merchant's latest refund, or null when there is none
 * recent enough (or it was dismissed: `dismissedAt` is the `at` of the refund the merchant closed).
 */
export function refundNotice(m: MembershipView | null, nowMs: number, dismissedAt: string | null = null): string | null {
  const r = m?.lastRefund;
  if (!r || r.at === dismissedAt || nowMs - Date.parse(r.at) > REFUND_NOTICE_DAYS * 86_400_000) return null;
  const parts = [`订单已退款 ${formatMoney(r.refundFen)}`, `次数 −${r.quotaTaken}`];
  const days = Math.round(r.expiryShortenedSeconds / 86_400);
  if (days > 0) parts.push(`有效期缩短 ${days} 天`);
  return parts.join('，');
}

/** 「开通会员」 for someone who never paid, 「续费」 otherwise. */
export function purchaseLabel(m: MembershipView | null): string {
  return !m || membershipStatus(m) === 'not_member' ? '开通会员' : '续费';
}

/**
 * The purchase dialog's title: 开通会员 for a first purchase, 续费会员 for anyone who has paid before — an expired
 * membership is renewed, not opened.
 */
export function purchaseTitle(m: MembershipView | null): string {
  return !m || membershipStatus(m) === 'not_member' ? '开通会员' : '续费会员';
}

/** What one payment gives, worded for the merchant's situation. */
export function purchaseNote(m: MembershipView): string {
  const { quota, days } = m.plan;
  return membershipStatus(m) === 'member'
    ? `续费后增加 ${quota} 次，有效期顺延 ${days} 天`
    : `支付后立即到账 ${quota} 次，有效期 ${days} 天`;
}
