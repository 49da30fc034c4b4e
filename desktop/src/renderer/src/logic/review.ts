/** The review screen's pure parts: paging through a batch, what 重做 costs, and how results are named. Pure. */
import type { BatchView, ClientOptions, ItemView, MembershipView } from '../../../shared/contract';
import { costSummary, type CostSummary } from './cost';

/** The items before and after `itemId` in the batch (null at either end). */
export function neighbours(
  items: readonly Pick<ItemView, 'id'>[],
  itemId: string,
): { prev: string | null; next: string | null; index: number } {
  const index = items.findIndex((i) => i.id === itemId);
  if (index < 0) return { prev: null, next: null, index };
  return { prev: items[index - 1]?.id ?? null, next: items[index + 1]?.id ?? null, index };
}

/** What 重做 of `count` photos of `batch`'s type costs against the balance (the same rules as a new batch). */
export function redoCost(
  batch: Pick<BatchView, 'type' | 'params'>,
  count: number,
  options: ClientOptions | null,
  membership: MembershipView | null,
): CostSummary {
  const taskType = options?.taskTypes.find((t) => t.type === batch.type) ?? null;
  return costSummary({ fileCount: count, taskType, membership, params: batch.params });
}

/** 「第 3 张」 of a model task's 12 poses (their files end in _pose01 … _pose12). */
export function poseLabel(file: string, index: number): string {
  const m = /_pose(\d+)\.[a-z]+$/i.exec(file);
  return `姿势 ${m ? Number(m[1]) : index + 1}`;
}

/** The file name without its folder (either separator). */
export const baseName = (path: string): string => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

/** The zoom steps of the detail view (1 = fit to the view). */
export const ZOOM_STEPS = [1, 1.5, 2, 3, 4] as const;

export function nextZoom(current: number, direction: 1 | -1): number {
  const i = ZOOM_STEPS.findIndex((z) => z >= current - 1e-9);
  const at = i < 0 ? ZOOM_STEPS.length - 1 : i;
  const to = Math.min(ZOOM_STEPS.length - 1, Math.max(0, at + direction));
  return ZOOM_STEPS[to]!;
}
