/**
 * basic_clean: CI caps the uploaded photo at MAX_CUTOUT_SIDE (imageMogr2 downscale), CI GoodsMatting (centred) cuts
 * the garment out of that, and sharp makes the two results from the one cut-out: the 800×800 pure-white JPEG
 * (output/<userId>/<taskId>/result.jpg, kind `white`) and the transparent PNG trimmed to the subject
 * (output/<userId>/<taskId>/cutout.png, kind `cutout`). One task, one 次, both results.
 */
import { extname } from 'node:path';
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';
import { basicCleanOutputs, MAX_CUTOUT_SIDE } from '../vendors/cos/compose.js';
import { completeTask } from '../modules/tasks/lifecycle.js';
import { CUTOUT_RESULT_FILE, WHITE_RESULT_FILE } from '../modules/tasks/result-kinds.js';

export const outputPrefix = (task: Pick<Task, 'userId' | 'id'>): string => `output/${task.userId}/${task.id}/`;
const workPrefix = (task: Pick<Task, 'userId' | 'id'>): string => `work/${task.userId}/${task.id}/`;

/** The result keys of a done basic_clean task, in their order: the white JPEG first (what older clients download). */
export const basicCleanResultKeys = (task: Pick<Task, 'userId' | 'id'>): [string, string] => [
  `${outputPrefix(task)}${WHITE_RESULT_FILE}`,
  `${outputPrefix(task)}${CUTOUT_RESULT_FILE}`,
];

/** `vendorDone` is called once CI's part is over (the runner gives the task's CI slot to the next one). */
export async function runBasicClean(ctx: AppContext, task: Task, vendorDone: () => void): Promise<void> {
  const { storage, imageProcessor } = ctx.vendors;
  const started = Date.now();
  const cappedKey = `${workPrefix(task)}capped${extname(task.inputKey).toLowerCase()}`;
  const mattedKey = `${workPrefix(task)}cutout.png`;
  await imageProcessor.downscale(task.inputKey, cappedKey, MAX_CUTOUT_SIDE);
  await imageProcessor.goodsMatting(cappedKey, mattedKey);
  const vendorMs = Date.now() - started;
  vendorDone();
  const { cutout, white } = await basicCleanOutputs(await storage.get(mattedKey));
  const [whiteKey, cutoutKey] = basicCleanResultKeys(task);
  await Promise.all([storage.put(whiteKey, white, 'image/jpeg'), storage.put(cutoutKey, cutout, 'image/png')]);
  await Promise.all(
    [cappedKey, mattedKey].map((key) => storage.delete(key).catch((err: unknown) => ctx.logger.warn({ err, key }, 'cleanup failed'))),
  );
  await completeTask(ctx, task.id, [whiteKey, cutoutKey]);
  ctx.logger.info(
    { taskId: task.id, ms: Date.now() - started, vendorMs, bytes: white.length, cutoutBytes: cutout.length },
    'basic_clean finished',
  );
}
