/**
 * The admin lists stay fast with 100k rows: on MariaDB with 100k tasks, 30k orders and 10k users, every list query the
 * API runs (captured from Sequelize as sent) is EXPLAINed: it must use the intended index, never a full scan or a
 * filesort; the dashboard's queries must not scan whole tables either. Timing is logged, not asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/ids.js';
import { type TestServer } from '../support/server.js';
import { adminLogin, startAdminServer, type AdminClient } from './helpers.js';

const TASKS = 100_000;
const ORDERS = 30_000;
const USERS = 10_000;
const DAY = 86_400_000;

interface ExplainRow {
  table: string;
  type: string;
  key: string | null;
  Extra: string | null;
}

describe('admin list queries on MariaDB with 100k rows', () => {
  let s: TestServer;
  let admin: AdminClient;
  const userIds: string[] = [];
  let someCursor: string;

  async function insert(table: string, columns: string[], rows: unknown[][]): Promise<void> {
    for (let i = 0; i < rows.length; i += 5000) {
      const chunk = rows.slice(i, i + 5000);
      const values = chunk.map((r) => `(${r.map((v) => s.db.sequelize.escape(v as string)).join(',')})`).join(',');
      await s.db.sequelize.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${values}`);
    }
  }

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db: 'mysql', jobs: false }));
    admin = await adminLogin(s.url, password);
    const now = Date.now();
    const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const users: unknown[][] = [];
    for (let i = 0; i < USERS; i++) {
      const id = newId();
      userIds.push(id);
      const phone = `13${String(i).padStart(9, '0')}`;
      users.push([id, phone, phone.slice(-4), i % 3 === 0 ? 1 : 0, 10, stamp(now + 10 * DAY), stamp(now - (i % 60) * DAY), stamp(now)]);
    }
    await insert('users', ['id', 'phone', 'phoneLast4', 'isMember', 'quota_remaining', 'quota_expireAt', 'createdAt', 'updatedAt'], users);
    const orders: unknown[][] = [];
    for (let i = 0; i < ORDERS; i++) {
      const created = now - (i % 60) * DAY - i * 1000;
      const status = ['paid', 'paid', 'paid', 'closed', 'failed', 'pending'][i % 6]!;
      orders.push([newId(), userIds[i % USERS], status, 9900, 'wx', status === 'paid' ? `4200${i}` : null, stamp(created + 1800_000), status === 'paid' ? stamp(created + 60_000) : null, stamp(created), stamp(created)]);
    }
    await insert('orders', ['id', 'userId', 'status', 'amountFen', 'channel', 'transactionId', 'expiresAt', 'paidAt', 'createdAt', 'updatedAt'], orders);
    const tasks: unknown[][] = [];
    for (let i = 0; i < TASKS; i++) {
      const created = now - (i % 60) * DAY - i * 100;
      const status = i % 40 === 0 ? 'processing' : i % 20 === 0 ? 'failed' : 'done';
      tasks.push([newId(), userIds[i % USERS], i % 2 ? 'basic_clean' : 'model_pose12', status, status, `input/${userIds[i % USERS]}/x.jpg`, '{}', 1, stamp(created), stamp(created)]);
    }
    await insert('tasks', ['id', 'userId', 'type', 'status', 'stage', 'inputKey', 'params', 'cost', 'createdAt', 'updatedAt'], tasks);
    await s.db.sequelize.query('ANALYZE TABLE users, orders, tasks');
    someCursor = (await admin.get('/tasks?limit=50')).body.nextCursor;
  });
  afterAll(async () => {
    await s?.destroy();
  });

  /** Runs the request with Sequelize's logging captured; returns the SELECTs it sent. */
  async function selectsOf(path: string): Promise<{ sql: string; ms: number }> {
    const captured: string[] = [];
    const options = (s.db.sequelize as unknown as { options: { logging: unknown } }).options;
    options.logging = (sql: string) => captured.push(sql.replace(/^Executing \([^)]*\): /, ''));
    const t0 = performance.now();
    const r = await admin.get(path);
    const ms = performance.now() - t0;
    options.logging = false;
    expect([path, r.status]).toEqual([path, 200]);
    const selects = captured.filter((q) => q.startsWith('SELECT') && !/FROM `admin_sessions`|FROM `admins`/.test(q));
    return { sql: selects.join('\n;;\n'), ms };
  }

  async function explain(sql: string): Promise<ExplainRow[]> {
    const out: ExplainRow[] = [];
    for (const q of sql.split('\n;;\n')) out.push(...((await s.db.sequelize.query(`EXPLAIN ${q}`, { type: 'SELECT' as never })) as unknown as ExplainRow[]));
    return out;
  }

  it.each([
    ['/tasks', 'Task', ['idx_tasks_createdAt']],
    ['/tasks?status=processing', 'Task', ['idx_tasks_status_createdAt']],
    ['/tasks?status=failed&type=basic_clean', 'Task', ['idx_tasks_status_createdAt', 'idx_tasks_type_createdAt']],
    ['/tasks?type=model_pose12', 'Task', ['idx_tasks_type_createdAt']],
    ['USER_TASKS', 'Task', ['idx_tasks_userId_createdAt_id']],
    ['CURSOR_TASKS', 'Task', ['idx_tasks_createdAt']],
    ['/orders', 'Order', ['idx_orders_createdAt']],
    ['/orders?status=pending', 'Order', ['idx_orders_status_createdAt']],
    ['/users', 'User', ['idx_users_createdAt']],
    ['/users?phone=0042', 'User', ['idx_users_phoneLast4_createdAt']],
    ['/users?phone=13000000042', 'User', ['phone']],
  ] as const)('%s uses %s.%s without a scan or a filesort', async (pathIn, table, keys) => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const path =
      pathIn === 'USER_TASKS' ? `/tasks?userId=${userIds[7]}` : pathIn === 'CURSOR_TASKS' ? `/tasks?from=${today}&cursor=${someCursor}` : pathIn;
    const { sql, ms } = await selectsOf(path);
    const rows = (await explain(sql)).filter((r) => r.table === table);
    expect(rows.length).toBeGreaterThan(0);
    const main = rows[0]!;
    expect([path, main.type]).not.toEqual([path, 'ALL']);
    expect(keys).toContain(main.key);
    expect([path, main.Extra ?? '']).not.toEqual([path, expect.stringMatching(/filesort/)]);
    console.warn(`${path}: ${main.key} (${main.type}; ${main.Extra ?? ''}) ${ms.toFixed(1)} ms`);
  });

  it('the dashboard scans no whole table', async () => {
    const { sql, ms } = await selectsOf('/dashboard');
    const rows = await explain(sql);
    expect(rows.length).toBeGreaterThanOrEqual(7);
    // A list of more than in_predicate_conversion_threshold (1000) values in `IN (…)` is read by MariaDB as a table of
    // those values (mariadb.com/kb/en/conversion-of-big-in-predicates-into-subqueries): its plan has a `<subqueryN>` /
    // `<derivedN>` row, the values themselves, which is no table of ours. How many paid merchants this month's
    // new-member count lists depends on the day of the month; every base table must still be read by an index.
    const baseTables = rows.filter((r) => !/^<(subquery|derived)\d+>$/.test(r.table));
    expect(baseTables.length).toBeGreaterThanOrEqual(7);
    for (const r of baseTables) expect([r.table, r.type]).not.toEqual([r.table, 'ALL']);
    console.warn(`dashboard: ${rows.map((r) => `${r.table}:${r.key}`).join(', ')} ${ms.toFixed(1)} ms`);
  });
});
