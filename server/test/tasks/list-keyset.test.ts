/**
 * GET /tasks deep in a merchant's history: with 100 000 tasks, the page at row 90 000 is one range read of about
 * `limit` rows on the keyset index, on MariaDB (ANALYZE: rows actually read) and SQLite (the plan seeks on the row
 * value and sorts nothing). The pages themselves are checked over HTTP against the rows in order, ties included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListTasksResponse } from '@aizhao/shared';
import { inlined, keysetSql, KEYSET_INDEX, type KeysetQuery } from '../../src/modules/tasks/rows.js';
import { call, loginAsMember } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** the merchant's 100 000 and another merchant's 10 000, interleaved */
const TASKS = 110_000;
const DEEP = 90_000;
const LIMIT = 20;
const T0 = Date.UTC(2026, 0, 1);

describe.each(['sqlite', 'mysql'] as const)('task list keyset on %s with 100 000 tasks', (db) => {
  let s: TestServer;
  let token: string;
  let userId: string;
  /** the merchant's task ids newest first, as (createdAt DESC, id DESC) orders them */
  const order: { id: string; at: number }[] = [];

  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false });
    ({ token, userId } = await loginAsMember(s.url));
    const other = await loginAsMember(s.url);
    const sq = s.db.sequelize;
    // Sequelize's own text form of a date on SQLite (what the model writes), DATETIME(3) text on MariaDB
    const stamp = (ms: number) =>
      db === 'sqlite' ? sq.escape(new Date(ms)) : `'${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}'`;
    const q = (n: string) => (db === 'sqlite' ? `"${n}"` : `\`${n}\``);
    const cols = ['id', 'userId', 'type', 'status', 'stage', 'inputKey', 'params', 'resultKeys', 'cost', 'createdAt', 'updatedAt']
      .map(q)
      .join(',');
    for (let b = 0; b < TASKS; b += 5000) {
      const values: string[] = [];
      for (let n = b; n < b + 5000; n++) {
        // every 4 tasks share one millisecond (of a second's varying milliseconds), so pages cut through ties; one in
        // eleven belongs to another merchant
        const at = T0 + Math.floor(n / 4) * 1037;
        const id = `T${String(n).padStart(25, '0')}`;
        const owner = n % 11 === 10 ? other.userId : userId;
        if (owner === userId) order.push({ id, at });
        values.push(`('${id}','${owner}','basic_clean','done','done','input/${owner}/a.jpg','{}','[]',1,${stamp(at)},${stamp(at)})`);
      }
      await sq.query(`INSERT INTO ${q('tasks')} (${cols}) VALUES ${values.join(',')}`);
    }
    order.sort((x, y) => y.at - x.at || (x.id < y.id ? 1 : -1));
    expect(order).toHaveLength(100_000);
    await sq.query(db === 'mysql' ? 'ANALYZE TABLE tasks' : 'ANALYZE');
  }, 240_000);
  afterAll(async () => {
    await s?.destroy();
  });

  const cursorAt = (row: number): string => {
    const r = order[row - 1]!;
    return Buffer.from(JSON.stringify([new Date(r.at).toISOString(), r.id])).toString('base64url');
  };

  it('the page after row 90 000 is the next `limit` tasks in order (ties at one instant included), and so is the one after', async () => {
    let cursor = cursorAt(DEEP);
    for (let page = 0; page < 2; page++) {
      const r = await call<ListTasksResponse>(s.url, 'GET', `/tasks?limit=${LIMIT}&cursor=${cursor}`, { token });
      expect(r.status).toBe(200);
      const from = DEEP + page * LIMIT;
      expect(r.body.items.map((t) => t.id)).toEqual(order.slice(from, from + LIMIT).map((o) => o.id));
      cursor = r.body.nextCursor!;
    }
    const last = await call<ListTasksResponse>(s.url, 'GET', `/tasks?limit=${LIMIT}&cursor=${cursorAt(order.length - 5)}`, { token });
    expect(last.body.items.map((t) => t.id)).toEqual(order.slice(-5).map((o) => o.id));
    expect(last.body.nextCursor).toBeNull();
  });

  it('updatedSince pages oldest change first from the keyset cursor', async () => {
    const asc = [...order].reverse();
    const since = new Date(asc[1000]!.at - 1).toISOString();
    const first = await call<ListTasksResponse>(s.url, 'GET', `/tasks?limit=${LIMIT}&updatedSince=${since}`, { token });
    const expected = asc.filter((o) => o.at > asc[1000]!.at - 1);
    expect(first.body.items.map((t) => t.id)).toEqual(expected.slice(0, LIMIT).map((o) => o.id));
    const second = await call<ListTasksResponse>(
      s.url,
      'GET',
      `/tasks?limit=${LIMIT}&updatedSince=${since}&cursor=${first.body.nextCursor}`,
      { token },
    );
    expect(second.body.items.map((t) => t.id)).toEqual(expected.slice(LIMIT, 2 * LIMIT).map((o) => o.id));
  });

  const deepQuery = (field: KeysetQuery['field']): KeysetQuery => {
    const r = order[DEEP - 1]!;
    return { userId, field, cursor: { at: new Date(r.at), id: r.id }, limit: LIMIT + 1 };
  };

  /** The SQL with its parameters written in, as the database receives it. */
  const inlinedSql = (q: KeysetQuery): string => {
    const { sql, params } = keysetSql(s.db, q);
    return inlined(s.db, sql, params);
  };

  it.each(['createdAt', 'updatedAt'] as const)(
    'the deep %s page is a range read of about `limit` rows on the keyset index',
    async (field) => {
      const sql = inlinedSql(deepQuery(field));
      if (db === 'mysql') {
        const [[row]] = (await s.db.sequelize.query(`ANALYZE FORMAT=JSON ${sql}`)) as unknown as [[{ ANALYZE: string }]];
        const table = JSON.parse(row.ANALYZE).query_block.nested_loop[0].table;
        expect(table).toMatchObject({ access_type: 'range', key: KEYSET_INDEX[field] });
        expect(table.used_key_parts).toEqual(['userId', field, 'id']);
        expect(table.r_rows).toBeLessThanOrEqual(LIMIT + 2);
        expect(JSON.stringify(row.ANALYZE)).not.toMatch(/filesort/);
      } else {
        const plan = (await s.db.sequelize.query(`EXPLAIN QUERY PLAN ${sql}`, { type: 'SELECT' as never })) as unknown as {
          detail: string;
        }[];
        const details = plan.map((p) => p.detail);
        const op = field === 'createdAt' ? '<' : '>';
        expect(details).toEqual([`SEARCH tasks USING INDEX ${KEYSET_INDEX[field]} (userId=? AND (${field},id)${op}(?,?))`]);
      }
    },
  );

  it('the first page reads the index from its end, without a sort', async () => {
    const sql = inlinedSql({ userId, field: 'createdAt', limit: LIMIT + 1 });
    if (db === 'mysql') {
      const [[row]] = (await s.db.sequelize.query(`ANALYZE FORMAT=JSON ${sql}`)) as unknown as [[{ ANALYZE: string }]];
      const table = JSON.parse(row.ANALYZE).query_block.nested_loop[0].table;
      expect(table.key).toBe(KEYSET_INDEX.createdAt);
      expect(table.r_rows).toBeLessThanOrEqual(LIMIT + 2);
      expect(row.ANALYZE).not.toMatch(/filesort/);
    } else {
      const plan = (await s.db.sequelize.query(`EXPLAIN QUERY PLAN ${sql}`, { type: 'SELECT' as never })) as unknown as {
        detail: string;
      }[];
      expect(plan.map((p) => p.detail)).toEqual([`SEARCH tasks USING INDEX ${KEYSET_INDEX.createdAt} (userId=?)`]);
    }
  });
});
