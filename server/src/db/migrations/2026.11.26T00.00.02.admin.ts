/**
 * The web admin: admin accounts, DB-backed sessions (several instances), login attempts (rate limits), the audit log;
 * plus what the admin lists need to stay fast: users.phoneLast4 (search by the last 4 digits) and a few indexes.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('admins', {
    id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
    username: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    passwordHash: { type: DataTypes.STRING(255), allowNull: false },
    failedLogins: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    lockedUntil: date(),
    lastLoginAt: date(),
    createdAt: date(false),
    updatedAt: date(false),
  });

  await qi.createTable('admin_sessions', {
    /** sha256 (hex) of the session token: the token itself is only in the cookie */
    id: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false },
    adminId: { type: DataTypes.STRING(32), allowNull: false },
    csrfToken: { type: DataTypes.STRING(64), allowNull: false },
    expiresAt: date(false),
    lastSeenAt: date(false),
    ip: { type: DataTypes.STRING(64), allowNull: true },
    createdAt: date(false),
  });
  await qi.addIndex('admin_sessions', ['adminId'], { name: 'idx_admin_sessions_adminId' });
  await qi.addIndex('admin_sessions', ['expiresAt'], { name: 'idx_admin_sessions_expiresAt' });

  await qi.createTable('admin_login_attempts', {
    id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
    ip: { type: DataTypes.STRING(64), allowNull: false },
    username: { type: DataTypes.STRING(64), allowNull: false },
    success: { type: DataTypes.BOOLEAN, allowNull: false },
    createdAt: date(false),
  });
  await qi.addIndex('admin_login_attempts', ['ip', 'success', 'createdAt'], { name: 'idx_admin_login_attempts_ip' });
  await qi.addIndex('admin_login_attempts', ['username', 'createdAt'], { name: 'idx_admin_login_attempts_username' });
  await qi.addIndex('admin_login_attempts', ['createdAt'], { name: 'idx_admin_login_attempts_createdAt' });

  await qi.createTable('admin_audit_logs', {
    id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
    adminId: { type: DataTypes.STRING(32), allowNull: true },
    adminUsername: { type: DataTypes.STRING(64), allowNull: false },
    action: { type: DataTypes.STRING(64), allowNull: false },
    targetType: { type: DataTypes.STRING(16), allowNull: true },
    targetId: { type: DataTypes.STRING(64), allowNull: true },
    reason: { type: DataTypes.STRING(500), allowNull: true },
    details: { type: DataTypes.JSON, allowNull: true },
    createdAt: date(false),
  });
  await qi.addIndex('admin_audit_logs', ['targetType', 'targetId'], { name: 'idx_admin_audit_logs_target' });
  await qi.addIndex('admin_audit_logs', ['adminId', 'createdAt'], { name: 'idx_admin_audit_logs_adminId' });

  // users: search by the last 4 digits of the phone (set by a model hook on creation; backfilled here)
  await qi.addColumn('users', 'phoneLast4', { type: DataTypes.STRING(4), allowNull: true });
  await sequelize.query('UPDATE users SET phoneLast4 = SUBSTR(phone, -4) WHERE phoneLast4 IS NULL');
  await qi.addIndex('users', ['phoneLast4', 'createdAt'], { name: 'idx_users_phoneLast4_createdAt' });

  // admin lists (newest first, optional status/type filters) and the dashboard figures
  await qi.addIndex('orders', ['createdAt'], { name: 'idx_orders_createdAt' });
  await qi.addIndex('orders', ['status', 'paidAt'], { name: 'idx_orders_status_paidAt' });
  await qi.addIndex('orders', ['userId', 'paidAt'], { name: 'idx_orders_userId_paidAt' });
  await qi.addIndex('tasks', ['status', 'createdAt'], { name: 'idx_tasks_status_createdAt' });
  await qi.addIndex('tasks', ['type', 'createdAt'], { name: 'idx_tasks_type_createdAt' });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  for (const [table, name] of [
    ['tasks', 'idx_tasks_type_createdAt'],
    ['tasks', 'idx_tasks_status_createdAt'],
    ['orders', 'idx_orders_userId_paidAt'],
    ['orders', 'idx_orders_status_paidAt'],
    ['orders', 'idx_orders_createdAt'],
    ['users', 'idx_users_phoneLast4_createdAt'],
  ] as const) {
    await qi.removeIndex(table, name);
  }
  await qi.removeColumn('users', 'phoneLast4');
  for (const t of ['admin_audit_logs', 'admin_login_attempts', 'admin_sessions', 'admins']) await qi.dropTable(t);
};
