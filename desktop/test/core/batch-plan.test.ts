/** The rules a batch starts by, alone: type and parameters, reused photos free, the balance checked only for what is charged. */
import type { ClientConfig } from '@aizhao/shared';
import { describe, expect, it } from 'vitest';
import { checkedBatch } from '../../src/core/batch-plan.js';
import type { DraftEntry } from '../../src/core/duplicates.js';
import type { MembershipView } from '../../src/shared/contract.js';
import { membership } from '../support/app-state-fixtures.js';

const config = {
  taskTypes: [
    { type: 'basic_clean', cost: 1, label: '基础修图' },
    { type: 'model_pose12', cost: 3, label: 'AI模特12图' },
  ],
} as unknown as ClientConfig;

const run = { type: 'basic_clean' as const, params: {}, taskId: 't1', name: 'a.jpg', at: '', available: true, files: ['/r/a.jpg'] };
const photo = (name: string, reused = false): DraftEntry => ({
  path: `/in/${name}`,
  name,
  size: 1,
  mime: 'image/jpeg',
  ext: 'jpg',
  relPath: name,
  source: '',
  previous: reused ? [run] : [],
});

function reads(m: MembershipView) {
  const calls: number[] = [];
  return { calls, read: async () => (calls.push(1), m) };
}

describe('checkedBatch', () => {
  it('names the way out when the charged photos do not fit, and takes exactly the first N with a limit', async () => {
    const files = [photo('a.jpg'), photo('b.jpg'), photo('c.jpg'), photo('d.jpg')];
    const m = reads(membership({ quotaRemaining: 2 }));
    await expect(checkedBatch(config, files, { type: 'basic_clean', params: {} }, m.read)).rejects.toMatchObject({
      code: 'QUOTA_EXHAUSTED',
      message: '剩余次数不足：这批需要 4 次，剩余 2 次。可以先处理前 2 张，或续费',
    });
    const ok = await checkedBatch(config, files, { type: 'basic_clean', params: {}, limit: 2 }, m.read);
    expect(ok.plan.start.map((f) => f.name)).toEqual(['a.jpg', 'b.jpg']);
    expect(ok.plan.rest.map((f) => f.name)).toEqual(['c.jpg', 'd.jpg']);
    await expect(
      checkedBatch(config, files, { type: 'model_pose12', params: { scene: 'street', category: 'coat' } }, m.read),
    ).rejects.toMatchObject({
      message: '剩余次数不足：这批需要 12 次，剩余 2 次。请续费',
    });
  });

  it('needs no membership when every photo reuses an earlier result', async () => {
    const m = reads(membership({ isMember: false, quotaRemaining: 0, quotaExpireAt: null }));
    const ok = await checkedBatch(config, [photo('a.jpg', true)], { type: 'basic_clean', params: {} }, m.read);
    expect(ok.plan).toMatchObject({ charged: 0 });
    expect(ok.plan.start[0]!.reuse).toEqual({ taskId: 't1', files: ['/r/a.jpg'] });
    expect(m.calls).toEqual([]);
    await expect(checkedBatch(config, [photo('b.jpg')], { type: 'basic_clean', params: {} }, m.read)).rejects.toMatchObject({
      code: 'NOT_MEMBER',
    });
  });

  it('keeps only the parameters the type uses, and needs both for the model type', async () => {
    const m = reads(membership());
    const basic = await checkedBatch(config, [photo('a.jpg')], { type: 'basic_clean', params: { scene: 'street' } }, m.read);
    expect(basic.params).toEqual({});
    await expect(
      checkedBatch(config, [photo('a.jpg')], { type: 'model_pose12', params: { scene: 'street' } }, m.read),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
