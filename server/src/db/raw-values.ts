/** Column values of raw rows (plain SQL through `sequelize.query`, no model), as each dialect answers them. */

/** MariaDB answers DATETIME as a Date, SQLite as Sequelize's 'YYYY-MM-DD HH:mm:ss.SSS +00:00' text. */
export const toDate = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
/** A nullable DATETIME. */
export const toDateOrNull = (v: unknown): Date | null => (v === null || v === undefined ? null : toDate(v));
/** JSON columns: MariaDB keeps them as LONGTEXT, SQLite as TEXT. */
export const fromJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
