/** Request/response schemas of the HTTP contract (docs/api.md). The server validates with them; clients are typed by them. */
import { z } from 'zod';
import { CATEGORIES, MODELS, RESULT_KINDS, SCENES, TASK_TYPES } from './catalogue.js';

export const idSchema = z.string().regex(/^[0-9A-Za-z_-]{1,32}$/);
export const phoneSchema = z.string().regex(/^1[3-9]\d{9}$/);
export const isoDate = z.string();

// ---- auth
export const smsCodeRequest = z.object({ phone: z.string() }).strict();
export const smsCodeResponse = z.object({ ok: z.literal(true), cooldownSeconds: z.number().int() });
export const loginRequest = z.object({ phone: z.string(), code: z.string() }).strict();

export const userSchema = z.object({
  id: z.string(),
  phone: z.string(),
  isMember: z.boolean(),
  quotaRemaining: z.number().int().nonnegative(),
  quotaExpireAt: isoDate.nullable(),
});
export type User = z.infer<typeof userSchema>;
export const loginResponse = z.object({ token: z.string(), expiresAt: isoDate, user: userSchema });
export type LoginResponse = z.infer<typeof loginResponse>;
export const meResponse = z.object({ user: userSchema });

// ---- public
export const planSchema = z.object({ priceFen: z.number().int(), quota: z.number().int(), days: z.number().int() });
export type Plan = z.infer<typeof planSchema>;
export const healthResponse = z.object({ ok: z.boolean(), db: z.enum(['up', 'down']), sandbox: z.boolean().optional(), version: z.string().optional() });
/** 微信支付 (Native) and 支付宝 (当面付): `channel` of a purchase */
export const PAYMENT_CHANNELS = ['wx', 'alipay'] as const;
export type PaymentChannelId = (typeof PAYMENT_CHANNELS)[number];

export const clientConfigResponse = z.object({
  sandbox: z.boolean(),
  cos: z.object({ bucket: z.string(), region: z.string(), domain: z.string().optional(), protocol: z.string().optional() }),
  plan: planSchema,
  taskTypes: z.array(z.object({ type: z.enum(TASK_TYPES), cost: z.number().int(), label: z.string() })),
  scenes: z.array(z.object({ id: z.enum(SCENES), label: z.string() })),
  categories: z.array(z.object({ id: z.enum(CATEGORIES), label: z.string() })),
  upload: z.object({ maxBytes: z.number().int(), accept: z.array(z.string()) }),
  /** how many days results stay downloadable after a task ends */
  resultRetentionDays: z.number().int().optional(),
  /** the lowest desktop version the server serves; older ones get 426 UPGRADE_REQUIRED and update themselves */
  minClientVersion: z.string().optional(),
  /** the operator's help and support page, linked from the app's 设置 */
  helpUrl: z.string().optional(),
  /** the payment channels the operator offers (PAYMENT_CHANNEL), in their order; absent from older servers: `["wx"]` */
  paymentChannels: z.array(z.enum(PAYMENT_CHANNELS)).optional(),
});
export type ClientConfig = z.infer<typeof clientConfigResponse>;

// ---- membership
/** The merchant's latest refunded order and what the refund took back. */
export const refundNoticeSchema = z.object({
  orderId: z.string(),
  refundFen: z.number().int(),
  quotaTaken: z.number().int(),
  /** how much earlier the membership now ends */
  expiryShortenedSeconds: z.number().int(),
  at: isoDate,
});
export type RefundNotice = z.infer<typeof refundNoticeSchema>;
export const membershipStatusResponse = z.object({
  isMember: z.boolean(),
  quotaRemaining: z.number().int(),
  quotaExpireAt: isoDate.nullable(),
  plan: planSchema,
  /** the latest refund applied in the last REFUND_NOTICE_DAYS days, if any */
  lastRefund: refundNoticeSchema.nullable().optional(),
});
export type MembershipStatus = z.infer<typeof membershipStatusResponse>;
export const purchaseRequest = z
  .object({
    channel: z.string(),
    /** a plan of GET /plans (a membership length or a 加量包); absent: the 1-month membership */
    planId: z.string().min(1).max(32).optional(),
  })
  .strict();

/** A plan the operator sells: a membership length (months 1/3/6/12, days added) or a 加量包 (months 0, days 0). */
export const planView = z.object({
  id: z.string(),
  kind: z.enum(['membership', 'pack']),
  name: z.string(),
  months: z.number().int(),
  priceFen: z.number().int(),
  quota: z.number().int(),
  days: z.number().int(),
});
export type PlanView = z.infer<typeof planView>;
export const plansResponse = z.object({ plans: z.array(planView) });
export const purchaseResponse = z.object({ orderId: z.string(), codeUrl: z.string(), amountFen: z.number().int(), expiresAt: isoDate });
export type PurchaseResponse = z.infer<typeof purchaseResponse>;
/**
 * pending → paid | closed | failed; a paid order refunded at WeChat Pay: refunding (a refund is being processed) →
 * partially_refunded | refunded (all of it). A refund that WeChat closes or cannot complete leaves the order as it was.
 */
export const ORDER_STATUSES = ['pending', 'paid', 'closed', 'failed', 'refunding', 'partially_refunded', 'refunded'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** The states of an order that was paid (whatever was refunded since). */
export const PAID_ORDER_STATUSES = ['paid', 'refunding', 'partially_refunded', 'refunded'] as const satisfies readonly OrderStatus[];
export const orderResponse = z.object({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  amountFen: z.number().int(),
  createdAt: isoDate,
  paidAt: isoDate.nullable(),
  /** money refunded so far (fen) */
  refundedFen: z.number().int().optional(),
});
export type OrderView = z.infer<typeof orderResponse>;

// ---- storage
export const stsRequest = z.object({}).strict();
export const stsResponse = z.object({
  credentials: z.object({ tmpSecretId: z.string(), tmpSecretKey: z.string(), sessionToken: z.string() }),
  startTime: z.number().int(),
  expiredTime: z.number().int(),
  bucket: z.string(),
  region: z.string(),
  allowPrefix: z.string(),
});
export type StsResponse = z.infer<typeof stsResponse>;

// ---- tasks
export const TASK_STATUSES = ['processing', 'done', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const clientRequestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export const taskParamsSchema = z
  .object({
    scene: z.enum(SCENES).optional(),
    category: z.enum(CATEGORIES).optional(),
    /** model_pose12: the model the garment is shown on (default `female`; the server stores the default) */
    model: z.enum(MODELS).optional(),
  })
  .strict();
export const createTaskRequest = z
  .object({
    type: z.enum(TASK_TYPES),
    inputKey: z.string().min(1).max(512),
    params: taskParamsSchema.default({}),
    clientRequestId: clientRequestIdSchema.optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.type === 'model_pose12') {
      if (!v.params.scene) ctx.addIssue({ code: 'custom', path: ['params', 'scene'], message: 'scene is required for model_pose12' });
      if (!v.params.category)
        ctx.addIssue({ code: 'custom', path: ['params', 'category'], message: 'category is required for model_pose12' });
    }
  });
export type CreateTaskRequest = z.input<typeof createTaskRequest>;
/**
 * One result of a done task: `white` the 800×800 JPEG on pure white and `cutout` the transparent PNG (subject
 * trimmed, longer side ≤ 2000 px) of basic_clean; `pose` each of model_pose12's images.
 */
export const taskResultSchema = z.object({ key: z.string(), url: z.string(), kind: z.enum(RESULT_KINDS) });
export type TaskResult = z.infer<typeof taskResultSchema>;
export const taskSchema = z.object({
  id: z.string(),
  type: z.enum(TASK_TYPES),
  status: z.enum(TASK_STATUSES),
  stage: z.string().optional(),
  inputKey: z.string(),
  params: taskParamsSchema,
  results: z.array(taskResultSchema),
  errorReason: z.string().nullable(),
  /** RESULT_RETENTION_DAYS after the end, results are deleted from COS: `results` is then empty */
  resultsExpired: z.boolean().optional(),
  createdAt: isoDate,
  updatedAt: isoDate,
  vendorTaskId: z.string().nullable().optional(),
});
export type Task = z.infer<typeof taskSchema>;
export const createTaskResponse = z.object({ task: taskSchema, quotaRemaining: z.number().int() });
export const taskResponse = z.object({ task: taskSchema });
export const listTasksQuery = z
  .object({
    status: z.enum(TASK_STATUSES).optional(),
    type: z.enum(TASK_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(200).optional(),
    ids: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(idSchema).min(1).max(100))
      .optional(),
    updatedSince: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
export const listTasksResponse = z.object({ items: z.array(taskSchema), nextCursor: z.string().nullable() });
export type ListTasksResponse = z.infer<typeof listTasksResponse>;

// ---- terms and privacy policy (the merchant accepts them at the first login, and again when a version changes)
export const LEGAL_KINDS = ['terms', 'privacy'] as const;
export type LegalKind = (typeof LEGAL_KINDS)[number];
export const legalDocResponse = z.object({ kind: z.enum(LEGAL_KINDS), title: z.string(), version: z.string(), body: z.string() });
export type LegalDoc = z.infer<typeof legalDocResponse>;
const legalVersion = z.string().min(1).max(64);
export const consentRequest = z.object({ termsVersion: legalVersion, privacyVersion: legalVersion }).strict();
export type ConsentRequest = z.infer<typeof consentRequest>;
export const consentStatusResponse = z.object({
  terms: z.object({ title: z.string(), version: z.string() }),
  privacy: z.object({ title: z.string(), version: z.string() }),
  /** what this user last accepted, null: never */
  accepted: z.object({ termsVersion: z.string(), privacyVersion: z.string(), acceptedAt: isoDate }).nullable(),
});
export type ConsentStatus = z.infer<typeof consentStatusResponse>;
