/**
 * An order keeps what it sold: orders.quota and orders.days are written when the order is created, and a grant uses
 * them, never the config of the day it is paid (orders created before this migration have NULL there and are
 * granted from the config, as before). And the database itself refuses a negative balance: a CHECK constraint on
 * users.quota_remaining (MariaDB enforces CHECK since 10.2; on SQLite Sequelize rebuilds the table with it).
 */
import { DataTypes, Op, type QueryInterface } from 'sequelize';
import type { Migration } from '../migrator.js';

const CHECK_NAME = 'users_quota_remaining_nonnegative';

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.addColumn('orders', 'quota', { type: DataTypes.INTEGER, allowNull: true });
  await qi.addColumn('orders', 'days', { type: DataTypes.INTEGER, allowNull: true });
  await keepingIndexes(qi, sequelize.getDialect(), 'users', () =>
    qi.addConstraint('users', {
      type: 'check',
      name: CHECK_NAME,
      fields: ['quota_remaining'],
      where: { quota_remaining: { [Op.gte]: 0 } },
    }),
  );
};

interface IndexInfo {
  name: string;
  unique: boolean;
  fields: { attribute: string }[];
}

/**
 * SQLite cannot add a constraint to a table: Sequelize rebuilds the table with it, and the rebuilt table has lost
 * its secondary indexes. Put back every index the table had (its unique constraints are part of the table itself).
 */
async function keepingIndexes(qi: QueryInterface, dialect: string, table: string, change: () => Promise<unknown>): Promise<void> {
  if (dialect !== 'sqlite') {
    await change();
    return;
  }
  const before = (await qi.showIndex(table)) as IndexInfo[];
  await change();
  const after = new Set(((await qi.showIndex(table)) as IndexInfo[]).map((i) => i.name));
  for (const ix of before) {
    if (after.has(ix.name) || ix.name.startsWith('sqlite_autoindex_')) continue;
    await qi.addIndex(table, ix.fields.map((f) => f.attribute), { name: ix.name, unique: ix.unique });
  }
}

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  // Sequelize's MySQL removeConstraint looks for an index or a foreign key; a CHECK is dropped by name
  if (sequelize.getDialect() === 'mysql') await sequelize.query(`ALTER TABLE users DROP CONSTRAINT ${CHECK_NAME}`);
  else await keepingIndexes(qi, sequelize.getDialect(), 'users', () => qi.removeConstraint('users', CHECK_NAME));
  await qi.removeColumn('orders', 'days');
  await qi.removeColumn('orders', 'quota');
};
