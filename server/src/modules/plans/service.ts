/**
 * Plans (the `plans` table, migration 13): what a merchant can buy. Seeded once from PLAN_MONTHLY_QUOTA /
 * MEMBERSHIP_PRICE / PLAN_DAYS — the 1-month membership on (exactly the one plan sold before), 3 / 6 / 12 months at
 * that many times the price, quota and days, and one 加量包 of the monthly quota at half the price, all off until the
 * operator sets their prices and turns them on in the admin. Seeding uses fixed ids and ignores rows already there, so
 * any number of instances may do it at once; a plan the operator changed is never seeded over.
 */
import type { PlanView } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { CreationAttributes } from 'sequelize';
import type { Plan } from '../../db/models.js';
import { AppError } from '../../lib/errors.js';

export const MEMBERSHIP_MONTHS = [1, 3, 6, 12] as const;
export const DEFAULT_PLAN_ID = 'membership-1m';

const seeded = new WeakSet<object>();

/** The seed rows for this configuration. */
export function seedPlans(ctx: AppContext): CreationAttributes<Plan>[] {
  const { priceFen, quota, days } = ctx.config.plan;
  const now = ctx.now();
  return [
    ...MEMBERSHIP_MONTHS.map((months, i) => ({
      id: `membership-${months}m`,
      kind: 'membership' as const,
      name: `会员 ${months} 个月`,
      months,
      priceFen: priceFen * months,
      quota: quota * months,
      days: days * months,
      enabled: months === 1,
      sortOrder: i + 1,
      createdAt: now,
      updatedAt: now,
    })),
    {
      id: 'pack-1',
      kind: 'pack' as const,
      name: `加量包 ${quota} 次`,
      months: 0,
      priceFen: Math.max(1, Math.round(priceFen / 2)),
      quota,
      days: 0,
      enabled: false,
      sortOrder: 10,
      createdAt: now,
      updatedAt: now,
    },
  ];
}

/** Seeds the plans once per process (idempotent across instances). */
export async function ensurePlans(ctx: AppContext): Promise<void> {
  if (seeded.has(ctx.db)) return;
  await ctx.db.models.Plan.bulkCreate(seedPlans(ctx), { ignoreDuplicates: true });
  seeded.add(ctx.db);
}

export const toPlanView = (p: Plan): PlanView => ({
  id: p.id,
  kind: p.kind,
  name: p.name,
  months: p.months,
  priceFen: p.priceFen,
  quota: p.quota,
  days: p.days,
});

export async function listPlans(ctx: AppContext, o: { enabledOnly: boolean }): Promise<Plan[]> {
  await ensurePlans(ctx);
  return ctx.db.models.Plan.findAll({
    where: o.enabledOnly ? { enabled: true } : {},
    order: [
      ['sortOrder', 'ASC'],
      ['id', 'ASC'],
    ],
  });
}

/** The plan a purchase asked for (absent: the 1-month membership, or the first membership on); PLAN_UNAVAILABLE else. */
export async function planToSell(ctx: AppContext, planId: string | undefined): Promise<Plan> {
  await ensurePlans(ctx);
  const { Plan } = ctx.db.models;
  const plan = planId
    ? await Plan.findByPk(planId)
    : ((await Plan.findOne({ where: { id: DEFAULT_PLAN_ID, enabled: true } })) ??
      (await Plan.findOne({ where: { kind: 'membership', enabled: true }, order: [['sortOrder', 'ASC']] })));
  if (!plan || !plan.enabled) throw new AppError('PLAN_UNAVAILABLE');
  return plan;
}

/**
 * The monthly terms the app shows as `plan` (client-config, membership status; its low-balance warning is a share of
 * the quota): the 1-month membership as the operator set it, or the configuration's when that plan is off.
 */
export async function basePlanTerms(ctx: AppContext): Promise<{ priceFen: number; quota: number; days: number }> {
  await ensurePlans(ctx);
  const p = await ctx.db.models.Plan.findOne({ where: { id: DEFAULT_PLAN_ID, enabled: true } });
  return p ? { priceFen: p.priceFen, quota: p.quota, days: p.days } : ctx.config.plan;
}
