/**
 * The background job runner: one loop per server process, every JOB_TICK_MS, and at once when woken (a task was
 * created, or a job that held a slot ended).
 * Work is claimed from the database (claims.ts), so several instances can run side by side and a restart resumes
 * whatever was in flight. Concurrency is bounded: CI_MAX_CONCURRENCY basic_clean jobs at CI in this process (a job
 * gives its slot up when its CI calls are done, and as many again may be composing their results here meanwhile),
 * RUNNINGHUB_MAX_CONCURRENCY tasks at RunningHub across all instances.
 */
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';
import { VendorError } from '../lib/errors.js';
import { failAndRefund } from '../modules/tasks/lifecycle.js';
import { runBasicClean } from './basic-clean.js';
import { claimTasks, due, leaseExpired, releaseLeases } from './claims.js';
import { isolated } from './isolated.js';
import {
  failOverdueModelTasks,
  MAX_SAVE_ATTEMPTS,
  pollModelPose,
  pollReservationMs,
  SAVE_LEASE_MS,
  saveModelPose,
  submitModelPose,
} from './model-pose.js';
import { reconcileOrders, sweepExpiredMemberships } from './orders.js';
import { purgeExpiredResults } from './retention.js';

const BASIC_CLEAN_LEASE_MS = 5 * 60_000;
const SUBMIT_LEASE_MS = 2 * 60_000;
/** runs of one basic_clean task, whatever ended them (a vendor error, or a crash: the lease ran out) */
const BASIC_CLEAN_MAX_ATTEMPTS = 3;
/** model tasks that hold one of RunningHub's slots */
const RUNNINGHUB_IN_FLIGHT = {
  type: 'model_pose12',
  status: 'processing',
  stage: { [Op.in]: ['submitting', 'running', 'saving'] },
} as const;
/** how often the slower sweeps (orders, expiry, retention) run, in ticks */
const SLOW_EVERY_TICKS = 5;

export interface JobRunner {
  start(): void;
  wake(): void;
  /** one full pass (tests drive the runner with it) */
  tick(): Promise<void>;
  /** resolves when nothing is in flight */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Hands back the claims of the jobs still running here (their lease ends now, so another instance takes them at
   * once instead of after a full lease). Only for a shutdown that cannot wait for them any longer.
   */
  releaseHeld(): Promise<number>;
}

export function createJobRunner(ctx: AppContext): JobRunner {
  const inFlight = new Set<Promise<void>>();
  /** tasks whose claim (lease) a job of this process holds: basic_clean working, model_pose12 saving */
  const held = new Set<string>();
  /** basic_clean jobs at CI (the bounded slots), and jobs past CI composing their results here */
  let basicAtVendor = 0;
  let basicComposing = 0;
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<void> | null = null;
  let again = false;
  let stopped = true;
  let ticks = 0;

  /**
   * Runs a job in the background. `freesSlot`: the job holds one of the bounded slots (a basic_clean job, a model
   * task leaving RunningHub), so when it ends the runner is woken at once and the next queued task takes the slot
   * now, not at the next tick. A job that may or may not free one (a poll) says so by resolving to true.
   */
  const track = (p: Promise<void | boolean>, o: { leased?: string; freesSlot?: boolean } = {}): void => {
    if (o.leased) held.add(o.leased);
    const tracked: Promise<void> = p
      .then(
        (freed) => freed === true || o.freesSlot === true,
        (err: unknown) => {
          ctx.logger.error({ err }, 'job failed');
          return o.freesSlot === true;
        },
      )
      .then((wake) => {
        inFlight.delete(tracked);
        if (o.leased) held.delete(o.leased);
        if (wake && !stopped) void tick();
      });
    inFlight.add(tracked);
  };

  async function basicCleanJob(task: Task): Promise<void> {
    basicAtVendor++;
    let atVendor = true;
    const leaveVendor = (): void => {
      if (!atVendor) return;
      atVendor = false;
      basicAtVendor--;
      basicComposing++;
      // the CI slot is free: the next queued task may call CI while this one composes
      if (!stopped) void tick();
    };
    try {
      await runBasicClean(ctx, task, leaveVendor);
    } catch (err) {
      const retryable = err instanceof VendorError && err.details.retryable !== false;
      if (retryable && task.attempts < BASIC_CLEAN_MAX_ATTEMPTS) {
        const now = ctx.now();
        ctx.logger.warn({ err, taskId: task.id, attempts: task.attempts }, 'basic_clean failed; will retry');
        await ctx.db.models.Task.update(
          { stage: 'queued', leaseUntil: null, nextActionAt: new Date(now.getTime() + 2000 * 2 ** task.attempts), updatedAt: now },
          { where: { id: task.id, stage: 'working', status: 'processing' } },
        );
      } else {
        ctx.logger.error({ err, taskId: task.id }, 'basic_clean failed');
        await failAndRefund(ctx, task.id, '图片处理失败，次数已返还，请换一张图片重试', { onlyStages: ['working', 'queued'] });
      }
    } finally {
      if (atVendor) basicAtVendor--;
      else basicComposing--;
    }
  }

  async function claimBasicClean(now: Date): Promise<void> {
    // a task whose runs keep being cut short (the process dies on it) is not run again past the limit
    const exhausted = await ctx.db.models.Task.findAll({
      attributes: ['id'],
      where: {
        type: 'basic_clean',
        status: 'processing',
        stage: 'working',
        leaseUntil: { [Op.lt]: now },
        attempts: { [Op.gte]: BASIC_CLEAN_MAX_ATTEMPTS },
      },
      limit: 100,
    });
    for (const t of exhausted) {
      await isolated(ctx, 'failing a basic_clean task after repeated interruptions', { taskId: t.id }, () =>
        failAndRefund(ctx, t.id, '图片处理多次中断，次数已返还，请重试', { onlyStages: ['working'] }),
      );
    }
    const max = ctx.config.ciMaxConcurrency;
    const free = Math.min(max - basicAtVendor, 2 * max - basicAtVendor - basicComposing);
    const tasks = await claimTasks(
      ctx,
      {
        type: 'basic_clean',
        status: 'processing',
        [Op.or]: [
          { stage: 'queued', ...due(now) },
          { stage: 'working', leaseUntil: { [Op.lt]: now }, attempts: { [Op.lt]: BASIC_CLEAN_MAX_ATTEMPTS } },
        ],
      },
      {
        stage: 'working',
        leaseUntil: new Date(now.getTime() + BASIC_CLEAN_LEASE_MS),
        attempts: ctx.db.sequelize.literal('attempts + 1'),
        updatedAt: now,
      },
      free,
    );
    for (const t of tasks) track(basicCleanJob(t), { leased: t.id, freesSlot: true });
  }

  /** model_pose12: each step on its own, so one that throws does not hold up the others */
  async function modelPoseWork(now: Date): Promise<void> {
    const rh = ctx.config.runninghub;
    await isolated(ctx, 'model_pose12 overdue sweep', {}, () => failOverdueModelTasks(ctx, now));

    // results found but not yet copied (an error while saving, retried after a backoff, or a crash)
    await isolated(ctx, 'model_pose12 saving claims', {}, async () => {
      const saving = await claimTasks(
        ctx,
        { type: 'model_pose12', status: 'processing', stage: 'saving', saveAttempts: { [Op.lt]: MAX_SAVE_ATTEMPTS }, ...leaseExpired(now) },
        { leaseUntil: new Date(now.getTime() + SAVE_LEASE_MS), saveAttempts: ctx.db.sequelize.literal('saveAttempts + 1'), updatedAt: now },
        4,
      );
      for (const t of saving) track(saveModelPose(ctx, t), { leased: t.id, freesSlot: true });
    });

    // poll running tasks that are due. The per-task throttle, across instances: the claim reserves the task for as
    // long as an answer may take plus one interval (pollReservationMs); the poll then sets the next one from the
    // moment it actually asked, if its reservation is still current (pollModelPose).
    await isolated(ctx, 'model_pose12 polls', {}, async () => {
      const polls = await claimTasks(
        ctx,
        { type: 'model_pose12', status: 'processing', stage: 'running', vendorTaskId: { [Op.ne]: null }, ...due(now) },
        { nextActionAt: new Date(ctx.now().getTime() + pollReservationMs(rh)) },
        50,
      );
      for (const t of polls) track(pollModelPose(ctx, t), { leased: t.id }); // a poll that finds the outputs goes on saving them
    });

    // submit queued tasks while RunningHub has free slots (counted and claimed atomically across instances)
    await isolated(ctx, 'model_pose12 submissions', {}, async () => {
      const submits = await claimTasks(
        ctx,
        { type: 'model_pose12', status: 'processing', stage: 'queued', ...due(now) },
        {
          stage: 'submitting',
          leaseUntil: new Date(now.getTime() + SUBMIT_LEASE_MS),
          attempts: ctx.db.sequelize.literal('attempts + 1'),
          updatedAt: now,
        },
        rh.maxConcurrency,
        { name: 'runninghub', inFlight: RUNNINGHUB_IN_FLIGHT, max: rh.maxConcurrency },
      );
      for (const t of submits) track(submitModelPose(ctx, t));
    });
  }

  /** One pass; each step fails on its own (logged) and the others still run. */
  async function pass(): Promise<void> {
    const now = ctx.now();
    await isolated(ctx, 'basic_clean claims', {}, () => claimBasicClean(now));
    await modelPoseWork(now);
    if (ticks++ % SLOW_EVERY_TICKS === 0) {
      await isolated(ctx, 'order reconciliation', {}, () => reconcileOrders(ctx));
      await isolated(ctx, 'membership expiry sweep', {}, () => sweepExpiredMemberships(ctx));
      await isolated(ctx, 'result retention sweep', {}, () => purgeExpiredResults(ctx));
    }
  }

  function tick(): Promise<void> {
    if (ticking) {
      again = true;
      return ticking;
    }
    ticking = (async () => {
      try {
        do {
          again = false;
          await pass();
        } while (again && !stopped);
      } catch (err) {
        ctx.logger.error({ err }, 'job tick failed');
      } finally {
        ticking = null;
      }
    })();
    return ticking;
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setInterval(() => void tick(), ctx.config.jobTickMs);
      timer.unref();
      void tick();
    },
    wake() {
      if (!stopped) void tick();
    },
    tick,
    async idle() {
      while (ticking || inFlight.size) {
        await ticking;
        await Promise.all([...inFlight]);
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await ticking;
      await Promise.all([...inFlight]);
    },
    releaseHeld: () => releaseLeases(ctx, [...held]),
  };
}
