/** Request/response schemas of the web admin API (docs/api.md "Web admin"): `/admin/api/*`. */
import { z } from 'zod';
import { TASK_TYPES } from './catalogue.js';
import { ORDER_STATUSES, PAYMENT_CHANNELS, TASK_STATUSES, isoDate, planView, taskParamsSchema, taskResultSchema } from './api.js';

// ---- session
export const adminLoginRequest = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }).strict();
export const adminSessionResponse = z.object({ admin: z.object({ username: z.string() }), csrfToken: z.string() });
export type AdminSession = z.infer<typeof adminSessionResponse>;

// ---- queries (empty parameters count as absent)
/** A business date (`YYYY-MM-DD`, BUSINESS_TIMEZONE; `to` includes that whole day) or an ISO instant. */
export const adminDateParam = z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/), z.iso.datetime({ offset: true })]);
const page = {
  cursor: z.string().max(300).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
};
/** `phone`: the full 11-digit number or its last 4 digits. */
export const adminUsersQuery = z
  .object({
    phone: z
      .string()
      .regex(/^(\d{4}|\d{11})$/, 'full phone number or its last 4 digits')
      .optional(),
    ...page,
  })
  .strict();
export const adminOrdersQuery = z
  .object({
    status: z.enum(ORDER_STATUSES).optional(),
    channel: z.enum(PAYMENT_CHANNELS).optional(),
    from: adminDateParam.optional(),
    to: adminDateParam.optional(),
    ...page,
  })
  .strict();
export const adminTasksQuery = z
  .object({
    status: z.enum(TASK_STATUSES).optional(),
    type: z.enum(TASK_TYPES).optional(),
    userId: z
      .string()
      .regex(/^[0-9A-Za-z_-]{1,32}$/)
      .optional(),
    from: adminDateParam.optional(),
    to: adminDateParam.optional(),
    ...page,
  })
  .strict();
export const adminAuditQuery = z.object({ ...page }).strict();
export type AdminUsersQuery = z.output<typeof adminUsersQuery>;
export type AdminOrdersQuery = z.output<typeof adminOrdersQuery>;
export type AdminTasksQuery = z.output<typeof adminTasksQuery>;
export type AdminAuditQuery = z.output<typeof adminAuditQuery>;

// ---- bodies
const reason = z.string().trim().min(1, 'reason is required').max(255);
export const quotaAdjustmentRequest = z
  .object({
    delta: z
      .number()
      .int()
      .refine((n) => n !== 0, 'delta must not be 0')
      .refine((n) => Math.abs(n) <= 100_000, 'delta too large'),
    reason,
  })
  .strict();
export const failAndRefundRequest = z.object({ reason }).strict();
/** A refund of a paid order at WeChat Pay: part or all of what is left to refund (fen). */
export const orderRefundRequest = z
  .object({
    amountFen: z.number().int('amountFen must be a whole number of fen').positive('amountFen must be positive').max(100_000_000),
    // WeChat shows the reason to the payer and takes at most 80 bytes
    reason: reason.refine((r) => new TextEncoder().encode(r).length <= 80, 'reason must be at most 80 bytes (UTF-8)'),
  })
  .strict();
/** sync / close: the body is optional; a reason, when given, goes to the audit log. */
export const adminOptionalReason = z.object({ reason: reason.optional() }).strict();

// ---- views
export const adminUserSchema = z.object({
  id: z.string(),
  phone: z.string(),
  isMember: z.boolean(),
  quotaRemaining: z.number().int().nonnegative(),
  quotaExpireAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminOrderSchema = z.object({
  id: z.string(),
  userId: z.string(),
  userPhone: z.string().nullable(),
  status: z.enum(ORDER_STATUSES),
  amountFen: z.number().int(),
  channel: z.string(),
  transactionId: z.string().nullable(),
  failReason: z.string().nullable(),
  createdAt: isoDate,
  expiresAt: isoDate,
  paidAt: isoDate.nullable(),
  closedAt: isoDate.nullable(),
  lastQueriedAt: isoDate.nullable(),
  /** the sum of the order's succeeded refunds */
  refundedFen: z.number().int(),
  /** what it sold: the plan (null for orders from before plans), quota and days (days 0: a 加量包) */
  planId: z.string().nullable().optional(),
  quota: z.number().int().nullable().optional(),
  days: z.number().int().nullable().optional(),
});
export type AdminOrder = z.infer<typeof adminOrderSchema>;

// ---- plans
/** A plan as the admin edits it: the public view plus whether it is on sale and its place in the list. */
export const adminPlanSchema = planView.extend({ enabled: z.boolean(), sortOrder: z.number().int(), updatedAt: isoDate });
export type AdminPlan = z.infer<typeof adminPlanSchema>;
export const adminPlansResponse = z.object({ plans: z.array(adminPlanSchema) });
const planTerms = {
  name: z.string().trim().min(1).max(64),
  priceFen: z.number().int().min(1).max(100_000_000),
  quota: z.number().int().min(1).max(1_000_000),
  enabled: z.boolean(),
  sortOrder: z.number().int().min(0).max(1000),
};
/** A new plan: a membership length (months 1/3/6/12, days ≥ 1) or a 加量包 (months 0, days 0). */
export const adminPlanCreateRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('membership'), months: z.union([z.literal(1), z.literal(3), z.literal(6), z.literal(12)]), days: z.number().int().min(1).max(3660), ...planTerms }).strict(),
  z.object({ kind: z.literal('pack'), ...planTerms }).strict(),
]);
/** A change of a plan (its kind and length never change; orders already made keep what they sold). */
export const adminPlanUpdateRequest = z
  .object({ ...planTerms, days: z.number().int().min(1).max(3660), reason: z.string().trim().min(1).max(255) })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'nothing to change');
export const adminPlanResponse = z.object({ plan: adminPlanSchema });

export const REFUND_STATUSES = ['REQUESTED', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'REJECTED'] as const;
export const adminRefundSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  outRefundNo: z.string(),
  wxRefundId: z.string().nullable(),
  amountFen: z.number().int(),
  /** as WeChat Pay reports it; REQUESTED = sent, not answered yet; REJECTED = WeChat refused the request */
  status: z.enum(REFUND_STATUSES),
  reason: z.string().nullable(),
  source: z.enum(['admin', 'platform']),
  requestedBy: z.string().nullable(),
  failReason: z.string().nullable(),
  successAt: isoDate.nullable(),
  appliedAt: isoDate.nullable(),
  quotaTaken: z.number().int().nullable(),
  expirySecondsTaken: z.number().int().nullable(),
  createdAt: isoDate,
});
export type AdminRefund = z.infer<typeof adminRefundSchema>;
export const adminOrderDetailResponse = z.object({ order: adminOrderSchema, refunds: z.array(adminRefundSchema) });
export const orderRefundResponse = z.object({ order: adminOrderSchema, refund: adminRefundSchema });

export const adminTaskSchema = z.object({
  id: z.string(),
  userId: z.string(),
  userPhone: z.string().nullable(),
  type: z.enum(TASK_TYPES),
  status: z.enum(TASK_STATUSES),
  stage: z.string(),
  cost: z.number().int(),
  inputKey: z.string(),
  params: taskParamsSchema,
  vendorTaskId: z.string().nullable(),
  errorReason: z.string().nullable(),
  resultCount: z.number().int(),
  createdAt: isoDate,
  updatedAt: isoDate,
  submittedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  /** results (and the input photo) deleted after RESULT_RETENTION_DAYS */
  resultsPurgedAt: isoDate.nullable(),
});
export type AdminTask = z.infer<typeof adminTaskSchema>;

export const adminTimelineEvent = z.object({ at: isoDate, event: z.string(), detail: z.string().nullable() });
export const adminTaskDetailSchema = adminTaskSchema.extend({
  /** null once the retention sweep deleted the input photo */
  inputUrl: z.string().nullable(),
  results: z.array(taskResultSchema),
  timeline: z.array(adminTimelineEvent),
});
export type AdminTaskDetail = z.infer<typeof adminTaskDetailSchema>;

export const adminLedgerEntrySchema = z.object({
  id: z.string(),
  action: z.enum(['grant', 'deduct', 'refund', 'expire', 'adjust', 'order_refund', 'reinstate']),
  amount: z.number().int(),
  balanceAfter: z.number().int(),
  taskId: z.string().nullable(),
  orderId: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: isoDate,
});
export type AdminLedgerEntry = z.infer<typeof adminLedgerEntrySchema>;

export const adminAuditEntrySchema = z.object({
  id: z.string(),
  admin: z.string(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  reason: z.string().nullable(),
  details: z.unknown().nullable(),
  at: isoDate,
});
export type AdminAuditEntry = z.infer<typeof adminAuditEntrySchema>;

const statusCounts = z.object({ total: z.number().int(), processing: z.number().int(), done: z.number().int(), failed: z.number().int() });
export const adminDashboardSchema = z.object({
  membersNow: z.number().int(),
  newMembersToday: z.number().int(),
  newMembersMonth: z.number().int(),
  /** net of refunds: money of orders paid in the period minus refunds that succeeded in it */
  revenueTodayFen: z.number().int(),
  revenueMonthFen: z.number().int(),
  /** refunds that succeeded in the period */
  refundsTodayFen: z.number().int(),
  refundsMonthFen: z.number().int(),
  /** tasks created today: totals by status, and the same per task type */
  tasksToday: statusCounts.extend({ byType: z.record(z.enum(TASK_TYPES), statusCounts) }),
  /** failed ÷ (done + failed) of today's finished tasks; 0 when none finished */
  failureRateToday: z.number().min(0).max(1),
  /** tasks still processing longer than RUNNINGHUB_TIMEOUT after creation */
  stuckTasks: z.number().int(),
  /** orders pending for more than 10 minutes */
  stalePendingOrders: z.number().int(),
  /** users whose balance is not the sum of their quota ledger at the last periodic check (must be empty) */
  ledgerMismatches: z.array(z.object({ userId: z.string(), balance: z.number().int(), ledgerSum: z.number().int() })),
  /** when that check ran; null before the first (LEDGER_CHECK_INTERVAL_MS) */
  ledgerCheckedAt: isoDate.nullable(),
  timezone: z.string(),
  generatedAt: isoDate,
  /** this month's revenue by plan and channel: orders paid in the month, refunds that succeeded in it, net */
  revenueMonthBy: z
    .array(
      z.object({
        planId: z.string().nullable(),
        planName: z.string(),
        channel: z.string(),
        orders: z.number().int(),
        grossFen: z.number().int(),
        refundsFen: z.number().int(),
        netFen: z.number().int(),
      }),
    )
    .optional(),
});
export type AdminDashboard = z.infer<typeof adminDashboardSchema>;

export const adminPage = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
export const adminUserDetailResponse = z.object({
  user: adminUserSchema,
  orders: z.array(adminOrderSchema),
  tasks: z.array(adminTaskSchema),
  ledger: z.array(adminLedgerEntrySchema),
});
export const quotaAdjustmentResponse = z.object({ quotaRemaining: z.number().int().nonnegative(), ledgerEntry: adminLedgerEntrySchema });
