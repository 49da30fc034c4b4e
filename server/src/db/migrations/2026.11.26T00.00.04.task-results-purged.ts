/**
 * tasks.resultsPurgedAt: when the retention sweep deleted the task's results and input photo from COS
 * (RESULT_RETENTION_DAYS after it ended). The index serves the sweep's "ended before" scan.
 */
import { DataTypes } from 'sequelize';
import type { Migration } from '../migrator.js';

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.addColumn('tasks', 'resultsPurgedAt', { type: DataTypes.DATE(3), allowNull: true });
  await qi.addIndex('tasks', ['status', 'finishedAt'], { name: 'idx_tasks_status_finishedAt' });
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  await qi.removeIndex('tasks', 'idx_tasks_status_finishedAt');
  await qi.removeColumn('tasks', 'resultsPurgedAt');
};
