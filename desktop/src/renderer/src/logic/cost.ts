/** The cost of the draft batch and whether the merchant's balance allows starting it. */
import type { MembershipView, TaskParams } from '../../../shared/contract';
import { membershipStatus } from './membership';

export interface CostInput {
  /** photos that will be processed and charged */
  fileCount: number;
  /** exact duplicates that reuse an earlier result: added to the batch, not charged */
  reusedCount?: number;
  /** the chosen task type with its cost per image; null when none is chosen (or options are not loaded yet) */
  taskType: { type: string; cost: number } | null;
  membership: MembershipView | null;
  params: TaskParams;
}

export interface CostSummary {
  /** `N 张 × C 次 = T 次，剩余 M 次` */
  text: string;
  total: number;
  fits: boolean;
  /** why it cannot start (Chinese), null when it fits */
  reason: string | null;
  /** the fix is a purchase (not a member, expired, not enough quota) */
  needsPurchase: boolean;
  /** not enough quota, but this many photos fit: 先处理前 N 张 */
  partial?: number;
}

/** The task type that needs a scene and a category. */
export const MODEL_TASK_TYPE = 'model_pose12';

export function missingParams(type: string, params: TaskParams): string | null {
  if (type !== MODEL_TASK_TYPE) return null;
  if (!params.scene && !params.category) return '请选择场景和品类';
  if (!params.scene) return '请选择场景';
  if (!params.category) return '请选择品类';
  return null;
}

export function costSummary({ fileCount, reusedCount = 0, taskType, membership, params }: CostInput): CostSummary {
  const cost = taskType?.cost ?? 0;
  const total = fileCount * cost;
  const remaining = membership?.quotaRemaining ?? 0;
  const reused = reusedCount > 0 ? `（另有 ${reusedCount} 张已处理过，直接使用上次结果，不扣次数）` : '';
  const text =
    fileCount === 0 && reusedCount > 0
      ? `${reusedCount} 张已处理过，直接使用上次结果，本次 0 次，剩余 ${remaining} 次`
      : `${fileCount} 张 × ${cost} 次 = ${total} 次${reused}，剩余 ${remaining} 次`;
  const blocked = (reason: string, needsPurchase = false): CostSummary => ({ text, total, fits: false, reason, needsPurchase });

  if (fileCount === 0 && reusedCount === 0) return blocked('请先添加图片');
  if (!taskType) return blocked('请选择处理方式');
  if (!membership) return blocked('正在获取会员信息…');
  const status = membershipStatus(membership);
  if (status === 'not_member') return blocked('未开通会员', true);
  if (status === 'expired') return blocked('会员已到期', true);
  const missing = missingParams(taskType.type, params);
  if (missing) return blocked(missing);
  if (total > remaining) {
    const fit = cost > 0 ? Math.floor(remaining / cost) : 0;
    return { ...blocked(`剩余次数不足：需要 ${total} 次，剩余 ${remaining} 次`, true), ...(fit > 0 ? { partial: fit } : {}) };
  }
  return { text, total, fits: true, reason: null, needsPurchase: false };
}
