/**
 * On MariaDB the server reads rows with mysql2's own type parsing (`typeCast: true`, db/index.ts) instead of
 * Sequelize's typeCast function. Every model's rows — dates with and without milliseconds, at the epoch and far
 * ahead, NULLs, booleans, BIGINT ids, JSON text — must read the same as through a Sequelize instance with its default
 * typeCast, over the text protocol (plain queries) and the binary one (bound parameters: mysql2 `execute`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryTypes, Sequelize } from 'sequelize';
import { createDatabase, type Database } from '../../src/db/index.js';
import { initModels, type Models } from '../../src/db/models.js';
import { newId } from '../../src/lib/ids.js';
import { createMysqlDatabase } from '../support/server.js';

const MOMENTS = [
  Date.UTC(1970, 0, 1, 0, 0, 1, 0),
  Date.UTC(2026, 11, 1, 14, 3, 59, 1),
  Date.UTC(2026, 11, 31, 23, 59, 59, 999),
  Date.UTC(2099, 1, 28, 12, 0, 0, 500),
];

describe('MariaDB rows read by mysql2 equal what Sequelize’s own typeCast reads', () => {
  let database: { url: string; drop: () => Promise<void> };
  let db: Database;
  let reference: Sequelize;
  let referenceModels: Models;

  beforeAll(async () => {
    database = await createMysqlDatabase();
    db = createDatabase({ url: database.url, dataDir: '/nonexistent' });
    await db.migrate();
    // what Sequelize reads without our dialectOptions: its own typeCast, the same '+00:00' connection
    reference = new Sequelize(database.url, { dialect: 'mysql', timezone: '+00:00', logging: false, define: { freezeTableName: true } });
    referenceModels = initModels(reference);
    const { User, Order, Task, QuotaLog } = db.models;
    for (const [i, at] of MOMENTS.entries()) {
      const user = await User.create({
        id: newId(),
        phone: `1380000000${i}`,
        isMember: i % 2 === 0,
        quotaRemaining: 10 + i,
        quotaExpireAt: i === 0 ? null : new Date(at),
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      const order = await Order.create({
        id: newId(),
        userId: user.id,
        status: 'paid',
        amountFen: 9900,
        quota: 100,
        days: 30,
        channel: 'wx',
        codeUrl: 'weixin://wxpay/bizpayurl?pr=x',
        expiresAt: new Date(at + 1800_000),
        paidAt: new Date(at),
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      const task = await Task.create({
        id: newId(),
        userId: user.id,
        type: 'model_pose12',
        status: 'done',
        stage: 'done',
        inputKey: `input/${user.id}/a.jpg`,
        params: { scene: 'street', category: 'hoodie' },
        resultKeys: [`output/${user.id}/x/pose01.jpg`],
        cost: 3,
        requestHash: 'h'.repeat(64),
        finishedAt: new Date(at),
        createdAt: new Date(at),
        updatedAt: new Date(at),
      });
      await QuotaLog.create({ userId: user.id, orderId: order.id, taskId: task.id, action: 'grant', amount: 100, balanceAfter: 100, createdAt: new Date(at) });
    }
  });

  afterAll(async () => {
    await reference?.close();
    await db?.close();
    await database?.drop();
  });

  it('every model’s rows', async () => {
    for (const name of Object.keys(db.models) as (keyof Models)[]) {
      const model = db.models[name] as typeof db.models.User;
      const order: [string, string][] = [[model.primaryKeyAttribute, 'ASC']];
      const ours = await model.findAll({ order });
      const theirs = await (referenceModels[name] as typeof db.models.User).findAll({ order });
      expect(ours.map((r) => r.toJSON()), name).toEqual(theirs.map((r) => r.toJSON()));
    }
    const tasks = await db.models.Task.findAll();
    expect(tasks.map((t) => t.createdAt.getTime()).sort()).toEqual([...MOMENTS].sort());
  });

  it('raw rows over the text and the binary protocol', async () => {
    for (const table of ['users', 'orders', 'tasks', 'quota_logs']) {
      const sql = `SELECT * FROM ${table} ORDER BY createdAt`;
      const ours = await db.sequelize.query(sql, { type: QueryTypes.SELECT });
      expect(ours, table).toEqual(await reference.query(sql, { type: QueryTypes.SELECT }));
      const bound = `SELECT * FROM ${table} WHERE createdAt >= $1 ORDER BY createdAt`;
      const oursBound = await db.sequelize.query(bound, { type: QueryTypes.SELECT, bind: [new Date(0)] });
      expect(oursBound, `${table} (bound)`).toEqual(await reference.query(bound, { type: QueryTypes.SELECT, bind: [new Date(0)] }));
      expect(oursBound).toEqual(ours);
    }
    const [row] = await db.sequelize.query<{ at: Date }>(`SELECT createdAt AS at FROM tasks ORDER BY createdAt DESC LIMIT 1`, {
      type: QueryTypes.SELECT,
    });
    expect(row!.at).toEqual(new Date(MOMENTS[3]!));
  });
});
