/**
 * Refunds. One `refunds` row per WeChat Pay refund of an order, whoever started it: our admin (our
 * out_refund_no is the row id, a ULID) or the merchant platform (WeChat's own out_refund_no, learnt from its
 * notification). The row remembers what WeChat last reported and, once the refund succeeded, what it took back.
 *
 * The ledger: quota_logs had one row per (orderId, action), which allows one refund per order. A refund's ledger row
 * carries its refund id in quota_logs.refundId, and the unique key becomes (orderId, action, refundId); refundId is
 * '' (not NULL: NULLs never collide in a unique index) for every other row, so a grant stays unique per order and each
 * refund gets exactly one row.
 *
 * orders.refundedFen: the sum of the order's succeeded refunds, kept under the order's row lock with them; and
 * orders.status grows to 24 characters (`partially_refunded` is 18).
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('refunds', {
    id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
    orderId: { type: DataTypes.STRING(32), allowNull: false },
    userId: { type: DataTypes.STRING(32), allowNull: false },
    /** what WeChat knows the refund by (ours = id for admin refunds; WeChat's for platform refunds) */
    outRefundNo: { type: DataTypes.STRING(64), allowNull: false, unique: true },
    /** WeChat's refund_id, once it answered */
    wxRefundId: { type: DataTypes.STRING(64), allowNull: true, unique: true },
    amountFen: { type: DataTypes.INTEGER, allowNull: false },
    /** REQUESTED (sent, no answer yet) | PROCESSING | SUCCESS | CLOSED | ABNORMAL (as WeChat reports) | REJECTED (WeChat refused the request) */
    status: { type: DataTypes.STRING(16), allowNull: false },
    reason: { type: DataTypes.STRING(255), allowNull: true },
    /** admin | platform */
    source: { type: DataTypes.STRING(16), allowNull: false },
    /** the admin's username for admin refunds */
    requestedBy: { type: DataTypes.STRING(64), allowNull: true },
    /** WeChat's error for a REJECTED request, or its word on an ABNORMAL / CLOSED refund */
    failReason: { type: DataTypes.STRING(255), allowNull: true },
    successAt: date(),
    /** when the quota and expiry were taken back (exactly once) */
    appliedAt: date(),
    quotaTaken: { type: DataTypes.INTEGER, allowNull: true },
    expirySecondsTaken: { type: DataTypes.INTEGER, allowNull: true },
    lastQueriedAt: date(),
    createdAt: date(false),
    updatedAt: date(false),
  });
  await qi.addIndex('refunds', ['orderId', 'createdAt'], { name: 'idx_refunds_orderId_createdAt' });
  await qi.addIndex('refunds', ['status', 'lastQueriedAt'], { name: 'idx_refunds_status_lastQueriedAt' });
  await qi.addIndex('refunds', ['status', 'successAt'], { name: 'idx_refunds_status_successAt' });
  await qi.addIndex('refunds', ['userId', 'appliedAt'], { name: 'idx_refunds_userId_appliedAt' });

  await qi.addColumn('quota_logs', 'refundId', { type: DataTypes.STRING(32), allowNull: false, defaultValue: '' });
  await qi.addIndex('quota_logs', ['orderId', 'action', 'refundId'], { name: 'uq_quota_logs_order_action_refund', unique: true });
  await qi.removeIndex('quota_logs', 'uq_quota_logs_order_action');

  await qi.addColumn('orders', 'refundedFen', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  // SQLite does not enforce VARCHAR lengths, and its changeColumn rebuilds the table without its indexes: MariaDB only
  if (sequelize.getDialect() !== 'sqlite') await qi.changeColumn('orders', 'status', { type: DataTypes.STRING(24), allowNull: false });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  if (sequelize.getDialect() !== 'sqlite') await qi.changeColumn('orders', 'status', { type: DataTypes.STRING(16), allowNull: false });
  await qi.removeColumn('orders', 'refundedFen');
  await qi.addIndex('quota_logs', ['orderId', 'action'], { name: 'uq_quota_logs_order_action', unique: true });
  await qi.removeIndex('quota_logs', 'uq_quota_logs_order_action_refund');
  await qi.removeColumn('quota_logs', 'refundId');
  await qi.dropTable('refunds');
};
