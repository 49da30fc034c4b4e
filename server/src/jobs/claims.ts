/**
 * Claiming background work so that no two runners (in this process or another instance) take the same task:
 * MariaDB/MySQL selects candidates with `FOR UPDATE SKIP LOCKED` and updates them in that transaction; SQLite uses a
 * conditional UPDATE per candidate. Either way only rows still matching `where` are claimed. A `ClaimCap` bounds the
 * work in flight across instances.
 */
import type { Transaction, WhereOptions } from 'sequelize';
import { Op } from 'sequelize';
import type { AppContext } from '../context.js';
import { isDbUnavailable } from '../db/index.js';
import type { Task } from '../db/models.js';

type TaskChanges = Partial<Pick<Task, 'stage' | 'leaseUntil' | 'nextActionAt' | 'updatedAt'>> & {
  attempts?: unknown;
  saveAttempts?: unknown;
};

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
  /** the rows this claim updated, known before its COMMIT is sent */
  let updated: string[] = [];
  const claim = async (t: Transaction | undefined): Promise<string[]> => {
    updated = [];
    // MariaDB: wait for the cap's lock row (released at commit), then lock the candidates, and only then count what
    // is in flight: every locking read comes before the first plain read (which opens the transaction's snapshot),
    // so a task changed meanwhile by another transaction never fails them with snapshot-isolation error 1020.
    // SQLite: the IMMEDIATE transaction already excludes writers.
    if (cap && mysql)
      await ctx.db.sequelize.query('SELECT name FROM job_locks WHERE name = ? FOR UPDATE', { replacements: [cap.name], transaction: t });
    const candidates = await Task.findAll({
      attributes: ['id'],
      where,
      order: [['createdAt', 'ASC']],
      limit,
      ...(mysql && t ? { lock: t.LOCK.UPDATE, skipLocked: true } : {}),
      transaction: t,
    });
    // the count sees every claim under the cap committed before this one took the lock row
    const room = cap ? Math.max(0, cap.max - (await Task.count({ where: cap.inFlight, transaction: t }))) : limit;
    const rows = candidates.slice(0, room);
    if (mysql) {
      if (rows.length) await Task.update(changes as Partial<Task>, { where: { id: { [Op.in]: rows.map((r) => r.id) } }, transaction: t });
      updated = rows.map((r) => r.id);
      return updated;
    }
    // SQLite: a conditional UPDATE per candidate (outside a transaction another writer may have taken it)
    const claimed: string[] = [];
    for (const c of rows) {
      const [n] = await Task.update(changes as Partial<Task>, { where: { [Op.and]: [{ id: c.id }, where] }, transaction: t });
      if (n === 1) claimed.push(c.id);
    }
    return claimed;
  };
  let ids: string[];
  try {
    ids = mysql || cap ? await ctx.db.transaction(claim) : await claim(undefined);
  } catch (err) {
    if (!updated.length || !isDbUnavailable(err)) throw err;
    // The connection went away around the COMMIT (a database restart): the claim may have been committed, and its
    // tasks would then sit under our lease until it runs out. Take back the rows that carry exactly our changes.
    ids = await claimedAnyway(ctx, updated, changes);
    ctx.logger.warn({ err, claimed: ids.length, of: updated.length }, 'claim commit lost; recovered the rows it had claimed');
  }
  return ids.length ? Task.findAll({ where: { id: { [Op.in]: ids } }, order: [['createdAt', 'ASC']] }) : [];
}

/** Of `ids`, the rows whose stage and lease times are exactly what the claim wrote (waits for the database). */
async function claimedAnyway(ctx: AppContext, ids: string[], changes: TaskChanges): Promise<string[]> {
  const rows = await ctx.db.models.Task.findAll({ where: { id: { [Op.in]: ids } } });
  const same = (a: unknown, b: unknown): boolean =>
    a instanceof Date || b instanceof Date ? (a as Date | null)?.getTime() === (b as Date | null)?.getTime() : a === b;
  // (not updatedAt: Sequelize stamps that itself)
  const fields = (['stage', 'leaseUntil', 'nextActionAt'] as const).filter((f) => changes[f] !== undefined);
  return rows.filter((r) => fields.length > 0 && fields.every((f) => same(r[f], changes[f]))).map((r) => r.id);
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
