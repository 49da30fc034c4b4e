/**
 * Claiming background work so that no two runners (in this process or another instance) take the same task:
 * MariaDB/MySQL selects candidates with `FOR UPDATE SKIP LOCKED` and updates them in that transaction; SQLite uses a
 * conditional UPDATE per candidate. Either way only rows still matching `where` are claimed. A `ClaimCap` bounds the
 * work in flight across instances.
 */
import type { Transaction, WhereOptions } from 'sequelize';
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import type { Task } from '../db/models.js';

type TaskChanges = Partial<Pick<Task, 'stage' | 'leaseUntil' | 'nextActionAt' | 'updatedAt'>> & { attempts?: unknown };

/**
 * A limit shared by every instance: at most `max` tasks matching `inFlight` at once. The count and the claim run in
 * one transaction holding the `job_locks` row `name`, so two instances never both take the last free slot.
 */
export interface ClaimCap {
  name: string;
  inFlight: WhereOptions<Task>;
  max: number;
}

export async function claimTasks(
  ctx: AppContext,
  where: WhereOptions<Task>,
  changes: TaskChanges,
  limit: number,
  cap?: ClaimCap,
): Promise<Task[]> {
  if (limit <= 0) return [];
  const { Task } = ctx.db.models;
  const mysql = ctx.db.dialect === 'mysql';
  const claim = async (t: Transaction | undefined): Promise<string[]> => {
    let room = limit;
    if (cap) {
      // MariaDB: wait for the lock row (released at commit); SQLite: the IMMEDIATE transaction already excludes writers
      if (mysql) await ctx.db.sequelize.query('SELECT name FROM job_locks WHERE name = ? FOR UPDATE', { replacements: [cap.name], transaction: t });
      room = Math.min(room, cap.max - (await Task.count({ where: cap.inFlight, transaction: t })));
    }
    if (room <= 0) return [];
    const rows = await Task.findAll({
      attributes: ['id'],
      where,
      order: [['createdAt', 'ASC']],
      limit: room,
      ...(mysql && t ? { lock: t.LOCK.UPDATE, skipLocked: true } : {}),
      transaction: t,
    });
    if (mysql) {
      if (rows.length) await Task.update(changes as Partial<Task>, { where: { id: { [Op.in]: rows.map((r) => r.id) } }, transaction: t });
      return rows.map((r) => r.id);
    }
    // SQLite: a conditional UPDATE per candidate (outside a transaction another writer may have taken it)
    const claimed: string[] = [];
    for (const c of rows) {
      const [n] = await Task.update(changes as Partial<Task>, { where: { [Op.and]: [{ id: c.id }, where] }, transaction: t });
      if (n === 1) claimed.push(c.id);
    }
    return claimed;
  };
  const ids = mysql || cap ? await ctx.db.transaction(claim) : await claim(undefined);
  return ids.length ? Task.findAll({ where: { id: { [Op.in]: ids } }, order: [['createdAt', 'ASC']] }) : [];
}

/** `nextActionAt` is unset or due. */
export const due = (now: Date) => ({ [Op.or]: [{ nextActionAt: null }, { nextActionAt: { [Op.lte]: now } }] });
/** The lease of a crashed runner has run out. */
export const leaseExpired = (now: Date) => ({ [Op.or]: [{ leaseUntil: null }, { leaseUntil: { [Op.lt]: now } }] });

/**
 * Ends the leases of tasks this process claimed but will not finish (a shutdown past its deadline): basic_clean in
 * `working` and model_pose12 in `saving` are taken again by any instance at once. Both are safe to run again (the
 * charge was made at creation; the outputs are written under the same keys). Returns how many were released.
 */
export async function releaseLeases(ctx: AppContext, taskIds: string[]): Promise<number> {
  if (!taskIds.length) return 0;
  const now = ctx.now();
  const [n] = await ctx.db.models.Task.update(
    { leaseUntil: new Date(now.getTime() - 1), updatedAt: now },
    {
      where: {
        id: { [Op.in]: taskIds },
        status: 'processing',
        [Op.or]: [
          { type: 'basic_clean', stage: 'working' },
          { type: 'model_pose12', stage: 'saving' },
        ],
      },
    },
  );
  return n;
}
