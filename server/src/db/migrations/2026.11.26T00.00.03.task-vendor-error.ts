/**
 * tasks.vendorError: the vendor's own words when it failed a task (English, technical). The merchant sees
 * errorReason in Chinese; the operator sees both in the admin task detail.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().addColumn('tasks', 'vendorError', { type: DataTypes.STRING(500), allowNull: true });
};

export const down: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().removeColumn('tasks', 'vendorError');
};
