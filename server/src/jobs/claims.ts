/**
 * Claiming background work so that no two runners (in this process or another instance) take the same task:
 * MariaDB/MySQL selects candidates with `FOR UPDATE SKIP LOCKED` and updates them in that transaction; SQLite uses a
 * conditional UPDATE per candidate. Either way only rows still matching `where` are claimed.
 */
import type { WhereOptions } from 'sequelize';
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';

type TaskChanges = Partial<Pick<Task, 'stage' | 'leaseUntil' | 'nextActionAt' | 'updatedAt'>> & { attempts?: unknown };

export async function claimTasks(
  ctx: AppContext,
  where: WhereOptions<Task>,
  changes: TaskChanges,
  limit: number,
): Promise<Task[]> {
  if (limit <= 0) return [];
  const { Task } = ctx.db.models;
  if (ctx.db.dialect === 'mysql') {
    const ids = await ctx.db.transaction(async (t) => {
      const rows = await Task.findAll({
        attributes: ['id'],
        where,
        order: [['createdAt', 'ASC']],
        limit,
        lock: t.LOCK.UPDATE,
        skipLocked: true,
        transaction: t,
      });
      if (!rows.length) return [];
      const list = rows.map((r) => r.id);
      await Task.update(changes as Partial<Task>, { where: { id: { [Op.in]: list } }, transaction: t });
      return list;
    });
    return ids.length ? Task.findAll({ where: { id: { [Op.in]: ids } }, order: [['createdAt', 'ASC']] }) : [];
  }
  const candidates = await Task.findAll({ attributes: ['id'], where, order: [['createdAt', 'ASC']], limit });
  const claimed: string[] = [];
  for (const c of candidates) {
    const [n] = await Task.update(changes as Partial<Task>, { where: { [Op.and]: [{ id: c.id }, where] } });
    if (n === 1) claimed.push(c.id);
  }
  return claimed.length ? Task.findAll({ where: { id: { [Op.in]: claimed } }, order: [['createdAt', 'ASC']] }) : [];
}

/** `nextActionAt` is unset or due. */
export const due = (now: Date) => ({ [Op.or]: [{ nextActionAt: null }, { nextActionAt: { [Op.lte]: now } }] });
/** The lease of a crashed runner has run out. */
export const leaseExpired = (now: Date) => ({ [Op.or]: [{ leaseUntil: null }, { leaseUntil: { [Op.lt]: now } }] });
