/**
 * Plain statements beside the models, for the hot paths (the ledger, the grant, task rows): quoting, the row lock
 * and dates written byte for byte as the models write them, so rows written here read back the same through a model.
 */
import type { Transaction } from 'sequelize';
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

/** A statement with `:name` replacements as `?` placeholders and the names in their order (quoted text is skipped). */
interface Positional {
  sql: string;
  names: string[];
}
const positional = new Map<string, Positional>();
/** The statements are a handful of fixed texts (saveUser's SET lists are combinations of three columns). */
const POSITIONAL_CACHE_MAX = 500;
function toPositional(sql: string): Positional {
  let p = positional.get(sql);
  if (!p) {
    const names: string[] = [];
    const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|:([A-Za-z_]\w*)/g, (m, name: string | undefined) => {
      if (!name) return m;
      names.push(name);
      return '?';
    });
    p = { sql: text, names };
    if (positional.size < POSITIONAL_CACHE_MAX) positional.set(sql, p);
  }
  return p;
}

function bind(sql: string, replacements: Replacements): { sql: string; params: unknown[] } {
  const p = toPositional(sql);
  return {
    sql: p.sql,
    params: p.names.map((n) => {
      if (!(n in replacements)) throw new Error(`no value for :${n}`);
      return replacements[n];
    }),
  };
}

/** A SELECT; in a transaction on its own connection (db.statement), outside one through db.select. */
export async function selectRows<R extends object>(db: Database, sql: string, replacements: Replacements, t?: Transaction): Promise<R[]> {
  const b = bind(sql, replacements);
  if (!t) return db.select<R>(b.sql, b.params);
  return (await db.statement(t, 'select', b.sql, b.params, replacements)).rows as R[];
}

/** Runs an INSERT in a transaction; returns the auto-increment id. */
export async function insertRow(db: Database, sql: string, replacements: Replacements, t: Transaction): Promise<number> {
  const b = bind(sql, replacements);
  return (await db.statement(t, 'write', b.sql, b.params, replacements)).insertId;
}

/** Runs an UPDATE in a transaction; returns the number of rows it changed. */
export async function updateRows(db: Database, sql: string, replacements: Replacements, t: Transaction): Promise<number> {
  const b = bind(sql, replacements);
  return (await db.statement(t, 'write', b.sql, b.params, replacements)).affectedRows;
}
