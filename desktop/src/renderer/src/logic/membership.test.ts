import { describe, expect, it } from 'vitest';
import { expiredMember, membership, notMember } from '../../../../test/support/app-state-fixtures';
import { membershipBanner, membershipStatus, planText, purchaseLabel, purchaseNote, purchaseTitle, refundNotice } from './membership';

describe('membershipStatus', () => {
  it('tells a member, someone who never paid, and an expired member apart', () => {
    expect(membershipStatus(membership())).toBe('member');
    expect(membershipStatus(notMember())).toBe('not_member');
    expect(membershipStatus(expiredMember())).toBe('expired');
  });
});

describe('membershipBanner', () => {
  it('has nothing to say before the membership is known', () => {
    expect(membershipBanner(null)).toEqual({ kind: 'none', message: null });
  });

  it('invites a merchant who never paid, with the price and the plan', () => {
    const b = membershipBanner(notMember());
    expect(b.kind).toBe('not_member');
    expect(b.message).toBe('未开通会员，开通后即可使用：¥99.00 · 100 次 / 30 天');
  });

  it('says an expired membership cleared the balance', () => {
    expect(membershipBanner(expiredMember())).toEqual({ kind: 'expired', message: '会员已到期，剩余次数已清零，续费后可继续使用' });
  });

  it('warns at or below 20% of the plan quota, not above', () => {
    expect(membershipBanner(membership({ quotaRemaining: 20 }))).toEqual({ kind: 'low', message: '剩余次数不多了（20/100），建议续费' });
    expect(membershipBanner(membership({ quotaRemaining: 0 })).kind).toBe('low');
    expect(membershipBanner(membership({ quotaRemaining: 21 }))).toEqual({ kind: 'ok', message: null });
  });

  it('measures "low" against the plan quota, whatever the balance was bought with', () => {
    const plan = { priceFen: 19900, quota: 500, days: 30 };
    expect(membershipBanner(membership({ quotaRemaining: 90, plan })).kind).toBe('low');
    expect(membershipBanner(membership({ quotaRemaining: 101, plan })).kind).toBe('ok');
  });
});

describe('purchase wording', () => {
  it('offers 开通会员 to a merchant who never paid and 续费 otherwise', () => {
    expect(purchaseLabel(notMember())).toBe('开通会员');
    expect(purchaseLabel(null)).toBe('开通会员');
    expect(purchaseLabel(membership())).toBe('续费');
    expect(purchaseLabel(expiredMember())).toBe('续费');
  });

  it('describes the plan and what a payment adds', () => {
    expect(planText({ priceFen: 9900, quota: 100, days: 30 })).toBe('100 次 / 30 天');
    expect(purchaseNote(membership())).toBe('续费后增加 100 次，有效期顺延 30 天');
    expect(purchaseNote(expiredMember())).toBe('支付后立即到账 100 次，有效期 30 天');
  });
});

describe('refundNotice', () => {
  const at = '2026-12-01T02:00:00.000Z';
  const refunded = membership({ lastRefund: { orderId: 'O1', refundFen: 4950, quotaTaken: 50, expiryShortenedSeconds: 15 * 86_400, at } });
  const now = Date.parse(at) + 3_600_000;

  it('tells what the latest refund took back', () => {
    expect(refundNotice(refunded, now)).toBe('订单已退款 ¥49.50，次数 −50，有效期缩短 15 天');
    expect(
      refundNotice(membership({ lastRefund: { orderId: 'O1', refundFen: 9900, quotaTaken: 0, expiryShortenedSeconds: 0, at } }), now),
    ).toBe('订单已退款 ¥99.00，次数 −0');
  });

  it('says nothing without a refund, once dismissed, or a week after', () => {
    expect(refundNotice(membership(), now)).toBeNull();
    expect(refundNotice(null, now)).toBeNull();
    expect(refundNotice(refunded, now, at)).toBeNull();
    expect(refundNotice(refunded, Date.parse(at) + 8 * 86_400_000)).toBeNull();
  });
});

describe('purchaseTitle', () => {
  it('opens (开通) only for someone who never paid; an expired membership is renewed (续费)', () => {
    expect(purchaseTitle(notMember())).toBe('开通会员');
    expect(purchaseTitle(null)).toBe('开通会员');
    expect(purchaseTitle(expiredMember())).toBe('续费会员');
    expect(purchaseTitle(membership())).toBe('续费会员');
  });
});
