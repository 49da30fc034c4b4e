/**
 * An order keeps what it sold: orders.quota and orders.days are written when the order is created, and a grant uses
 * them, never the config of the day it is paid (orders created before this migration have NULL there and are
 * granted from the config, as before). And the database itself refuses a negative balance: a CHECK constraint on
 * users.quota_remaining (MariaDB enforces CHECK since 10.2; on SQLite Sequelize rebuilds the table with it).
 */
import { DataTypes, Op } from 'sequelize';
import type { Migration } from '../migrator.js';

const CHECK_NAME = 'users_quota_remaining_nonnegative';

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.addColumn('orders', 'quota', { type: DataTypes.INTEGER, allowNull: true });
  await qi.addColumn('orders', 'days', { type: DataTypes.INTEGER, allowNull: true });
  await qi.addConstraint('users', {
    type: 'check',
    name: CHECK_NAME,
    fields: ['quota_remaining'],
    where: { quota_remaining: { [Op.gte]: 0 } },
  });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  // Sequelize's removeConstraint on MySQL/MariaDB drops an index of that name; a CHECK constraint needs DROP CONSTRAINT
  if (sequelize.getDialect() === 'mysql') await sequelize.query(`ALTER TABLE users DROP CONSTRAINT ${CHECK_NAME}`);
  else await qi.removeConstraint('users', CHECK_NAME);
  await qi.removeColumn('orders', 'days');
  await qi.removeColumn('orders', 'quota');
};
