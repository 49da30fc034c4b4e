/**
 * The merchant task list's keyset indexes: (userId, createdAt, id) for newest-first pages and (userId, updatedAt, id)
 * for `updatedSince`, replacing (userId, createdAt) and (userId, updatedAt). The cursor compares (createdAt, id): with
 * the id in the index a page deep in a merchant's history is one range read of `limit` rows on both engines (InnoDB
 * appended the primary key to the old indexes implicitly, SQLite did not and sorted the ties in a temp B-tree).
 */
import type { Migration } from '../migrator.js';

const KEYSET = [
  { old: 'idx_tasks_userId_createdAt', name: 'idx_tasks_userId_createdAt_id', fields: ['userId', 'createdAt', 'id'] },
  { old: 'idx_tasks_userId_updatedAt', name: 'idx_tasks_userId_updatedAt_id', fields: ['userId', 'updatedAt', 'id'] },
];

export const up: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  for (const ix of KEYSET) {
    await qi.addIndex('tasks', ix.fields, { name: ix.name });
    await qi.removeIndex('tasks', ix.old);
  }
};

export const down: Migration = async ({ context: sequelize }) => {
  const qi = sequelize.getQueryInterface();
  for (const ix of KEYSET) {
    await qi.addIndex('tasks', ix.fields.slice(0, 2), { name: ix.old });
    await qi.removeIndex('tasks', ix.name);
  }
};
