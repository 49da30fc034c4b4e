/**
 * The task row of a task creation, inserted as plain SQL inside its transaction (the same row Task.create wrote:
 * test/tasks/insert-row.test.ts compares the two column by column on each dialect).
 */
import type { Transaction } from 'sequelize';
import type { TaskType } from '@aizhao/shared';
import type { Database } from '../../db/index.js';
import { insertRow, quoter, sqlDate } from '../../db/sql.js';
import type { TaskViewSource } from './rows.js';

export interface NewTask {
  id: string;
  userId: string;
  type: TaskType;
  inputKey: string;
  params: TaskViewSource['params'];
  cost: number;
  clientRequestId: string | null;
  requestHash: string;
  createdAt: Date;
}

/**
 * Inserts a queued task. As Task.create did: the columns without a value or a default are left out (NULL), JSON as
 * JSON.stringify's text, createdAt as given and updatedAt the wall clock (Sequelize's timestamp on creation).
 */
export async function insertTask(db: Database, task: NewTask, t: Transaction): Promise<TaskViewSource> {
  const updatedAt = new Date();
  const values = {
    id: task.id,
    userId: task.userId,
    type: task.type,
    status: 'processing',
    stage: 'queued',
    inputKey: task.inputKey,
    params: JSON.stringify(task.params),
    cost: task.cost,
    clientRequestId: task.clientRequestId,
    requestHash: task.requestHash,
    attempts: 0,
    saveAttempts: 0,
    createdAt: sqlDate(db, task.createdAt),
    updatedAt: sqlDate(db, updatedAt),
  };
  const columns = Object.keys(values);
  const q = quoter(db);
  await insertRow(
    db,
    `INSERT INTO ${q('tasks')} (${columns.map(q).join(', ')}) VALUES (${columns.map((c) => `:${c}`).join(', ')})`,
    values,
    t,
  );
  return {
    id: task.id,
    type: task.type,
    status: 'processing',
    stage: 'queued',
    inputKey: task.inputKey,
    params: task.params,
    resultKeys: null,
    errorReason: null,
    vendorTaskId: null,
    resultsPurgedAt: null,
    createdAt: task.createdAt,
    updatedAt,
  };
}
