/**
 * The database: one Sequelize instance on MySQL/MariaDB (DATABASE_URL) or an SQLite file in DATA_DIR (the embedded
 * default). `transaction()` is the only way money paths touch it: whole-transaction retry on deadlock / lock wait
 * timeout / SQLite busy (at most 3 retries), IMMEDIATE transactions on SQLite, serialised within the process.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { format as formatMysql } from 'mysql2';
import { DatabaseError, Sequelize, Transaction, UniqueConstraintError, type Options } from 'sequelize';
import type sqlite3 from 'sqlite3';
import { SqliteStatements } from './sqlite-statements.js';
import { createMigrator } from './migrator.js';
import { mysqlDateText } from './sql.js';
import { initModels, type Models } from './models.js';

export type Dialect = 'mysql' | 'sqlite';
export type StatementKind = 'select' | 'write';
export interface StatementResult {
  rows: object[];
  /** the auto-increment id an INSERT gave (0 otherwise) */
  insertId: number;
  affectedRows: number;
}

export interface Database {
  sequelize: Sequelize;
  models: Models;
  dialect: Dialect;
  transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T>;
  /**
   * A plain SELECT of the hot reads on a pooled connection of the driver, `?` placeholders bound to `params` (a Date as the models store it), rows as the
   * driver gives them (a DATETIME is a Date on MariaDB, Sequelize's text on SQLite). Outside any transaction.
   */
  select<T extends object>(sql: string, params: readonly unknown[]): Promise<T[]>;
  /** A value as `select` binds it (a Date in the text the models write on SQLite); for EXPLAIN and the benchmark. */
  sqlValue(v: unknown): unknown;
  /**
   * A plain statement of a money path on the transaction's own connection (mysql2 / sqlite3), `?` placeholders bound
   * to `params` as `select` binds them; errors as Sequelize's (UniqueConstraintError, DatabaseError with the driver's
   * error as `parent`), so that the transaction's retry and the callers' checks read them alike.
   */
  statement(t: Transaction, kind: StatementKind, sql: string, params: readonly unknown[], replacements?: object): Promise<StatementResult>;
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * 1213 deadlock, 1205 lock wait timeout, 1020 ER_CHECKREAD "Record has changed since last read" — what MariaDB
 * answers with innodb_snapshot_isolation=ON (the default from 11.8 LTS) when a row read earlier in the transaction
 * was changed by another one before this one locked it. All three abort the statement (1213 the whole transaction);
 * the only safe answer is to run the whole transaction again.
 */
const RETRYABLE_MYSQL = new Set([1213, 1205, 1020]);
export function isRetryableDbError(err: unknown): boolean {
  const e = err as { parent?: { errno?: number; code?: string }; original?: { errno?: number; code?: string } };
  const inner = e?.parent ?? e?.original;
  if (!inner) return false;
  if (inner.errno !== undefined && RETRYABLE_MYSQL.has(inner.errno)) return true;
  return inner.code === 'SQLITE_BUSY';
}

/** Sequelize's errors for a connection that could not be had: nothing of the statement or transaction ran. */
const NOT_CONNECTED = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionAcquireTimeoutError',
  'SequelizeConnectionTimedOutError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
]);
/** A connection lost under a statement (server shut down or restarted, network cut): 1053 ER_SERVER_SHUTDOWN, 1927 ER_CONNECTION_KILLED. */
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);
const LOST_ERRNOS = new Set([1053, 1927, 2006, 2013]);

/** The database cannot be reached right now (no connection, or the connection went away). */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { name?: string; parent?: { errno?: number; code?: string }; original?: { errno?: number; code?: string } } | null;
  if (!e) return false;
  if (e.name && NOT_CONNECTED.has(e.name)) return true;
  const inner = e.parent ?? e.original;
  return Boolean(inner && ((inner.code && LOST_CODES.has(inner.code)) || (inner.errno !== undefined && LOST_ERRNOS.has(inner.errno))));
}
const isNotConnected = (err: unknown): boolean => NOT_CONNECTED.has((err as { name?: string } | null)?.name ?? '');

/** How often a call waiting for the database tries again while it is unreachable. */
export const RECONNECT_STEP_MS = 500;

/** A driver's error as Sequelize reports it (its query classes map ER_DUP_ENTRY and SQLite's UNIQUE failure alike). */
function asSequelizeError(driverError: Error & { errno?: number; code?: string; sql?: string }, sql: string): Error {
  const err = Object.assign(driverError, { sql: driverError.sql ?? sql, parameters: {} });
  if (err.errno === 1062 || (err.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(err.message))) {
    return new UniqueConstraintError({ message: err.message, parent: err, original: err });
  }
  return new DatabaseError(err);
}

/** Sequelize's retry of SQLite statements (the `retry` option below): BEGIN IMMEDIATE keeps it. */
const SQLITE_BEGIN_RETRIES = 20;
const SQLITE_BUSY_BACKOFF_MS = 20;
const SQLITE_BUSY_BACKOFF_EXPONENT = 1.1;

/** The part of Sequelize's query interface that starts and ends transactions (dialects/abstract/query-interface.js). */
type TransactionMethod = (t: Transaction & { parent?: Transaction }, options: object) => Promise<unknown>;
interface TransactionControl {
  queryGenerator: {
    startTransactionQuery(t: Transaction): string;
    commitTransactionQuery(t: Transaction): string;
    rollbackTransactionQuery(t: Transaction): string;
  };
  startTransaction: TransactionMethod;
  commitTransaction: TransactionMethod;
  rollbackTransaction: TransactionMethod;
}

interface Mysql2Connection {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): void;
}
const mysqlQuery = (connection: Mysql2Connection, sql: string, values: unknown[]): Promise<unknown> =>
  new Promise((resolve, reject) => connection.query(sql, values, (err, result) => (err ? reject(asSequelizeError(err, sql)) : resolve(result))));

/** Sequelize's pool of connections (dialects/abstract/connection-manager.js). */
interface PooledConnections {
  getConnection(o: { type: string }): Promise<object>;
  releaseConnection(c: object): void;
}

export function isUniqueViolation(err: unknown): boolean {
  return (err as { name?: string })?.name === 'SequelizeUniqueConstraintError';
}

interface SqliteConnectionManager {
  getConnection(o?: { uuid?: string; type?: string }): Promise<object>;
  releaseConnection(c: object, force?: boolean): unknown;
  destroyConnection?(c: object): Promise<unknown>;
}

/**
 * Sequelize's SQLite dialect opens a new connection for every transaction (a file open and schema load, then a close
 * at its end: most of a short transaction's time). Our transactions run one at a time in this process (`serialise`
 * in createDatabase), so they all use one connection kept open instead; plain statements keep the default one.
 */
function shareSqliteTransactionConnection(sequelize: Sequelize): void {
  const cm = sequelize.connectionManager as unknown as SqliteConnectionManager;
  const get = cm.getConnection.bind(cm);
  const release = cm.releaseConnection.bind(cm);
  let shared: Promise<object> | null = null;
  cm.getConnection = (o = {}) => {
    if (!o.uuid || o.uuid === 'default') return get(o);
    shared ??= get({ ...o, uuid: 'transactions' }).catch((err: unknown) => {
      shared = null;
      throw err;
    });
    return shared;
  };
  cm.releaseConnection = async (c, force) => {
    if (shared && c === (await shared) && !force) return;
    return release(c, force);
  };
}

export interface DatabaseOptions {
  url: string | null;
  dataDir: string;
  poolMin?: number;
  poolMax?: number;
  logging?: (sql: string) => void;
  /** statements run on every new MariaDB connection (tests: `SET SESSION innodb_snapshot_isolation = ON`) */
  sessionSql?: string[];
  /**
   * How long a call waits for an unreachable MariaDB (restarting, failing over) before it fails, ms; default 10 s.
   * A statement outside a transaction is sent again only when no connection could be had (so it never ran);
   * a transaction is run again whole when it failed for want of a connection before its COMMIT was sent.
   */
  reconnectWindowMs?: number;
}

export function createDatabase(opts: DatabaseOptions): Database {
  const common: Options = { logging: opts.logging ?? false, define: { freezeTableName: true } };
  let sequelize: Sequelize;
  let dialect: Dialect;
  const reconnectWindowMs = opts.reconnectWindowMs ?? 10_000;
  const reconnectTries = Math.max(1, Math.ceil(reconnectWindowMs / RECONNECT_STEP_MS) + 1);
  if (opts.url) {
    dialect = 'mysql';
    sequelize = new Sequelize(opts.url.replace(/^mariadb:/, 'mysql:'), {
      ...common,
      dialect: 'mysql',
      timezone: '+00:00',
      pool: { min: opts.poolMin ?? 5, max: opts.poolMax ?? 20, acquire: 30_000, idle: 10_000 },
      // typeCast: true replaces Sequelize's own typeCast function (dialects/mysql/connection-manager.js _typecast:
      // connectionConfig spreads dialectOptions over it), which makes mysql2 call a function with a wrapper object for
      // every field of every row only to parse DATETIME through moment-timezone's zone lookup and the Date-from-string
      // constructor. For the types our models use (DATETIME, no DATEONLY/GEOMETRY) mysql2's own generated parser gives
      // the same values, read from the digits with the connection's '+00:00' (test/db/type-cast.test.ts compares both).
      dialectOptions: { dateStrings: false, supportBigNumbers: true, bigNumberStrings: false, typeCast: true },
      // Sequelize retries the whole query function, connection acquisition included (sequelize.js query())
      retry: {
        max: reconnectTries,
        match: [(err: unknown) => isNotConnected(err)],
        backoffBase: RECONNECT_STEP_MS,
        backoffExponent: 1,
        backoffJitter: RECONNECT_STEP_MS / 4,
      },
    });
    // MariaDB (10.6+) has `FOR UPDATE SKIP LOCKED`, which the job claims rely on, but Sequelize's mysql dialect does
    // not declare it and silently drops `skipLocked` (a plain FOR UPDATE then waits on, and deadlocks with, the
    // transactions that hold a candidate row).
    (sequelize as unknown as { dialect: { supports: { skipLocked: boolean } } }).dialect.supports.skipLocked = true;
  } else {
    dialect = 'sqlite';
    mkdirSync(opts.dataDir, { recursive: true });
    sequelize = new Sequelize({
      ...common,
      dialect: 'sqlite',
      storage: join(opts.dataDir, 'aizhao.sqlite'),
      retry: { max: SQLITE_BEGIN_RETRIES, match: [/SQLITE_BUSY/], backoffBase: SQLITE_BUSY_BACKOFF_MS, backoffExponent: SQLITE_BUSY_BACKOFF_EXPONENT },
    });
  }
  if (dialect === 'sqlite') shareSqliteTransactionConnection(sequelize);
  const models = initModels(sequelize);
  if (dialect === 'mysql' && opts.sessionSql?.length) {
    const statements = opts.sessionSql;
    sequelize.addHook('afterConnect', async (connection: unknown) => {
      const c = connection as { query(sql: string, cb: (err: Error | null) => void): void };
      for (const sql of statements) await new Promise<void>((resolve, reject) => c.query(sql, (err) => (err ? reject(err) : resolve())));
    });
  }

  // SQLite allows one writer: serialise our transactions within the process (other processes wait on the lock).
  let sqliteChain: Promise<unknown> = Promise.resolve();
  const serialise = <T>(fn: () => Promise<T>): Promise<T> => {
    if (dialect !== 'sqlite') return fn();
    const run = sqliteChain.then(fn, fn);
    sqliteChain = run.catch(() => undefined);
    return run;
  };

  async function transaction<T>(fn: (t: Transaction) => Promise<T>): Promise<T> {
    const maxRetries = 3;
    const waitUntil = Date.now() + reconnectWindowMs;
    for (let attempt = 0; ;) {
      // a connection lost after the callback finished may have lost the COMMIT's answer only: never run it twice
      let committing = false;
      try {
        return await serialise(() =>
          sequelize.transaction(dialect === 'sqlite' ? { type: Transaction.TYPES.IMMEDIATE } : {}, async (t) => {
            const result = await fn(t);
            committing = true;
            return result;
          }),
        );
      } catch (err) {
        if (dialect === 'mysql' && !committing && isDbUnavailable(err) && Date.now() < waitUntil) {
          await sleep(RECONNECT_STEP_MS * (0.75 + Math.random() / 2));
          continue;
        }
        if (attempt >= maxRetries || !isRetryableDbError(err)) throw err;
        await sleep(10 * 2 ** attempt + Math.random() * 20);
        attempt++;
      }
    }
  }

  const internals = sequelize as unknown as {
    options: { logging?: false | ((sql: string) => void) };
    runHooks(name: 'beforeQuery', options: object, query: null): Promise<void>;
  };
  // MariaDB: a pooled connection of Sequelize's, and the statement sent on it by mysql2 (mysql2 escapes the `?`
  // values client-side, as Sequelize's replacements were); sent again only when no connection could be had (the
  // `retry` above, which Sequelize's query() applied to the same errors).
  const pool = sequelize.connectionManager as unknown as PooledConnections;
  async function mysqlSelect<T extends object>(sql: string, values: unknown[]): Promise<T[]> {
    const { logging } = internals.options;
    if (typeof logging === 'function') logging(`Executing (default): ${formatMysql(sql, values as Parameters<typeof formatMysql>[1])}`);
    for (let attempt = 1; ; attempt++) {
      let connection: Mysql2Connection;
      try {
        connection = (await pool.getConnection({ type: 'SELECT' })) as Mysql2Connection;
      } catch (err) {
        if (attempt >= reconnectTries || !isNotConnected(err)) throw err;
        await sleep(RECONNECT_STEP_MS * (0.75 + Math.random() / 2));
        continue;
      }
      try {
        return (await mysqlQuery(connection, sql, values)) as T[];
      } finally {
        pool.releaseConnection(connection);
      }
    }
  }

  // SQLite: the statement goes to Sequelize's own connection for plain statements, but not through its query wrapper,
  // which runs `PRAGMA table_info` before a SELECT of a backquoted table and reads `new Error().stack` for every
  // statement (dialects/sqlite/query.js) — under production's --enable-source-maps a source-mapped stack trace per query.
  // Each connection's statements are prepared once and kept (sqlite-statements.ts: one trip to the thread pool per
  // statement instead of two, no finalize on the main thread); driver errors read as Sequelize's.
  const kept = new WeakMap<sqlite3.Database, SqliteStatements>();
  const keptOn = (conn: sqlite3.Database): SqliteStatements => {
    let k = kept.get(conn);
    if (!k) kept.set(conn, (k = new SqliteStatements(conn)));
    return k;
  };
  const asSequelize = (sql: string) => (err: unknown): never => {
    throw asSequelizeError(err as Error, sql);
  };
  const sqliteAll = (conn: sqlite3.Database, sql: string, values: unknown[]): Promise<object[]> =>
    keptOn(conn).all(sql, values).catch(asSequelize(sql));
  const sqliteRun = (conn: sqlite3.Database, sql: string, values: unknown[]) => keptOn(conn).run(sql, values).catch(asSequelize(sql));
  const sqliteValue = (v: unknown): unknown => (v instanceof Date ? (sequelize.escape(v) as string).slice(1, -1) : v);
  const sqlValue = (v: unknown): unknown => (v instanceof Date ? (dialect === 'mysql' ? mysqlDateText(v) : sqliteValue(v)) : v);
  async function select<T extends object>(sql: string, params: readonly unknown[]): Promise<T[]> {
    if (dialect === 'mysql') return mysqlSelect<T>(sql, params.map(sqlValue));
    const conn = (await (sequelize.connectionManager as unknown as SqliteConnectionManager).getConnection({ uuid: 'default' })) as sqlite3.Database;
    return (await sqliteAll(conn, sql, params.map(sqliteValue))) as T[];
  }

  // Sequelize's query() costs more CPU than a short statement itself on the money paths (options cloned, the SQL
  // formatted by its own escaper, retry and hook wrappers, a query object and `new Error()` per statement, on SQLite
  // a source-mapped stack): their statements go to the transaction's connection, which Sequelize opened, and whose
  // BEGIN, COMMIT and ROLLBACK it still sends. Its `logging` and `beforeQuery` hooks are honoured (tests use both).
  async function statement(t: Transaction, kind: StatementKind, sql: string, params: readonly unknown[], replacements?: object): Promise<StatementResult> {
    const connection = (t as unknown as { connection?: unknown }).connection;
    if (!connection) throw new Error('statement() outside a started transaction');
    const { logging } = internals.options;
    if (typeof logging === 'function') logging(`Executing (${(t as unknown as { id: string }).id}): ${sql} ${JSON.stringify(params)}`);
    if (sequelize.hasHook('beforeQuery')) await internals.runHooks('beforeQuery', { transaction: t, replacements }, null);
    const values = params.map(sqlValue);
    if (dialect === 'mysql') {
      const result = await mysqlQuery(connection as Mysql2Connection, sql, values);
      if (Array.isArray(result)) return { rows: result as object[], insertId: 0, affectedRows: 0 };
      const header = result as { insertId: number; affectedRows: number };
      return { rows: [], insertId: Number(header.insertId), affectedRows: header.affectedRows };
    }
    const conn = connection as sqlite3.Database;
    if (kind === 'select') return { rows: await sqliteAll(conn, sql, values), insertId: 0, affectedRows: 0 };
    const r = await sqliteRun(conn, sql, values);
    return { rows: [], insertId: r.lastID, affectedRows: r.changes };
  }

  // BEGIN, COMMIT and ROLLBACK of a transaction go the same way (Sequelize's Transaction still decides when, and
  // keeps its bookkeeping: `finished` is set as its query interface sets it). Savepoints stay with Sequelize.
  const queryInterface = sequelize.getQueryInterface() as unknown as TransactionControl;
  const generator = queryInterface.queryGenerator;
  const { startTransaction, commitTransaction, rollbackTransaction } = queryInterface;
  queryInterface.startTransaction = async (t, o) => {
    if (t.parent) return startTransaction.call(queryInterface, t, o);
    // SQLite answers BUSY to BEGIN IMMEDIATE while another connection writes: retried as Sequelize's `retry` did
    for (let attempt = 0; ; attempt++) {
      try {
        return await statement(t, 'write', generator.startTransactionQuery(t), []);
      } catch (err) {
        if (dialect !== 'sqlite' || attempt >= SQLITE_BEGIN_RETRIES || !isRetryableDbError(err)) throw err;
        await sleep(SQLITE_BUSY_BACKOFF_MS * SQLITE_BUSY_BACKOFF_EXPONENT ** attempt);
      }
    }
  };
  const finish = (sql: (t: Transaction) => string, state: 'commit' | 'rollback'): TransactionMethod => async (t, o) => {
    if (t.parent) return (state === 'commit' ? commitTransaction : rollbackTransaction).call(queryInterface, t, o);
    const done = statement(t, 'write', sql.call(generator, t), []);
    (t as unknown as { finished: string }).finished = state;
    return done;
  };
  queryInterface.commitTransaction = finish(generator.commitTransactionQuery, 'commit');
  queryInterface.rollbackTransaction = finish(generator.rollbackTransactionQuery, 'rollback');

  return {
    sequelize,
    models,
    dialect,
    transaction,
    select,
    sqlValue,
    statement,
    async migrate() {
      if (dialect === 'sqlite') await sequelize.query('PRAGMA journal_mode=WAL');
      await createMigrator(sequelize).up();
    },
    async ping() {
      try {
        // answers at once while the database is down (no reconnect wait)
        await sequelize.query('SELECT 1', { retry: { max: 1 } });
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      // idempotent: a second close (or one after a failed connection) is a no-op
      await sequelize.close().catch((err: unknown) => {
        if (!/closed|not open/i.test(String((err as Error)?.message))) throw err;
      });
    },
  };
}
