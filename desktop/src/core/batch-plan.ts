/**
 * What a batch may start with, decided before anything is spent: the task type and its parameters as the server
 * offers them, the photos that reuse an earlier result (free) and those charged (up to `limit`: 先处理前 N 张), and
 * — against a fresh balance — that the charged ones fit. Nothing is spent on a batch that cannot finish; the server
 * still decides every charge.
 */
import type { ClientConfig } from '@aizhao/shared';
import type { MembershipView, StartBatchInput, TaskParams } from '../shared/contract.js';
import { planBatch, type BatchPlan, type DraftEntry } from './duplicates.js';
import { DesktopError } from './errors.js';

export interface CheckedBatch {
  type: StartBatchInput['type'];
  params: TaskParams;
  plan: BatchPlan;
}

export async function checkedBatch(
  config: ClientConfig,
  files: readonly DraftEntry[],
  input: StartBatchInput,
  membership: () => Promise<MembershipView>,
): Promise<CheckedBatch> {
  const type = config.taskTypes.find((t) => t.type === input.type);
  if (!type) throw new DesktopError('INVALID_INPUT', '请选择处理方式');
  const params: TaskParams =
    type.type === 'model_pose12'
      ? { scene: input.params.scene, category: input.params.category, ...(input.params.model ? { model: input.params.model } : {}) }
      : {};
  if (type.type === 'model_pose12' && (!params.scene || !params.category)) throw new DesktopError('INVALID_INPUT', '请选择场景和品类');
  const plan = planBatch(files, type.type, params, input.limit);
  const cost = plan.charged * type.cost;
  if (cost === 0) return { type: type.type, params, plan }; // only reused results: nothing to pay
  await checkAffordable(cost, membership, type.cost);
  return { type: type.type, params, plan };
}

/**
 * Checks, against a fresh balance, that `cost` 次 can be spent now. With the cost of one photo, the refusal says how
 * many photos would fit (先处理前 N 张).
 */
export async function checkAffordable(cost: number, membership: () => Promise<MembershipView>, perPhoto?: number): Promise<void> {
  const m = await membership();
  if (!m.isMember)
    throw new DesktopError(
      m.quotaExpireAt ? 'MEMBERSHIP_EXPIRED' : 'NOT_MEMBER',
      m.quotaExpireAt ? '会员已到期，请续费后再处理' : '请先开通会员',
    );
  if (cost > m.quotaRemaining) {
    const fit = perPhoto ? Math.floor(m.quotaRemaining / perPhoto) : 0;
    const hint = perPhoto === undefined ? '请减少图片或续费' : fit > 0 ? `可以先处理前 ${fit} 张，或续费` : '请续费';
    throw new DesktopError('QUOTA_EXHAUSTED', `剩余次数不足：这批需要 ${cost} 次，剩余 ${m.quotaRemaining} 次。${hint}`);
  }
}
