/**
 * job_locks: one row per limit that several server instances share. Claiming work under such a limit locks the row
 * (`SELECT … FOR UPDATE`) for the transaction that counts the work in flight and claims more, so that two instances
 * cannot both see a free slot and take it. The row for RunningHub's concurrency cap is created here.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.createTable('job_locks', { name: { type: DataTypes.STRING(64), primaryKey: true, allowNull: false } });
  await qi.bulkInsert('job_locks', [{ name: 'runninghub' }]);
};

export const down: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().dropTable('job_locks');
};
