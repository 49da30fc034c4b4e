/**
 * Plans the operator edits in the admin (issue 13): membership lengths (1 / 3 / 6 / 12 months, each its own price,
 * quota and days) and 加量包 top-up packs (price and quota; days 0: they extend nothing and lapse with the
 * membership). The rows are seeded at start from PLAN_MONTHLY_QUOTA / MEMBERSHIP_PRICE / PLAN_DAYS (modules/plans),
 * so the default is exactly the one plan sold before. orders.planId records which plan an order sold (null for
 * orders from before); what it sold (price, quota, days) was already fixed on the order (migration 06).
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

const date = (allowNull = true) => ({ type: DataTypes.DATE(3), allowNull });

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('plans', {
    id: { type: DataTypes.STRING(32), primaryKey: true, allowNull: false },
    /** membership | pack */
    kind: { type: DataTypes.STRING(16), allowNull: false },
    name: { type: DataTypes.STRING(64), allowNull: false },
    /** membership: 1, 3, 6 or 12; pack: 0 */
    months: { type: DataTypes.INTEGER, allowNull: false },
    priceFen: { type: DataTypes.INTEGER, allowNull: false },
    quota: { type: DataTypes.INTEGER, allowNull: false },
    /** membership: days added; pack: 0 */
    days: { type: DataTypes.INTEGER, allowNull: false },
    enabled: { type: DataTypes.BOOLEAN, allowNull: false },
    sortOrder: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    createdAt: date(false),
    updatedAt: date(false),
  });
  await qi.addColumn('orders', 'planId', { type: DataTypes.STRING(32), allowNull: true });
  await qi.addIndex('orders', ['planId', 'status'], { name: 'idx_orders_planId_status' });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.removeIndex('orders', 'idx_orders_planId_status');
  await qi.removeColumn('orders', 'planId');
  await qi.dropTable('plans');
};
