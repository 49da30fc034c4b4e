/**
 * Plain statements beside the models, for the hot paths (the ledger, the grant, task rows): quoting, the row lock
 * and dates written byte for byte as the models write them, so rows written here read back the same through a model.
 */
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from './index.js';

/** An identifier quoted for the dialect. */
export const qi = (db: Database, name: string): string => (db.dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
/** `qi` bound to one database: `const q = quoter(db); q('userId')`. */
export const quoter =
  (db: Database) =>
  (name: string): string =>
    qi(db, name);

/** `FOR UPDATE` on MariaDB; nothing on SQLite, whose IMMEDIATE transactions hold the write lock (as Sequelize's `lock` does there). */
export const forUpdate = (db: Database): string => (db.dialect === 'mysql' ? ' FOR UPDATE' : '');

/**
 * A date as the models write a DATE(3) column: on MariaDB the DATETIME(3) text in UTC with its milliseconds
 * (Sequelize escapes a Date replacement without them: its plain DATE type has no length); on SQLite the Date itself,
 * which Sequelize escapes as its DATE text 'YYYY-MM-DD HH:mm:ss.SSS +00:00' — the same text a model writes there.
 */
export const sqlDate = (db: Database, d: Date): Date | string => (db.dialect === 'mysql' ? mysqlDateText(d) : d);
/** The DATETIME(3) text of a date in UTC, with its milliseconds. */
export const mysqlDateText = (d: Date): string => d.toISOString().slice(0, 23).replace('T', ' ');
export const sqlDateOrNull = (db: Database, d: Date | null): Date | string | null => (d ? sqlDate(db, d) : null);

/** A DATE column read raw: MariaDB answers a Date, SQLite the text above. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
export const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v));
/** A JSON column read raw: MariaDB keeps it as LONGTEXT, SQLite as TEXT. */
export const fromJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

type Replacements = Record<string, unknown>;

export async function selectRows<R extends object>(db: Database, sql: string, replacements: Replacements, t?: Transaction): Promise<R[]> {
  return db.sequelize.query<R>(sql, { type: QueryTypes.SELECT, replacements, transaction: t, raw: true });
}

/** Runs an INSERT; returns the auto-increment id (Sequelize answers [insertId, affectedRows] on both dialects). */
export async function insertRow(db: Database, sql: string, replacements: Replacements, t?: Transaction): Promise<number> {
  const [id] = (await db.sequelize.query(sql, { type: QueryTypes.INSERT, replacements, transaction: t })) as unknown as [number, number];
  return Number(id);
}

export async function updateRows(db: Database, sql: string, replacements: Replacements, t?: Transaction): Promise<void> {
  await db.sequelize.query(sql, { type: QueryTypes.UPDATE, replacements, transaction: t });
}
