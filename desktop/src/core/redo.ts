/**
 * 重做: what processing some items again means — their input photos, checked again (one moved or deleted since is
 * refused), as a new batch of the same type and parameters, at the catalogue's cost per task. The charge itself is
 * the server's, as for any batch.
 */
import type { ClientConfig, TaskType } from '@aizhao/shared';
import type { TaskParams } from '../shared/contract.js';
import { DesktopError } from './errors.js';
import { scanPaths, type InputFile } from './input-files.js';
import type { QueueItem } from './queue-store.js';

export interface RedoPlan {
  files: InputFile[];
  type: TaskType;
  params: TaskParams;
  /** 次 for all of them */
  cost: number;
  /** the batch the items came from */
  batchId: string;
}

/** `items`: the queue's items for the ids asked (undefined: not found); all must be `userId`'s and of one batch. */
export async function planRedo(items: readonly (QueueItem | undefined)[], userId: string, config: ClientConfig): Promise<RedoPlan> {
  if (items.length === 0 || items.some((i) => !i || i.userId !== userId)) throw new DesktopError('NOT_FOUND', '找不到这张图片');
  const own = items as QueueItem[];
  const { type, params, batchId } = own[0]!;
  if (own.some((i) => i.batchId !== batchId)) throw new DesktopError('INVALID_INPUT', '只能重做同一批的图片');
  const taskType = config.taskTypes.find((t) => t.type === type);
  if (!taskType) throw new DesktopError('INVALID_INPUT', '这种处理方式已不再提供');
  const scan = await scanPaths(
    own.map((i) => i.path),
    config.upload.maxBytes,
  );
  const refused = scan.rejected[0];
  if (refused) throw new DesktopError('INPUT_UNAVAILABLE', `无法重做「${refused.name}」：${refused.reason}`);
  return { files: scan.accepted, type, params, cost: scan.accepted.length * taskType.cost, batchId };
}
