/**
 * Prepared statements of one sqlite3 connection, kept for reuse by their SQL text.
 *
 * node-sqlite3's `Database#all` / `#run` prepare a new statement for every call (5.x–6.x lib/sqlite3.js
 * `normalizeMethod`): a prepare on the thread pool, then the step there, so two trips to the pool and back to the
 * event loop per statement; then `finalize()`, whose `sqlite3_finalize` runs on the main thread (src/statement.cc
 * `Statement::Finalize_`) and, the connection being opened SQLITE_OPEN_FULLMUTEX, waits for the connection's mutex
 * while another statement of that connection runs on the pool — a COMMIT's fsync included. Under load each trip waits
 * its turn on a busy event loop, and SQLite runs one writer at a time, so a transaction's trips are the ceiling of
 * the money paths on SQLite. A kept statement is one trip per call and is never finalized on the hot path.
 *
 * A kept statement is only ever run to completion: `all` steps it until SQLITE_DONE; `run` is used for statements
 * that return no rows (INSERT, UPDATE, DELETE, BEGIN, COMMIT, ROLLBACK), whose single step is SQLITE_DONE. A
 * statement that has returned SQLITE_DONE is no longer busy (sqlite.org/c3ref/stmt_busy.html) and holds no read
 * transaction open. One that failed is finalized and dropped (a new one is prepared next time), so nothing is kept
 * in an error state. node-sqlite3 runs the calls of one statement one after another (`Statement::Schedule` queues a
 * call while the statement is busy), binding each call's own parameters. sqlite3_close refuses a connection with
 * statements still prepared on it (SQLITE_BUSY; node-sqlite3 then emits an `error` event when `close()` was given no
 * callback, as Sequelize's releaseConnection gives none): the connection's `close` finalizes the kept statements first.
 */
import type sqlite3 from 'sqlite3';

/** How many statements are kept per connection (the least recently used is finalized beyond it). */
export const KEPT_STATEMENTS = 256;

export interface RunResult {
  lastID: number;
  changes: number;
}

/** A kept statement, and the calls queued on it that have not been answered (node-sqlite3 drops a failed prepare's queue). */
interface Kept {
  stmt: sqlite3.Statement;
  pending: Set<(err: Error) => void>;
  finalized: boolean;
}

export class SqliteStatements {
  private readonly kept = new Map<string, Kept>();

  constructor(
    private readonly conn: sqlite3.Database,
    private readonly max = KEPT_STATEMENTS,
  ) {
    const close = conn.close.bind(conn);
    conn.close = ((callback?: (err: Error | null) => void) => {
      void this.finalizeAll().then(() => close(callback));
      return conn;
    }) as sqlite3.Database['close'];
  }

  /** How many statements are kept (tests). */
  get size(): number {
    return this.kept.size;
  }

  all<T extends object>(sql: string, values: unknown[]): Promise<T[]> {
    return this.call(sql, (k, done) => k.stmt.all<T>(values, (err, rows) => done(err, rows)));
  }

  /** A statement that returns no rows; its last insert id and the rows it changed. */
  run(sql: string, values: unknown[]): Promise<RunResult> {
    return this.call(sql, (k, done) =>
      k.stmt.run(values, function (this: sqlite3.RunResult, err: Error | null) {
        done(err, { lastID: this.lastID, changes: this.changes });
      }),
    );
  }

  /** Finalizes every kept statement (the connection's close, before it closes). */
  private async finalizeAll(): Promise<void> {
    const all = [...this.kept.entries()];
    this.kept.clear();
    await Promise.all(all.map(([sql, k]) => new Promise<void>((resolve) => this.drop(sql, k, resolve))));
  }

  private call<T>(sql: string, send: (k: Kept, done: (err: Error | null, value: T) => void) => void): Promise<T> {
    const k = this.statement(sql);
    return new Promise<T>((resolve, reject) => {
      k.pending.add(reject);
      send(k, (err, value) => {
        k.pending.delete(reject);
        if (!err) return resolve(value);
        this.drop(sql, k);
        reject(err);
      });
    });
  }

  private statement(sql: string): Kept {
    const found = this.kept.get(sql);
    if (found) {
      // most recently used last: a Map keeps insertion order
      this.kept.delete(sql);
      this.kept.set(sql, found);
      return found;
    }
    const k: Kept = { stmt: null as unknown as sqlite3.Statement, pending: new Set(), finalized: false };
    // A failed prepare answers here only: node-sqlite3 then finalizes the statement and discards the calls queued on
    // it without calling them back (src/statement.cc Work_AfterPrepare, CleanQueue), so they are failed here.
    k.stmt = this.conn.prepare(sql, (err: Error | null) => {
      if (!err) return;
      if (this.kept.get(sql) === k) this.kept.delete(sql);
      k.finalized = true;
      for (const reject of k.pending) reject(err);
      k.pending.clear();
    });
    this.kept.set(sql, k);
    if (this.kept.size > this.max) {
      const [oldestSql, oldest] = this.kept.entries().next().value as [string, Kept];
      this.drop(oldestSql, oldest);
    }
    return k;
  }

  /** Forgets a statement and finalizes it once its queued calls are done (node-sqlite3 queues the finalize behind them). */
  private drop(sql: string, k: Kept, finalized?: () => void): void {
    if (this.kept.get(sql) === k) this.kept.delete(sql);
    if (k.finalized) return finalized?.();
    k.finalized = true;
    k.stmt.finalize(() => finalized?.());
  }
}
