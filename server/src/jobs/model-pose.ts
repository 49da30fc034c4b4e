/**
 * model_pose12 on RunningHub (DECISIONS 7): submit (queued → submitting → running with vendorTaskId), poll outputs only
 * while running and at most once per RUNNINGHUB_POLL_INTERVAL, write SUCCESS/FAIL once, copy the 12 images into COS
 * (saving → done). The API status stays `processing` until done or failed.
 */
import pLimit from 'p-limit';
import sharp from 'sharp';
import { MODEL_POSE_COUNT, type Category, type Scene } from '@aizhao/shared';
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';
import { VendorError } from '../lib/errors.js';
import { buildPrompt, randomSeed } from '../modules/tasks/prompts.js';
import { completeTask, failAndRefund } from '../modules/tasks/lifecycle.js';
import { outputPrefix } from './basic-clean.js';

const INPUT_URL_SECONDS = 3600;
const splitNode = (spec: string) => {
  const [nodeId = '', fieldName = ''] = spec.split(':');
  return { nodeId, fieldName };
};

async function imageFieldValue(ctx: AppContext, task: Task): Promise<string> {
  const { storage, runninghub } = ctx.vendors;
  if (ctx.config.runninghub.imageMode === 'upload') {
    const ext = task.inputKey.split('.').pop() ?? 'jpg';
    return runninghub.upload(await storage.get(task.inputKey), `${task.id}.${ext}`);
  }
  return storage.signedGetUrl(task.inputKey, INPUT_URL_SECONDS);
}

/** Submits a claimed task (stage `submitting`). */
export async function submitModelPose(ctx: AppContext, task: Task): Promise<void> {
  const { nodes, pollIntervalMs } = ctx.config.runninghub;
  const { Task } = ctx.db.models;
  const params = task.params as { scene: Scene; category: Category };
  let result;
  try {
    const image = await imageFieldValue(ctx, task);
    result = await ctx.vendors.runninghub.run([
      { ...splitNode(nodes.prompt), fieldValue: buildPrompt(params.scene, params.category) },
      { ...splitNode(nodes.image), fieldValue: image },
      { ...splitNode(nodes.seed), fieldValue: String(randomSeed()) },
    ]);
  } catch (err) {
    // the request may or may not have reached RunningHub: never resubmit blindly
    ctx.logger.error({ err, taskId: task.id }, 'runninghub submission failed');
    await failAndRefund(ctx, task.id, 'AI模特任务提交失败，次数已返还', {
      onlyStages: ['submitting'],
      vendorError: err instanceof Error ? err.message : String(err),
    });
    return;
  }
  const now = ctx.now();
  if (result.kind === 'started') {
    await Task.update(
      { stage: 'running', vendorTaskId: result.taskId, submittedAt: now, nextActionAt: new Date(now.getTime() + pollIntervalMs), leaseUntil: null, updatedAt: now },
      { where: { id: task.id, stage: 'submitting' } },
    );
    ctx.logger.info({ taskId: task.id, vendorTaskId: result.taskId }, 'runninghub task started');
  } else if (result.kind === 'queue_full') {
    const backoff = Math.min(60_000, 5000 * 2 ** Math.min(Math.max(task.attempts - 1, 0), 4)) + Math.floor(Math.random() * 1000);
    await Task.update(
      { stage: 'queued', nextActionAt: new Date(now.getTime() + backoff), leaseUntil: null, updatedAt: now },
      { where: { id: task.id, stage: 'submitting' } },
    );
    ctx.logger.warn({ taskId: task.id, code: result.code, backoff }, 'runninghub queue full, waiting');
  } else {
    ctx.logger.warn({ taskId: task.id, code: result.code, msg: result.msg }, 'runninghub rejected the task');
    await failAndRefund(ctx, task.id, 'AI模特任务未被受理，次数已返还，请稍后重试', {
      onlyStages: ['submitting'],
      vendorError: `${result.code} ${result.msg}`,
    });
  }
}

/** One outputs query of a claimed running task (the claim already moved nextActionAt forward). */
export async function pollModelPose(ctx: AppContext, task: Task): Promise<void> {
  const { Task } = ctx.db.models;
  const vendorTaskId = task.vendorTaskId;
  if (!vendorTaskId) return;
  // the next poll is due one interval after this one asked, however long the answer took
  const askedAt = ctx.now().getTime();
  const pollAgainLater = () =>
    Task.update(
      { nextActionAt: new Date(askedAt + ctx.config.runninghub.pollIntervalMs) },
      { where: { id: task.id, status: 'processing', stage: 'running' } },
    );
  let out;
  try {
    out = await ctx.vendors.runninghub.outputs(vendorTaskId);
  } catch (err) {
    ctx.logger.warn({ err, taskId: task.id }, 'runninghub outputs query failed; will try again');
    await pollAgainLater();
    return;
  }
  switch (out.kind) {
    case 'running':
    case 'queued':
      await pollAgainLater();
      return;
    case 'failed':
      // the vendor's own words (English, technical) are for the operator, not the merchant
      await failAndRefund(ctx, task.id, 'AI模特生成失败，次数已返还，请换一张图片或稍后重试', { onlyStages: ['running'], vendorError: out.reason });
      return;
    case 'not_found':
      await failAndRefund(ctx, task.id, 'AI模特任务在服务商处不存在，次数已返还', { onlyStages: ['running'] });
      return;
    case 'done': {
      const images = out.files.slice(0, MODEL_POSE_COUNT).map((f) => f.fileUrl);
      if (images.length < MODEL_POSE_COUNT) {
        await failAndRefund(ctx, task.id, `AI模特只生成了 ${images.length} 张图（需要 ${MODEL_POSE_COUNT} 张），次数已返还`, { onlyStages: ['running'] });
        return;
      }
      const now = ctx.now();
      const [moved] = await Task.update(
        { stage: 'saving', vendorOutputs: images, leaseUntil: new Date(now.getTime() + 5 * 60_000), updatedAt: now },
        { where: { id: task.id, stage: 'running', status: 'processing' } },
      );
      if (moved) await saveModelPose(ctx, { id: task.id, userId: task.userId, attempts: task.attempts, vendorOutputs: images });
    }
  }
}

/** Copies the vendor outputs into COS as pose01.jpg … pose12.jpg, then marks the task done. */
export async function saveModelPose(ctx: AppContext, task: Pick<Task, 'id' | 'userId' | 'vendorOutputs' | 'attempts'>): Promise<void> {
  const urls = task.vendorOutputs ?? [];
  const limit = pLimit(4);
  try {
    const keys = await Promise.all(
      urls.map((url, i) =>
        limit(async () => {
          const raw = await ctx.vendors.runninghub.download(url);
          const jpeg = await sharp(raw).rotate().flatten({ background: '#ffffff' }).jpeg({ quality: 92, mozjpeg: true }).toBuffer();
          const key = `${outputPrefix(task)}pose${String(i + 1).padStart(2, '0')}.jpg`;
          await ctx.vendors.storage.put(key, jpeg, 'image/jpeg');
          return key;
        }),
      ),
    );
    await completeTask(ctx, task.id, keys);
  } catch (err) {
    const now = ctx.now();
    if (err instanceof VendorError && task.attempts < 3) {
      ctx.logger.warn({ err, taskId: task.id }, 'saving results failed; will retry');
      await ctx.db.models.Task.update(
        { leaseUntil: new Date(now.getTime() + 10_000 * 2 ** task.attempts), attempts: task.attempts + 1, updatedAt: now },
        { where: { id: task.id, stage: 'saving' } },
      );
      return;
    }
    ctx.logger.error({ err, taskId: task.id }, 'saving results failed');
    await failAndRefund(ctx, task.id, '保存生成结果失败，次数已返还', { onlyStages: ['saving'] });
  }
}
