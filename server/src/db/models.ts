/** Sequelize models. Column names follow the guide (users.quota_remaining, users.quota_expireAt, camelCase elsewhere). */
import {
  DataTypes,
  Model,
  type CreationOptional,
  type InferAttributes,
  type InferCreationAttributes,
  type Sequelize,
} from 'sequelize';
import type { OrderStatus, TaskStatus, TaskType } from '@aizhao/shared';

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: string;
  declare phone: string;
  declare isMember: CreationOptional<boolean>;
  declare quotaRemaining: CreationOptional<number>;
  declare quotaExpireAt: Date | null;
  /** last 4 digits of the phone (admin search); set from `phone` by a hook on creation */
  declare phoneLast4: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class SmsCode extends Model<InferAttributes<SmsCode>, InferCreationAttributes<SmsCode>> {
  declare id: string;
  declare phone: string;
  declare ip: string;
  declare codeHash: string;
  declare expiresAt: Date;
  declare attempts: CreationOptional<number>;
  declare consumedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
}

export class Order extends Model<InferAttributes<Order>, InferCreationAttributes<Order>> {
  declare id: string;
  declare userId: string;
  declare status: OrderStatus;
  declare amountFen: number;
  /** what the order sells, fixed when it is created (null: an order from before migration 06, granted from config) */
  declare quota: number | null;
  declare days: number | null;
  declare channel: string;
  /** the plan it sold (migration 13; null for orders from before) */
  declare planId: CreationOptional<string | null>;
  declare codeUrl: string | null;
  declare transactionId: string | null;
  declare expiresAt: Date;
  declare paidAt: Date | null;
  declare closedAt: Date | null;
  declare lastQueriedAt: Date | null;
  declare failReason: string | null;
  /** sum of the order's succeeded refunds (migration 08) */
  declare refundedFen: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/** What WeChat reports for a refund, plus ours: REQUESTED (no answer yet) and REJECTED (WeChat refused it). */
export const REFUND_STATUSES = ['REQUESTED', 'PROCESSING', 'SUCCESS', 'CLOSED', 'ABNORMAL', 'REJECTED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** One WeChat Pay refund of an order (migration 08). */
export class Refund extends Model<InferAttributes<Refund>, InferCreationAttributes<Refund>> {
  declare id: string;
  declare orderId: string;
  declare userId: string;
  declare outRefundNo: string;
  declare wxRefundId: string | null;
  declare amountFen: number;
  declare status: RefundStatus;
  declare reason: string | null;
  declare source: 'admin' | 'platform';
  declare requestedBy: string | null;
  declare failReason: string | null;
  declare successAt: Date | null;
  declare appliedAt: Date | null;
  declare quotaTaken: number | null;
  declare expirySecondsTaken: number | null;
  declare lastQueriedAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/**
 * Internal stages of a task (the API status stays `processing` until terminal):
 * queued → (basic_clean) working → done | (model_pose12) submitting → running → saving → done.
 */
export const TASK_STAGES = ['queued', 'working', 'submitting', 'running', 'saving', 'done', 'failed'] as const;
export type TaskStage = (typeof TASK_STAGES)[number];

export class Task extends Model<InferAttributes<Task>, InferCreationAttributes<Task>> {
  declare id: string;
  declare userId: string;
  declare type: TaskType;
  declare status: TaskStatus;
  declare stage: TaskStage;
  declare inputKey: string;
  declare params: { scene?: string; category?: string };
  declare resultKeys: string[] | null;
  declare vendorTaskId: string | null;
  /** RunningHub's output file URLs, kept between SUCCESS and the copy into COS (never queried twice) */
  declare vendorOutputs: string[] | null;
  /** what the merchant is told (Chinese) */
  declare errorReason: string | null;
  /** the vendor's own failure text, for the operator only */
  declare vendorError: CreationOptional<string | null>;
  declare cost: number;
  declare clientRequestId: string | null;
  declare requestHash: string | null;
  /** a job runner owns the task until then (crash recovery) */
  declare leaseUntil: Date | null;
  /** not before then: next RunningHub query, or next submission attempt after a queue-full answer */
  declare nextActionAt: Date | null;
  declare submittedAt: Date | null;
  /** claims of the task's work: basic_clean runs, model_pose12 submissions (queue-full answers included) */
  declare attempts: CreationOptional<number>;
  /** model_pose12: claims of copying the results into COS (apart from the submissions) */
  declare saveAttempts: CreationOptional<number>;
  declare finishedAt: Date | null;
  /** results and input deleted from COS by the retention sweep (RESULT_RETENTION_DAYS after the end) */
  declare resultsPurgedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

/**
 * `refund`: a task's cost given back; `order_refund`: what a refunded order takes back (migration 08);
 * `reinstate`: a renewal paid before the expiry whose notice came after the lapse credits back what that lapse's
 * `expire` rows wrote off (once per order: the row carries the renewing order's id).
 */
export const LEDGER_ACTIONS = ['grant', 'deduct', 'refund', 'expire', 'adjust', 'order_refund', 'reinstate'] as const;
export type LedgerAction = (typeof LEDGER_ACTIONS)[number];

export class QuotaLog extends Model<InferAttributes<QuotaLog>, InferCreationAttributes<QuotaLog>> {
  declare id: CreationOptional<number>;
  declare userId: string;
  declare taskId: string | null;
  declare orderId: string | null;
  /** the refund a `refund` row of an order belongs to; '' for every other row (unique with orderId and action) */
  declare refundId: CreationOptional<string>;
  declare action: LedgerAction;
  declare amount: number;
  declare balanceAfter: number;
  declare reason: string | null;
  declare createdAt: CreationOptional<Date>;
}

export class Admin extends Model<InferAttributes<Admin>, InferCreationAttributes<Admin>> {
  declare id: string;
  declare username: string;
  /** scrypt PHC string (lib/password.ts) */
  declare passwordHash: string;
  /** consecutive failed logins since the last success or lock */
  declare failedLogins: CreationOptional<number>;
  declare lockedUntil: Date | null;
  declare lastLoginAt: Date | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export class AdminSession extends Model<InferAttributes<AdminSession>, InferCreationAttributes<AdminSession>> {
  /** sha256 (hex) of the session token */
  declare id: string;
  declare adminId: string;
  declare csrfToken: string;
  declare expiresAt: Date;
  declare lastSeenAt: Date;
  declare ip: string | null;
  declare createdAt: CreationOptional<Date>;
}

export class AdminLoginAttempt extends Model<InferAttributes<AdminLoginAttempt>, InferCreationAttributes<AdminLoginAttempt>> {
  declare id: CreationOptional<number>;
  declare ip: string;
  declare username: string;
  declare success: boolean;
  declare createdAt: CreationOptional<Date>;
}

export class AdminAuditLog extends Model<InferAttributes<AdminAuditLog>, InferCreationAttributes<AdminAuditLog>> {
  declare id: CreationOptional<number>;
  /** null for actions from the command line */
  declare adminId: string | null;
  declare adminUsername: string;
  declare action: string;
  declare targetType: string | null;
  declare targetId: string | null;
  declare reason: string | null;
  declare details: Record<string, unknown> | null;
  declare createdAt: CreationOptional<Date>;
}

/** A merchant's acceptance of the terms and privacy policy versions (migration 10). */
export class Consent extends Model<InferAttributes<Consent>, InferCreationAttributes<Consent>> {
  declare id: CreationOptional<number>;
  declare userId: string;
  declare termsVersion: string;
  declare privacyVersion: string;
  declare ip: string | null;
  declare acceptedAt: Date;
}

/** A plan the operator sells (migration 13): a membership length or a 加量包 top-up pack (months 0, days 0). */
export class Plan extends Model<InferAttributes<Plan>, InferCreationAttributes<Plan>> {
  declare id: string;
  declare kind: 'membership' | 'pack';
  declare name: string;
  declare months: number;
  declare priceFen: number;
  declare quota: number;
  declare days: number;
  declare enabled: boolean;
  declare sortOrder: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
}

export interface Models {
  Plan: typeof Plan;
  User: typeof User;
  SmsCode: typeof SmsCode;
  Order: typeof Order;
  Refund: typeof Refund;
  Task: typeof Task;
  QuotaLog: typeof QuotaLog;
  Admin: typeof Admin;
  AdminSession: typeof AdminSession;
  AdminLoginAttempt: typeof AdminLoginAttempt;
  AdminAuditLog: typeof AdminAuditLog;
  Consent: typeof Consent;
}

const id = { type: DataTypes.STRING(32), primaryKey: true, allowNull: false };
const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });
/** JSON column; MariaDB stores JSON as LONGTEXT, so a string read back is parsed here. */
const json = (name: string, allowNull = true) => ({
  type: DataTypes.JSON,
  allowNull,
  get(this: Model) {
    const v = this.getDataValue(name as never) as unknown;
    return typeof v === 'string' ? JSON.parse(v) : v;
  },
});

export function initModels(sequelize: Sequelize): Models {
  User.init(
    {
      id,
      phone: { type: DataTypes.STRING(11), allowNull: false, unique: true },
      isMember: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      quotaRemaining: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0, field: 'quota_remaining' },
      quotaExpireAt: { ...date(), field: 'quota_expireAt' },
      phoneLast4: { type: DataTypes.STRING(4), allowNull: true },
      createdAt: date(false),
      updatedAt: date(false),
    },
    {
      sequelize,
      tableName: 'users',
      hooks: {
        beforeCreate: (user) => {
          if (typeof user.phone === 'string') user.phoneLast4 = user.phone.slice(-4);
        },
        beforeBulkCreate: (users, options) => {
          for (const u of users) if (typeof u.phone === 'string') u.phoneLast4 = u.phone.slice(-4);
          if (options.fields && !options.fields.includes('phoneLast4')) options.fields.push('phoneLast4');
        },
      },
    },
  );
  SmsCode.init(
    {
      id,
      phone: { type: DataTypes.STRING(11), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: false },
      codeHash: { type: DataTypes.STRING(128), allowNull: false },
      expiresAt: date(false),
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      consumedAt: date(),
      createdAt: date(false),
    },
    { sequelize, tableName: 'sms_codes', updatedAt: false },
  );
  Order.init(
    {
      id,
      userId: { type: DataTypes.STRING(32), allowNull: false },
      status: { type: DataTypes.STRING(24), allowNull: false },
      amountFen: { type: DataTypes.INTEGER, allowNull: false },
      quota: { type: DataTypes.INTEGER, allowNull: true },
      days: { type: DataTypes.INTEGER, allowNull: true },
      channel: { type: DataTypes.STRING(16), allowNull: false },
      planId: { type: DataTypes.STRING(32), allowNull: true },
      codeUrl: { type: DataTypes.STRING(255), allowNull: true },
      transactionId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      expiresAt: date(false),
      paidAt: date(),
      closedAt: date(),
      lastQueriedAt: date(),
      failReason: { type: DataTypes.STRING(255), allowNull: true },
      refundedFen: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      createdAt: date(false),
      updatedAt: date(false),
    },
    { sequelize, tableName: 'orders' },
  );
  Refund.init(
    {
      id,
      orderId: { type: DataTypes.STRING(32), allowNull: false },
      userId: { type: DataTypes.STRING(32), allowNull: false },
      outRefundNo: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      wxRefundId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
      amountFen: { type: DataTypes.INTEGER, allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      reason: { type: DataTypes.STRING(255), allowNull: true },
      source: { type: DataTypes.STRING(16), allowNull: false },
      requestedBy: { type: DataTypes.STRING(64), allowNull: true },
      failReason: { type: DataTypes.STRING(255), allowNull: true },
      successAt: date(),
      appliedAt: date(),
      quotaTaken: { type: DataTypes.INTEGER, allowNull: true },
      expirySecondsTaken: { type: DataTypes.INTEGER, allowNull: true },
      lastQueriedAt: date(),
      createdAt: date(false),
      updatedAt: date(false),
    },
    { sequelize, tableName: 'refunds' },
  );
  Task.init(
    {
      id,
      userId: { type: DataTypes.STRING(32), allowNull: false },
      type: { type: DataTypes.STRING(20), allowNull: false },
      status: { type: DataTypes.STRING(16), allowNull: false },
      stage: { type: DataTypes.STRING(16), allowNull: false },
      inputKey: { type: DataTypes.STRING(512), allowNull: false },
      params: json('params', false),
      resultKeys: json('resultKeys'),
      vendorTaskId: { type: DataTypes.STRING(64), allowNull: true },
      vendorOutputs: json('vendorOutputs'),
      errorReason: { type: DataTypes.STRING(500), allowNull: true },
      vendorError: { type: DataTypes.STRING(500), allowNull: true },
      cost: { type: DataTypes.INTEGER, allowNull: false },
      clientRequestId: { type: DataTypes.STRING(64), allowNull: true },
      requestHash: { type: DataTypes.STRING(64), allowNull: true },
      leaseUntil: date(),
      nextActionAt: date(),
      submittedAt: date(),
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      saveAttempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      finishedAt: date(),
      resultsPurgedAt: date(),
      createdAt: date(false),
      updatedAt: date(false),
    },
    { sequelize, tableName: 'tasks' },
  );
  QuotaLog.init(
    {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      userId: { type: DataTypes.STRING(32), allowNull: false },
      taskId: { type: DataTypes.STRING(32), allowNull: true },
      orderId: { type: DataTypes.STRING(32), allowNull: true },
      refundId: { type: DataTypes.STRING(32), allowNull: false, defaultValue: '' },
      action: { type: DataTypes.STRING(16), allowNull: false },
      amount: { type: DataTypes.INTEGER, allowNull: false },
      balanceAfter: { type: DataTypes.INTEGER, allowNull: false },
      reason: { type: DataTypes.STRING(255), allowNull: true },
      createdAt: date(false),
    },
    { sequelize, tableName: 'quota_logs', updatedAt: false },
  );
  Admin.init(
    {
      id,
      username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
      passwordHash: { type: DataTypes.STRING(255), allowNull: false },
      failedLogins: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      lockedUntil: date(),
      lastLoginAt: date(),
      createdAt: date(false),
      updatedAt: date(false),
    },
    { sequelize, tableName: 'admins' },
  );
  AdminSession.init(
    {
      id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
      adminId: { type: DataTypes.STRING(32), allowNull: false },
      csrfToken: { type: DataTypes.STRING(64), allowNull: false },
      expiresAt: date(false),
      lastSeenAt: date(false),
      ip: { type: DataTypes.STRING(64), allowNull: true },
      createdAt: date(false),
    },
    { sequelize, tableName: 'admin_sessions', updatedAt: false },
  );
  AdminLoginAttempt.init(
    {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      ip: { type: DataTypes.STRING(64), allowNull: false },
      username: { type: DataTypes.STRING(64), allowNull: false },
      success: { type: DataTypes.BOOLEAN, allowNull: false },
      createdAt: date(false),
    },
    { sequelize, tableName: 'admin_login_attempts', updatedAt: false },
  );
  AdminAuditLog.init(
    {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      adminId: { type: DataTypes.STRING(32), allowNull: true },
      adminUsername: { type: DataTypes.STRING(64), allowNull: false },
      action: { type: DataTypes.STRING(64), allowNull: false },
      targetType: { type: DataTypes.STRING(16), allowNull: true },
      targetId: { type: DataTypes.STRING(64), allowNull: true },
      reason: { type: DataTypes.STRING(500), allowNull: true },
      details: json('details'),
      createdAt: date(false),
    },
    { sequelize, tableName: 'admin_audit_logs', updatedAt: false },
  );
  Consent.init(
    {
      id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
      userId: { type: DataTypes.STRING(32), allowNull: false },
      termsVersion: { type: DataTypes.STRING(64), allowNull: false },
      privacyVersion: { type: DataTypes.STRING(64), allowNull: false },
      ip: { type: DataTypes.STRING(64), allowNull: true },
      acceptedAt: date(false),
    },
    { sequelize, tableName: 'consents', timestamps: false },
  );
  Plan.init(
    {
      id,
      kind: { type: DataTypes.STRING(16), allowNull: false },
      name: { type: DataTypes.STRING(64), allowNull: false },
      months: { type: DataTypes.INTEGER, allowNull: false },
      priceFen: { type: DataTypes.INTEGER, allowNull: false },
      quota: { type: DataTypes.INTEGER, allowNull: false },
      days: { type: DataTypes.INTEGER, allowNull: false },
      enabled: { type: DataTypes.BOOLEAN, allowNull: false },
      sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      createdAt: date(false),
      updatedAt: date(false),
    },
    { sequelize, tableName: 'plans' },
  );
  return { Plan, User, SmsCode, Order, Refund, Task, QuotaLog, Admin, AdminSession, AdminLoginAttempt, AdminAuditLog, Consent };
}
