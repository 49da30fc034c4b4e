import { describe, expect, it } from 'vitest';
import type { PlanView } from '@aizhao/shared';
import type { MembershipView } from '../../../shared/contract';
import { formatDay, planEffect, shortfallText } from './plans';

const month: PlanView = { id: 'membership-1m', kind: 'membership', name: '会员 1 个月', months: 1, priceFen: 9900, quota: 100, days: 30 };
const pack: PlanView = { id: 'pack-1', kind: 'pack', name: '加量包 200 次', months: 0, priceFen: 4900, quota: 200, days: 0 };
const at = (s: string) => new Date(s).getTime();
const member = (expiry: string): MembershipView => ({
  isMember: true,
  quotaRemaining: 10,
  quotaExpireAt: new Date(at(expiry)).toISOString(),
  plan: { priceFen: 9900, quota: 100, days: 30 },
});

describe('what a plan adds', () => {
  it('a membership extends from the later of now and the current expiry', () => {
    expect(planEffect(month, null, at('2027-01-30T10:00:00'))).toBe('+100 次，有效期延长至 2027-03-01');
    expect(planEffect(month, member('2027-02-10T10:00:00'), at('2027-01-30T10:00:00'))).toBe('+100 次，有效期延长至 2027-03-12');
  });
  it('a pack adds quota and keeps the expiry; without a membership it says so', () => {
    expect(planEffect(pack, member('2027-02-10T10:00:00'), at('2027-01-30T10:00:00'))).toBe('+200 次，有效期不变（至 2027-02-10）');
    expect(planEffect(pack, null, at('2027-01-30T10:00:00'))).toBe('需先开通会员');
  });
  it('says what the batch lacks', () => {
    expect(shortfallText(140)).toBe('本批还差 140 次');
    expect(shortfallText(null)).toBeNull();
    expect(formatDay(at('2027-03-01T23:59:00'))).toBe('2027-03-01');
  });
});
