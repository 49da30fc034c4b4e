/**
 * The merchant's task reads as plain SQL rows (no Sequelize model per row: the hot reads of GET /tasks and ?ids=).
 *
 * The keyset page is one range read on (userId, createdAt, id) / (userId, updatedAt, id) at any depth (migration
 * 15): on MariaDB with FORCE INDEX and the cursor as `at < ? OR (at = ? AND id < ?)`, which its range optimiser turns
 * into one interval on all three key parts (a row-value comparison it does not: it reads every newer row, and without
 * the hint 10.11 picks `ref` on userId alone and does the same); on SQLite with INDEXED BY and the row value
 * `(at, id) < (?, ?)`, which it seeks on directly. test/tasks/list-keyset.test.ts checks both plans.
 */
import type { TaskStatus, TaskType } from '@aizhao/shared';
import type { Database } from '../../db/index.js';
import type { TaskStage } from '../../db/models.js';
import { fromJson, quoter, toDate, toDateOrNull } from '../../db/sql.js';

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


/** The list's optional status and type conditions, added to `where` and `params`. */
function addFilter(qi: (name: string) => string, f: { status?: TaskStatus; type?: TaskType }, where: string[], params: unknown[]): void {
  for (const column of ['status', 'type'] as const) {
    if (!f[column]) continue;
    where.push(`${qi(column)} = ?`);
    params.push(f[column]);
  }
}

/** The SQL of one keyset page and its parameters (exported for the EXPLAIN test and the benchmark). */
export function keysetSql(db: Database, q: KeysetQuery): { sql: string; params: unknown[] } {
  const mysql = db.dialect === 'mysql';
  const qi = quoter(db);
  const at = qi(q.field);
  const desc = q.field === 'createdAt';
  const cmp = desc ? '<' : '>';
  const where = [`${qi('userId')} = ?`];
  const params: unknown[] = [q.userId];
  addFilter(qi, q, where, params);
  if (q.updatedSince) {
    where.push(`${at} > ?`);
    params.push(q.updatedSince);
  }
  if (q.cursor) {
    if (mysql) {
      where.push(`(${at} ${cmp} ? OR (${at} = ? AND ${qi('id')} ${cmp} ?))`);
      params.push(q.cursor.at, q.cursor.at, q.cursor.id);
    } else {
      where.push(`(${at}, ${qi('id')}) ${cmp} (?, ?)`);
      params.push(q.cursor.at, q.cursor.id);
    }
  }
  const index = KEYSET_INDEX[q.field];
  const hint = mysql ? `FORCE INDEX (${qi(index)})` : `INDEXED BY ${qi(index)}`;
  const dir = desc ? 'DESC' : 'ASC';
  params.push(q.limit);
  const sql =
    `SELECT ${COLUMNS.map(qi).join(', ')} FROM ${qi('tasks')} ${hint} WHERE ${where.join(' AND ')} ` +
    `ORDER BY ${at} ${dir}, ${qi('id')} ${dir} LIMIT ?`;
  return { sql, params };
}

/** `sql` with its parameters written in, as the database receives it (EXPLAIN, the benchmark's bare SQL). */
export function inlined(db: Database, sql: string, params: readonly unknown[]): string {
  let i = 0;
  return sql.replace(/\?/g, () => db.sequelize.escape(db.sqlValue(params[i++]) as string));
}

export async function keysetPage(db: Database, q: KeysetQuery): Promise<TaskViewSource[]> {
  const { sql, params } = keysetSql(db, q);
  return (await db.select<RawTask>(sql, params)).map(normalise);
}

/** The merchant's tasks among `ids`, newest first (one primary-key lookup each). */
export async function tasksByIds(
  db: Database,
  userId: string,
  ids: string[],
  filter: { status?: TaskStatus; type?: TaskType } = {},
): Promise<TaskViewSource[]> {
  const qi = quoter(db);
  const where = [`${qi('id')} IN (${ids.map(() => '?').join(', ')})`, `${qi('userId')} = ?`];
  const params: unknown[] = [...ids, userId];
  addFilter(qi, filter, where, params);
  const rows = await db.select<RawTask>(
    `SELECT ${COLUMNS.map(qi).join(', ')} FROM ${qi('tasks')} WHERE ${where.join(' AND ')} ORDER BY ${qi('createdAt')} DESC, ${qi('id')} DESC`,
    params,
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
  const qi = quoter(db);
  const [row] = await db.select<RawTask & { requestHash: unknown }>(
    `SELECT ${[...COLUMNS, 'requestHash'].map(qi).join(', ')} FROM ${qi('tasks')} ` +
      `WHERE ${qi('userId')} = ? AND ${qi('clientRequestId')} = ? LIMIT 1`,
    [userId, clientRequestId],
  );
  return row ? { ...normalise(row), requestHash: (row.requestHash as string | null) ?? null } : null;
}
