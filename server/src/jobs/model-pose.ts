/**
 * model_pose12 on RunningHub: submit (queued → submitting → running with vendorTaskId), poll outputs only
 * while running and at most once per RUNNINGHUB_POLL_INTERVAL, write SUCCESS/FAIL once, copy the 12 images into COS
 * (saving → done). The API status stays `processing` until done or failed.
 */
import pLimit from 'p-limit';
import sharp from 'sharp';
import { Op } from 'sequelize';
import { MODEL_POSE_COUNT, type Category, type Model, type Scene } from '@aizhao/shared';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { Task, TaskStage } from '../db/models.js';
import { VendorError } from '../lib/errors.js';
import { buildPrompt, randomSeed } from '../modules/tasks/prompts.js';
import { cancelAtVendor, completeTask, failAndRefund } from '../modules/tasks/lifecycle.js';
import { outputPrefix } from './basic-clean.js';
import { leaseExpired } from './claims.js';
import { isolated } from './isolated.js';

const INPUT_URL_SECONDS = 3600;
/** how long one attempt at copying the results owns the task */
export const SAVE_LEASE_MS = 5 * 60_000;
/**
 * Attempts at copying the results into COS, whatever ended them (a download error, or a crash of the process while
 * saving: the lease runs out and the task is claimed again). Past the limit the task is failed and refunded.
 */
export const MAX_SAVE_ATTEMPTS = 3;
const SAVE_FAILED = '保存生成结果失败，次数已返还';

/**
 * How long a claimed poll owns the task: the longest an outputs query may take (the client's timeout) plus one
 * interval, so no other poll (of this instance or another) asks while an answer may still come.
 */
export const pollReservationMs = (rh: Config['runninghub']): number =>
  Math.max(2 * rh.pollIntervalMs, rh.requestTimeoutMs + rh.pollIntervalMs);
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
  const params = task.params as { scene: Scene; category: Category; model?: Model };
  let result;
  try {
    const image = await imageFieldValue(ctx, task);
    result = await ctx.vendors.runninghub.run([
      { ...splitNode(nodes.prompt), fieldValue: buildPrompt(params.scene, params.category, params.model) },
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
    const [moved] = await Task.update(
      {
        stage: 'running',
        vendorTaskId: result.taskId,
        submittedAt: now,
        nextActionAt: new Date(now.getTime() + pollIntervalMs),
        leaseUntil: null,
        updatedAt: now,
      },
      { where: { id: task.id, status: 'processing', stage: 'submitting' } },
    );
    if (!moved) {
      // failed meanwhile (its lease was swept while the submission was in flight, or an operator failed it): the
      // work RunningHub just started is nobody's, so it is cancelled rather than left running in one of our slots
      ctx.logger.warn(
        { taskId: task.id, vendorTaskId: result.taskId },
        'runninghub task started for a task that already ended; cancelling it',
      );
      await cancelAtVendor(ctx, task.id, result.taskId);
      return;
    }
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

/**
 * One outputs query of a claimed running task. The claim reserved the task by moving `nextActionAt` to the end of
 * the reservation (pollReservationMs); this poll then sets the next one one interval after it asked, however long
 * the answer took, but only while its own reservation is still the current one (a compare-and-set on that value), so
 * that a late answer never moves a later poll's reservation back. Resolves to true when the task left RunningHub
 * (done and saved, or failed), so that its slot is taken again at once.
 */
export async function pollModelPose(ctx: AppContext, task: Task): Promise<boolean> {
  const { Task } = ctx.db.models;
  const vendorTaskId = task.vendorTaskId;
  const reserved = task.nextActionAt;
  if (!vendorTaskId || !reserved) return false;
  const askedAt = ctx.now().getTime();
  const pollAgainLater = async () => {
    const [moved] = await Task.update(
      { nextActionAt: new Date(askedAt + ctx.config.runninghub.pollIntervalMs) },
      { where: { id: task.id, status: 'processing', stage: 'running', nextActionAt: reserved } },
    );
    if (!moved) ctx.logger.warn({ taskId: task.id }, 'runninghub answer came after the poll reservation ended; left to the current one');
  };
  let out;
  try {
    out = await ctx.vendors.runninghub.outputs(vendorTaskId);
  } catch (err) {
    ctx.logger.warn({ err, taskId: task.id }, 'runninghub outputs query failed; will try again');
    await pollAgainLater();
    return false;
  }
  switch (out.kind) {
    case 'running':
    case 'queued':
      await pollAgainLater();
      return false;
    case 'failed':
      // the vendor's own words (English, technical) are for the operator, not the merchant
      await failAndRefund(ctx, task.id, 'AI模特生成失败，次数已返还，请换一张图片或稍后重试', {
        onlyStages: ['running'],
        vendorError: out.reason,
      });
      return true;
    case 'not_found':
      await failAndRefund(ctx, task.id, 'AI模特任务在服务商处不存在，次数已返还', { onlyStages: ['running'] });
      return true;
    case 'done': {
      const images = out.files.slice(0, MODEL_POSE_COUNT).map((f) => f.fileUrl);
      if (images.length < MODEL_POSE_COUNT) {
        await failAndRefund(ctx, task.id, `AI模特只生成了 ${images.length} 张图（需要 ${MODEL_POSE_COUNT} 张），次数已返还`, {
          onlyStages: ['running'],
        });
        return true;
      }
      const now = ctx.now();
      const [moved] = await Task.update(
        {
          stage: 'saving',
          vendorOutputs: images,
          leaseUntil: new Date(now.getTime() + SAVE_LEASE_MS),
          saveAttempts: ctx.db.sequelize.literal('saveAttempts + 1') as unknown as number,
          updatedAt: now,
        },
        { where: { id: task.id, stage: 'running', status: 'processing' } },
      );
      if (moved) await saveModelPose(ctx, { id: task.id, userId: task.userId, saveAttempts: task.saveAttempts + 1, vendorOutputs: images });
      return moved > 0;
    }
  }
}

/**
 * Copies the vendor outputs into COS as pose01.jpg … pose12.jpg, then marks the task done. `saveAttempts` counts this
 * attempt (the claim counted it); a retryable error leaves the task to be claimed again after a backoff.
 */
export async function saveModelPose(ctx: AppContext, task: Pick<Task, 'id' | 'userId' | 'vendorOutputs' | 'saveAttempts'>): Promise<void> {
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
    const retryable = err instanceof VendorError && err.details.retryable !== false;
    if (retryable && task.saveAttempts < MAX_SAVE_ATTEMPTS) {
      ctx.logger.warn({ err, taskId: task.id, saveAttempts: task.saveAttempts }, 'saving results failed; will retry');
      await ctx.db.models.Task.update(
        { leaseUntil: new Date(now.getTime() + 10_000 * 2 ** task.saveAttempts), updatedAt: now },
        { where: { id: task.id, status: 'processing', stage: 'saving' } },
      );
      return;
    }
    ctx.logger.error({ err, taskId: task.id }, 'saving results failed');
    await failAndRefund(ctx, task.id, SAVE_FAILED, {
      onlyStages: ['saving'],
      vendorError: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * Failures that need no vendor answer, each task on its own: the timeout since submission, the deadline in our
 * queue, a crash between submission and storing the vendor's id, and results whose saving was cut short
 * MAX_SAVE_ATTEMPTS times. Only the caller whose failure won (failAndRefund returned the task) cancels a running
 * task at RunningHub, so with several instances sweeping at once each task is cancelled once.
 */
export async function failOverdueModelTasks(ctx: AppContext, now: Date): Promise<void> {
  const rh = ctx.config.runninghub;
  const overdue = await ctx.db.models.Task.findAll({
    attributes: ['id', 'stage'],
    where: {
      type: 'model_pose12',
      status: 'processing',
      [Op.or]: [
        { stage: 'running', submittedAt: { [Op.lt]: new Date(now.getTime() - rh.timeoutMs) } },
        { stage: 'queued', createdAt: { [Op.lt]: new Date(now.getTime() - rh.queueDeadlineMs) } },
        { stage: 'submitting', vendorTaskId: null, leaseUntil: { [Op.lt]: now } },
        { stage: 'saving', saveAttempts: { [Op.gte]: MAX_SAVE_ATTEMPTS }, ...leaseExpired(now) },
      ],
    },
    order: [['createdAt', 'ASC']],
    limit: 100,
  });
  const reasons: Partial<Record<TaskStage, string>> = {
    running: 'AI模特生成超时，次数已返还',
    queued: '排队时间过长，任务已取消，次数已返还',
    submitting: '任务提交中断，次数已返还，请重试',
    saving: SAVE_FAILED,
  };
  for (const t of overdue) {
    await isolated(ctx, 'failing an overdue model task', { taskId: t.id }, async () => {
      const failed = await failAndRefund(ctx, t.id, reasons[t.stage] ?? SAVE_FAILED, { onlyStages: [t.stage] });
      // free the slot at RunningHub too (best effort)
      if (failed?.fromStage === 'running') await cancelAtVendor(ctx, t.id, failed.task.vendorTaskId);
    });
  }
}
