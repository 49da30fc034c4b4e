/**
 * Admin plans (GET/POST /admin/api/plans, PATCH /admin/api/plans/:id): the operator sets each plan's price, quota,
 * days, name, order and whether it is on sale, without a release. An order records what it sold when it was
 * created, so a change never alters an order already made. Every change is in the audit log.
 */
import { Router } from 'express';
import { adminPlanCreateRequest, adminPlanUpdateRequest, type AdminPlan } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Plan } from '../../db/models.js';
import { parse, route } from '../../http/middleware.js';
import { AppError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { listPlans, toPlanView } from '../plans/service.js';
import { writeAudit } from './audit/service.js';
import { actorOf, bodyOf } from './http.js';

const toAdminPlan = (p: Plan): AdminPlan => ({
  ...toPlanView(p),
  enabled: p.enabled,
  sortOrder: p.sortOrder,
  updatedAt: p.updatedAt.toISOString(),
});
const PLAN_ID = /^[0-9A-Za-z_-]{1,32}$/;

export function adminPlanRoutes(ctx: AppContext): Router {
  const r = Router();
  r.get(
    '/plans',
    route(async (_req, res) => void res.json({ plans: (await listPlans(ctx, { enabledOnly: false })).map(toAdminPlan) })),
  );
  r.post(
    '/plans',
    route(async (req, res) => {
      const body = parse(adminPlanCreateRequest, bodyOf(req));
      const now = ctx.now();
      const plan = await ctx.db.transaction(async (t) => {
        const created = await ctx.db.models.Plan.create(
          {
            id: `${body.kind}-${newId().slice(-10).toLowerCase()}`,
            kind: body.kind,
            name: body.name,
            months: body.kind === 'membership' ? body.months : 0,
            days: body.kind === 'membership' ? body.days : 0,
            priceFen: body.priceFen,
            quota: body.quota,
            enabled: body.enabled,
            sortOrder: body.sortOrder,
            createdAt: now,
            updatedAt: now,
          },
          { transaction: t },
        );
        await writeAudit(
          ctx,
          actorOf(req),
          { action: 'plan.create', target: { type: 'plan', id: created.id }, reason: null, details: { plan: toPlanView(created) } },
          t,
        );
        return created;
      });
      res.status(201).json({ plan: toAdminPlan(plan) });
    }),
  );
  r.patch(
    '/plans/:id',
    route(async (req, res) => {
      const id = String(req.params.id);
      if (!PLAN_ID.test(id)) throw new AppError('NOT_FOUND', '套餐不存在');
      const { reason, ...change } = parse(adminPlanUpdateRequest, bodyOf(req));
      const plan = await ctx.db.transaction(async (t) => {
        const p = await ctx.db.models.Plan.findByPk(id, { transaction: t, lock: t.LOCK.UPDATE });
        if (!p) throw new AppError('NOT_FOUND', '套餐不存在');
        if (p.kind === 'pack' && change.days !== undefined) {
          throw new AppError('INVALID_INPUT', '加量包不延长有效期，不能设置天数', [{ path: 'days', message: 'a pack has no days' }]);
        }
        const before = { ...toPlanView(p), enabled: p.enabled, sortOrder: p.sortOrder };
        p.set({ ...change, updatedAt: ctx.now() });
        await p.save({ transaction: t });
        await writeAudit(
          ctx,
          actorOf(req),
          { action: 'plan.update', target: { type: 'plan', id }, reason: reason ?? null, details: { before, change } },
          t,
        );
        return p;
      });
      res.json({ plan: toAdminPlan(plan) });
    }),
  );
  return r;
}
