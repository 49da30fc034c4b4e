/**
 * The retention sweep: RESULT_RETENTION_DAYS after a task ended, its results and its input photo are deleted from COS
 * and the task is marked `resultsPurgedAt` (its history row stays; the merchant keeps the local copies).
 * An input photo that a task still within retention also uses is kept until that one goes too.
 * Deletes come first and the mark after, so a crash in between only repeats deletes (COS answers 204 either way).
 */
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import { isolated } from './isolated.js';

const DAY_MS = 86_400_000;
const BATCH = 100;

/** One pass; returns how many tasks were purged. */
export async function purgeExpiredResults(ctx: AppContext): Promise<number> {
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - ctx.config.resultRetentionDays * DAY_MS);
  const { Task } = ctx.db.models;
  const due = await Task.findAll({
    where: { status: { [Op.in]: ['done', 'failed'] }, finishedAt: { [Op.lt]: cutoff }, resultsPurgedAt: null },
    order: [['finishedAt', 'ASC']],
    limit: BATCH,
  });
  let purged = 0;
  for (const task of due) {
    // each task on its own: one that fails (COS or the database) is tried again on a later pass
    await isolated(ctx, 'purging expired results', { taskId: task.id }, async () => {
      const stillUsed = await Task.count({
        where: {
          inputKey: task.inputKey,
          id: { [Op.ne]: task.id },
          [Op.or]: [{ status: 'processing' }, { finishedAt: { [Op.gte]: cutoff } }],
        },
      });
      const keys = [...(task.status === 'done' ? (task.resultKeys ?? []) : []), ...(stillUsed ? [] : [task.inputKey])];
      for (const key of keys) await ctx.vendors.storage.delete(key);
      const [marked] = await Task.update({ resultsPurgedAt: now }, { where: { id: task.id, resultsPurgedAt: null } });
      if (marked) {
        purged++;
        ctx.logger.info({ taskId: task.id, deleted: keys.length }, 'results past retention deleted');
      }
    });
  }
  return purged;
}
