import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

const id = { type: DataTypes.STRING(32), primaryKey: true, allowNull: false };
const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('users', {
    id,
    phone: { type: DataTypes.STRING(11), allowNull: false, unique: true },
    isMember: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    quota_remaining: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    quota_expireAt: date(),
    createdAt: date(false),
    updatedAt: date(false),
  });
  await qi.addIndex('users', ['isMember', 'quota_expireAt'], { name: 'idx_users_member_expire' });
  await qi.addIndex('users', ['createdAt'], { name: 'idx_users_createdAt' });

  await qi.createTable('sms_codes', {
    id,
    phone: { type: DataTypes.STRING(11), allowNull: false },
    ip: { type: DataTypes.STRING(64), allowNull: false },
    codeHash: { type: DataTypes.STRING(128), allowNull: false },
    expiresAt: date(false),
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    consumedAt: date(),
    createdAt: date(false),
  });
  await qi.addIndex('sms_codes', ['phone', 'createdAt'], { name: 'idx_sms_phone_createdAt' });
  await qi.addIndex('sms_codes', ['ip', 'createdAt'], { name: 'idx_sms_ip_createdAt' });

  await qi.createTable('orders', {
    id,
    userId: { type: DataTypes.STRING(32), allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    amountFen: { type: DataTypes.INTEGER, allowNull: false },
    channel: { type: DataTypes.STRING(16), allowNull: false },
    codeUrl: { type: DataTypes.STRING(255), allowNull: true },
    transactionId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
    expiresAt: date(false),
    paidAt: date(),
    closedAt: date(),
    lastQueriedAt: date(),
    failReason: { type: DataTypes.STRING(255), allowNull: true },
    createdAt: date(false),
    updatedAt: date(false),
  });
  await qi.addIndex('orders', ['userId', 'status'], { name: 'idx_orders_userId_status' });
  await qi.addIndex('orders', ['userId', 'createdAt'], { name: 'idx_orders_userId_createdAt' });
  await qi.addIndex('orders', ['status', 'createdAt'], { name: 'idx_orders_status_createdAt' });

  await qi.createTable('tasks', {
    id,
    userId: { type: DataTypes.STRING(32), allowNull: false },
    type: { type: DataTypes.STRING(20), allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false },
    stage: { type: DataTypes.STRING(16), allowNull: false },
    inputKey: { type: DataTypes.STRING(512), allowNull: false },
    params: { type: DataTypes.JSON, allowNull: false },
    resultKeys: { type: DataTypes.JSON, allowNull: true },
    vendorTaskId: { type: DataTypes.STRING(64), allowNull: true },
    vendorOutputs: { type: DataTypes.JSON, allowNull: true },
    errorReason: { type: DataTypes.STRING(500), allowNull: true },
    cost: { type: DataTypes.INTEGER, allowNull: false },
    clientRequestId: { type: DataTypes.STRING(64), allowNull: true },
    requestHash: { type: DataTypes.STRING(64), allowNull: true },
    leaseUntil: date(),
    nextActionAt: date(),
    submittedAt: date(),
    attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    finishedAt: date(),
    createdAt: date(false),
    updatedAt: date(false),
  });
  await qi.addIndex('tasks', ['userId', 'createdAt'], { name: 'idx_tasks_userId_createdAt' });
  await qi.addIndex('tasks', ['userId', 'updatedAt'], { name: 'idx_tasks_userId_updatedAt' });
  await qi.addIndex('tasks', ['userId', 'clientRequestId'], { name: 'uq_tasks_userId_clientRequestId', unique: true });
  await qi.addIndex('tasks', ['vendorTaskId'], { name: 'idx_tasks_vendorTaskId' });
  await qi.addIndex('tasks', ['status', 'stage', 'nextActionAt'], { name: 'idx_tasks_status_stage' });
  await qi.addIndex('tasks', ['createdAt'], { name: 'idx_tasks_createdAt' });

  await qi.createTable('quota_logs', {
    id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
    userId: { type: DataTypes.STRING(32), allowNull: false },
    taskId: { type: DataTypes.STRING(32), allowNull: true },
    orderId: { type: DataTypes.STRING(32), allowNull: true },
    action: { type: DataTypes.STRING(16), allowNull: false },
    amount: { type: DataTypes.INTEGER, allowNull: false },
    balanceAfter: { type: DataTypes.INTEGER, allowNull: false },
    reason: { type: DataTypes.STRING(255), allowNull: true },
    createdAt: date(false),
  });
  await qi.addIndex('quota_logs', ['userId', 'createdAt'], { name: 'idx_quota_logs_userId_createdAt' });
  // exactly once: one deduct and one refund per task, one grant per order
  await qi.addIndex('quota_logs', ['taskId', 'action'], { name: 'uq_quota_logs_task_action', unique: true });
  await qi.addIndex('quota_logs', ['orderId', 'action'], { name: 'uq_quota_logs_order_action', unique: true });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  for (const t of ['quota_logs', 'tasks', 'orders', 'sms_codes', 'users']) await qi.dropTable(t);
};
