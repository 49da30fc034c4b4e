import { describe, expect, it } from 'vitest';
import { expiredMember, membership, notMember } from '../../../../test/support/app-state-fixtures';
import { costSummary, missingParams } from './cost';

const basic = { type: 'basic_clean', cost: 1 };
const model = { type: 'model_pose12', cost: 3 };
const fullParams = { scene: 'street', category: 'dress' } as const;

describe('costSummary', () => {
  it('multiplies images by the cost per image and shows the balance', () => {
    const c = costSummary({ fileCount: 10, taskType: model, membership: membership({ quotaRemaining: 86 }), params: fullParams });
    expect(c).toEqual({ text: '10 张 × 3 次 = 30 次，剩余 86 次', total: 30, fits: true, reason: null, needsPurchase: false });
  });

  it('fits when the total equals the balance exactly', () => {
    expect(costSummary({ fileCount: 12, taskType: basic, membership: membership({ quotaRemaining: 12 }), params: {} }).fits).toBe(true);
  });

  it('says how much is missing when the balance is not enough, and points to a purchase', () => {
    const c = costSummary({ fileCount: 10, taskType: model, membership: membership({ quotaRemaining: 12 }), params: fullParams });
    expect(c.fits).toBe(false);
    expect(c.reason).toBe('剩余次数不足：需要 30 次，剩余 12 次');
    expect(c.needsPurchase).toBe(true);
    expect(c.text).toBe('10 张 × 3 次 = 30 次，剩余 12 次');
  });

  it('counts reused photos as free, and a batch of reused photos only fits without a charge', () => {
    const c = costSummary({ fileCount: 2, reusedCount: 3, taskType: basic, membership: membership({ quotaRemaining: 86 }), params: {} });
    expect(c).toMatchObject({
      text: '2 张 × 1 次 = 2 次（另有 3 张已处理过，直接使用上次结果，不扣次数），剩余 86 次',
      total: 2,
      fits: true,
    });
    const free = costSummary({ fileCount: 0, reusedCount: 1, taskType: basic, membership: membership({ quotaRemaining: 0 }), params: {} });
    expect(free).toMatchObject({ text: '1 张已处理过，直接使用上次结果，本次 0 次，剩余 0 次', total: 0, fits: true });
  });

  it('offers the first N photos the balance covers (先处理前 N 张), none when not even one fits', () => {
    const c = costSummary({ fileCount: 10, taskType: model, membership: membership({ quotaRemaining: 12 }), params: fullParams });
    expect(c).toMatchObject({ fits: false, needsPurchase: true, partial: 4 });
    expect(
      costSummary({ fileCount: 10, taskType: model, membership: membership({ quotaRemaining: 2 }), params: fullParams }).partial,
    ).toBeUndefined();
    expect(
      costSummary({ fileCount: 3, taskType: basic, membership: membership({ quotaRemaining: 3 }), params: {} }).partial,
    ).toBeUndefined();
  });

  it('asks for images first', () => {
    const c = costSummary({ fileCount: 0, taskType: basic, membership: notMember(), params: {} });
    expect(c).toMatchObject({ fits: false, reason: '请先添加图片', needsPurchase: false, text: '0 张 × 1 次 = 0 次，剩余 0 次' });
  });

  it('blocks a merchant who is not a member or whose membership expired', () => {
    expect(costSummary({ fileCount: 2, taskType: basic, membership: notMember(), params: {} })).toMatchObject({
      fits: false,
      reason: '未开通会员',
      needsPurchase: true,
    });
    expect(costSummary({ fileCount: 2, taskType: basic, membership: expiredMember(), params: {} })).toMatchObject({
      fits: false,
      reason: '会员已到期',
      needsPurchase: true,
    });
  });

  it('needs scene and category for the model type, but not for the basic one', () => {
    const m = membership();
    expect(costSummary({ fileCount: 1, taskType: model, membership: m, params: {} }).reason).toBe('请选择场景和品类');
    expect(costSummary({ fileCount: 1, taskType: model, membership: m, params: { scene: 'studio' } }).reason).toBe('请选择品类');
    expect(costSummary({ fileCount: 1, taskType: model, membership: m, params: { category: 'coat' } }).reason).toBe('请选择场景');
    expect(costSummary({ fileCount: 1, taskType: basic, membership: m, params: {} }).fits).toBe(true);
  });

  it('cannot start without a task type or before the membership is known', () => {
    expect(costSummary({ fileCount: 1, taskType: null, membership: membership(), params: {} }).reason).toBe('请选择处理方式');
    expect(costSummary({ fileCount: 1, taskType: basic, membership: null, params: {} }).fits).toBe(false);
  });
});

describe('missingParams', () => {
  it('is null once both are chosen', () => {
    expect(missingParams('model_pose12', fullParams)).toBeNull();
    expect(missingParams('basic_clean', {})).toBeNull();
  });
});
