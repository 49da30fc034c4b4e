/**
 * basic_clean: Tencent CI GoodsMatting (centred) on the uploaded object, then the 800×800 pure-white JPEG composed
 * with sharp, stored as output/<userId>/<taskId>/result.jpg.
 */
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';
import { composeOnWhite } from '../vendors/cos/compose.js';
import { completeTask } from '../modules/tasks/lifecycle.js';

export const outputPrefix = (task: Pick<Task, 'userId' | 'id'>): string => `output/${task.userId}/${task.id}/`;
const workKey = (task: Pick<Task, 'userId' | 'id'>): string => `work/${task.userId}/${task.id}/cutout.png`;

export async function runBasicClean(ctx: AppContext, task: Task): Promise<void> {
  const { storage, imageProcessor } = ctx.vendors;
  const started = Date.now();
  const cutoutKey = workKey(task);
  await imageProcessor.goodsMatting(task.inputKey, cutoutKey);
  const cutout = await storage.get(cutoutKey);
  const jpeg = await composeOnWhite(cutout);
  const resultKey = `${outputPrefix(task)}result.jpg`;
  await storage.put(resultKey, jpeg, 'image/jpeg');
  await storage.delete(cutoutKey).catch((err: unknown) => ctx.logger.warn({ err, cutoutKey }, 'cleanup failed'));
  await completeTask(ctx, task.id, [resultKey]);
  ctx.logger.info({ taskId: task.id, ms: Date.now() - started, bytes: jpeg.length }, 'basic_clean finished');
}
