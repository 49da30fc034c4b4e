/**
 * tasks.saveAttempts: how many times the results of a model task have been taken in hand for copying into COS (each
 * claim of `saving` work). It is counted apart from `attempts` (submissions to RunningHub, queue-full answers
 * included), so that waiting in RunningHub's queue never uses up the retries of saving results it already made.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().addColumn('tasks', 'saveAttempts', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
};

export const down: Migration = async ({ context: sequelize }) => {
  await sequelize.getQueryInterface().removeColumn('tasks', 'saveAttempts');
};
