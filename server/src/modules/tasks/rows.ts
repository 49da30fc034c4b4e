/**
 * The merchant's task reads as plain SQL rows (no Sequelize model per row: the hot reads of GET /tasks and ?ids=).
 *
 * The keyset page is one range read on (userId, createdAt, id) / (userId, updatedAt, id) at any depth (migration
 * 15): on MariaDB with FORCE INDEX and the cursor as `at < ? OR (at = ? AND id < ?)`, which its range optimiser turns
 * into one interval on all three key parts (a row-value comparison it does not: it reads every newer row, and without
 * the hint 10.11 picks `ref` on userId alone and does the same); on SQLite with INDEXED BY and the row value
 * `(at, id) < (?, ?)`, which it seeks on directly. test/tasks/list-keyset.test.ts checks both plans.
 */
import { QueryTypes } from 'sequelize';
import type { TaskStatus, TaskType } from '@aizhao/shared';
import type { Database } from '../../db/index.js';
import { fromJson, toDate, toDateOrNull } from '../../db/raw-values.js';
import type { TaskStage } from '../../db/models.js';

/** What a task view is made of: a raw row normalised, or a Task model (which has the same fields). */
export interface TaskViewSource {
  id: string;
  type: TaskType;
  status: TaskStatus;
  stage: TaskStage;
  inputKey: string;
  params: { scene?: string; category?: string };
  resultKeys: string[] | null;
  errorReason: string | null;
  vendorTaskId: string | null;
  resultsPurgedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = [
  'id',
  'type',
  'status',
  'stage',
  'inputKey',
  'params',
  'resultKeys',
  'errorReason',
  'vendorTaskId',
  'resultsPurgedAt',
  'createdAt',
  'updatedAt',
];

export const KEYSET_INDEX = { createdAt: 'idx_tasks_userId_createdAt_id', updatedAt: 'idx_tasks_userId_updatedAt_id' } as const;

type RawTask = Record<(typeof COLUMNS)[number], unknown>;


function normalise(r: RawTask): TaskViewSource {
  return {
    id: r.id as string,
    type: r.type as TaskType,
    status: r.status as TaskStatus,
    stage: r.stage as TaskStage,
    inputKey: r.inputKey as string,
    params: (fromJson(r.params) ?? {}) as TaskViewSource['params'],
    resultKeys: (fromJson(r.resultKeys) ?? null) as string[] | null,
    errorReason: (r.errorReason as string | null) ?? null,
    vendorTaskId: (r.vendorTaskId as string | null) ?? null,
    resultsPurgedAt: toDateOrNull(r.resultsPurgedAt),
    createdAt: toDate(r.createdAt),
    updatedAt: toDate(r.updatedAt),
  };
}

/**
 * A date as the SQL compares it: Sequelize's own text on SQLite (what the models write), and on MariaDB the
 * DATETIME(3) text with its milliseconds (Sequelize's MySQL escaping drops them, which would skip rows at a cursor).
 */
const sqlDate = (db: Database, d: Date): Date | string => (db.dialect === 'mysql' ? d.toISOString().slice(0, 23).replace('T', ' ') : d);

export interface KeysetQuery {
  userId: string;
  status?: TaskStatus;
  type?: TaskType;
  /** newest first by createdAt, or oldest change first by updatedAt after `updatedSince` */
  field: 'createdAt' | 'updatedAt';
  updatedSince?: Date;
  cursor?: { at: Date; id: string };
  limit: number;
}

/** The SQL of one keyset page and its replacements (exported for the EXPLAIN test). */
export function keysetSql(db: Database, q: KeysetQuery): { sql: string; replacements: Record<string, unknown> } {
  const mysql = db.dialect === 'mysql';
  const qi = (name: string): string => (mysql ? `\`${name}\`` : `"${name}"`);
  const at = qi(q.field);
  const desc = q.field === 'createdAt';
  const cmp = desc ? '<' : '>';
  const where = [`${qi('userId')} = :userId`];
  const replacements: Record<string, unknown> = { userId: q.userId, limit: q.limit };
  if (q.status) {
    where.push(`${qi('status')} = :status`);
    replacements.status = q.status;
  }
  if (q.type) {
    where.push(`${qi('type')} = :type`);
    replacements.type = q.type;
  }
  if (q.updatedSince) {
    where.push(`${at} > :since`);
    replacements.since = sqlDate(db, q.updatedSince);
  }
  if (q.cursor) {
    where.push(mysql ? `(${at} ${cmp} :at OR (${at} = :at AND ${qi('id')} ${cmp} :id))` : `(${at}, ${qi('id')}) ${cmp} (:at, :id)`);
    replacements.at = sqlDate(db, q.cursor.at);
    replacements.id = q.cursor.id;
  }
  const index = KEYSET_INDEX[q.field];
  const hint = mysql ? `FORCE INDEX (${qi(index)})` : `INDEXED BY ${qi(index)}`;
  const dir = desc ? 'DESC' : 'ASC';
  const sql =
    `SELECT ${COLUMNS.map(qi).join(', ')} FROM ${qi('tasks')} ${hint} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${at} ${dir}, ${qi('id')} ${dir} LIMIT :limit`;
  return { sql, replacements };
}

export async function keysetPage(db: Database, q: KeysetQuery): Promise<TaskViewSource[]> {
  const { sql, replacements } = keysetSql(db, q);
  const rows = await db.sequelize.query<RawTask>(sql, { type: QueryTypes.SELECT, replacements, raw: true });
  return rows.map(normalise);
}

/** The merchant's tasks among `ids`, newest first (one primary-key lookup each). */
export async function tasksByIds(
  db: Database,
  userId: string,
  ids: string[],
  filter: { status?: TaskStatus; type?: TaskType } = {},
): Promise<TaskViewSource[]> {
  const mysql = db.dialect === 'mysql';
  const qi = (name: string): string => (mysql ? `\`${name}\`` : `"${name}"`);
  const where = [`${qi('id')} IN (:ids)`, `${qi('userId')} = :userId`];
  if (filter.status) where.push(`${qi('status')} = :status`);
  if (filter.type) where.push(`${qi('type')} = :type`);
  const rows = await db.sequelize.query<RawTask>(
    `SELECT ${COLUMNS.map(qi).join(', ')} FROM ${qi('tasks')} WHERE ${where.join(' AND ')} ORDER BY ${qi('createdAt')} DESC, ${qi('id')} DESC`,
    { type: QueryTypes.SELECT, replacements: { ids, userId, ...filter }, raw: true },
  );
  return rows.map(normalise);
}

/** One of the merchant's tasks, or null. */
export async function taskById(db: Database, userId: string, id: string): Promise<TaskViewSource | null> {
  return (await tasksByIds(db, userId, [id]))[0] ?? null;
}

/** The merchant's task made for `clientRequestId` (POST /task/create's idempotency key) with its request hash, or null. */
export async function taskByClientRequestId(
  db: Database,
  userId: string,
  clientRequestId: string,
): Promise<(TaskViewSource & { requestHash: string | null }) | null> {
  const qi = (name: string): string => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
  const [row] = await db.sequelize.query<RawTask & { requestHash: unknown }>(
    `SELECT ${[...COLUMNS, 'requestHash'].map(qi).join(', ')} FROM ${qi('tasks')} ` +
      `WHERE ${qi('userId')} = :userId AND ${qi('clientRequestId')} = :clientRequestId LIMIT 1`,
    { type: QueryTypes.SELECT, replacements: { userId, clientRequestId }, raw: true },
  );
  return row ? { ...normalise(row), requestHash: (row.requestHash as string | null) ?? null } : null;
}
