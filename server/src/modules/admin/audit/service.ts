/** The audit log of admin actions: who, what, on which target, why, when. Written in the action's transaction. */
import type { Transaction } from 'sequelize';
import { Op } from 'sequelize';
import type { AdminAuditEntry } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import type { AdminAuditLog } from '../../../db/models.js';
import { AppError } from '../../../lib/errors.js';

export interface Actor {
  /** null for the command line */
  adminId: string | null;
  username: string;
}

export interface AuditEntry {
  action: string;
  target?: { type: 'user' | 'order' | 'task' | 'admin' | 'plan'; id: string };
  reason?: string | null;
  details?: Record<string, unknown>;
}

export async function writeAudit(ctx: Pick<AppContext, 'db' | 'now'>, actor: Actor, entry: AuditEntry, t?: Transaction): Promise<AdminAuditLog> {
  return ctx.db.models.AdminAuditLog.create(
    {
      adminId: actor.adminId,
      adminUsername: actor.username,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      reason: entry.reason ?? null,
      details: entry.details ?? null,
      createdAt: ctx.now(),
    },
    { transaction: t },
  );
}

export const toAuditView = (row: AdminAuditLog): AdminAuditEntry => ({
  id: String(row.id),
  admin: row.adminUsername,
  action: row.action,
  target: row.targetType && row.targetId ? { type: row.targetType, id: row.targetId } : null,
  reason: row.reason,
  details: row.details ?? null,
  at: row.createdAt.toISOString(),
});

/** Newest first; the cursor is the last id of the page (ids only grow). */
export async function listAudit(ctx: AppContext, q: { cursor?: string; limit: number }): Promise<{ items: AdminAuditEntry[]; nextCursor: string | null }> {
  if (q.cursor !== undefined && !/^\d{1,18}$/.test(q.cursor)) {
    throw new AppError('INVALID_INPUT', '分页参数无效', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  const rows = await ctx.db.models.AdminAuditLog.findAll({
    where: q.cursor ? { id: { [Op.lt]: q.cursor } } : {},
    order: [['id', 'DESC']],
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { items: page.map(toAuditView), nextCursor: rows.length > q.limit ? String(page.at(-1)!.id) : null };
}
