/**
 * The ledger's, the grant's and task creation's plain statements write the rows the models wrote, byte for byte, on
 * SQLite and MariaDB: each is compared column by column with the same change made through the models (the code
 * before), with Date faked so both paths read the same wall clock for updatedAt. Other code reads these rows through
 * models, and SQLite compares dates as text.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { createDatabase, type Database } from '../../src/db/index.js';
import { grantOrder } from '../../src/modules/membership/grant.js';
import { applyLapse, changeBalance, lockUser } from '../../src/modules/quota/ledger.js';
import { insertTask } from '../../src/modules/tasks/insert.js';
import { createMysqlDatabase } from '../support/server.js';

const WALL = new Date('2026-03-04T05:06:07.891Z');
const NOW = new Date('2026-03-04T05:06:00.123Z');

describe.each(['sqlite', 'mysql'] as const)('plain statements write what the models wrote on %s', (kind) => {
  let db: Database;
  let drop = async () => {};
  let dataDir = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'aizhao-plain-'));
    const mysql = kind === 'mysql' ? await createMysqlDatabase() : null;
    if (mysql) drop = mysql.drop;
    db = createDatabase({ url: mysql?.url ?? null, dataDir });
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(WALL);
  });
  afterEach(() => vi.useRealTimers());

  /** the stored row, as the driver answers it raw (SQLite: the text itself) */
  const row = async (table: string, where: string, value: string | number): Promise<Record<string, unknown>> => {
    const q = db.dialect === 'mysql' ? '`' : '"';
    const [r] = await db.sequelize.query<Record<string, unknown>>(`SELECT * FROM ${q}${table}${q} WHERE ${q}${where}${q} = ?`, {
      type: QueryTypes.SELECT,
      replacements: [value],
    });
    return r!;
  };
  const without = (r: Record<string, unknown>, ...keys: string[]) =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
  let n = 0;
  const newUser = async (fields: { isMember: boolean; quotaRemaining: number; quotaExpireAt: Date | null }) => {
    const id = `u${kind}${++n}`.padEnd(12, '0');
    await db.models.User.create({ id, phone: `138${String(n).padStart(8, '0')}`, ...fields, createdAt: NOW, updatedAt: NOW });
    return id;
  };

  it('a balance change and a lapse: the quota_logs rows and the users row', async () => {
    const expiredAt = new Date(NOW.getTime() - 1000);
    const [a, b] = [
      await newUser({ isMember: true, quotaRemaining: 7, quotaExpireAt: expiredAt }),
      await newUser({ isMember: true, quotaRemaining: 7, quotaExpireAt: expiredAt }),
    ];
    // the models (the code before): the expire row, the balance, then isMember
    await db.transaction(async (t) => {
      const user = (await db.models.User.findByPk(a, { transaction: t, lock: t.LOCK.UPDATE }))!;
      await db.models.QuotaLog.create(
        {
          userId: a,
          taskId: null,
          orderId: null,
          refundId: '',
          action: 'expire',
          amount: -7,
          balanceAfter: 0,
          reason: '会员到期，剩余次数清零',
          createdAt: NOW,
        },
        { transaction: t },
      );
      user.quotaRemaining = 0;
      await user.save({ transaction: t });
      user.isMember = false;
      await user.save({ transaction: t });
    });
    await db.transaction(async (t) => applyLapse(db, await lockUser(db, b, t), t, NOW));
    expect(without(await row('users', 'id', b), 'id', 'phone', 'phoneLast4')).toEqual(
      without(await row('users', 'id', a), 'id', 'phone', 'phoneLast4'),
    );
    expect(without(await row('quota_logs', 'userId', b), 'id', 'userId')).toEqual(
      without(await row('quota_logs', 'userId', a), 'id', 'userId'),
    );
  });

  it('a grant: the orders row, the users row and the grant row', async () => {
    const runningUntil = new Date(NOW.getTime() + 5 * 86_400_000);
    const users = [
      await newUser({ isMember: true, quotaRemaining: 3, quotaExpireAt: runningUntil }),
      await newUser({ isMember: true, quotaRemaining: 3, quotaExpireAt: runningUntil }),
    ];
    const orders = users.map((userId, i) => ({ id: `o${kind}${n}${i}`.padEnd(16, '0'), userId }));
    for (const o of orders) {
      await db.models.Order.create({
        ...o,
        status: 'pending',
        amountFen: 2990,
        quota: 100,
        days: 30,
        channel: 'wechat',
        codeUrl: 'weixin://wxpay/bizpayurl?pr=x',
        transactionId: null,
        expiresAt: NOW,
        paidAt: null,
        closedAt: null,
        lastQueriedAt: null,
        failReason: null,
        createdAt: NOW,
        updatedAt: NOW,
      });
    }
    const paidAt = new Date(NOW.getTime() - 2000);
    const [viaModels, viaSql] = orders;
    // the models (the code before)
    await db.transaction(async (t) => {
      const order = (await db.models.Order.findByPk(viaModels!.id, { transaction: t, lock: t.LOCK.UPDATE }))!;
      const user = (await db.models.User.findByPk(order.userId, { transaction: t, lock: t.LOCK.UPDATE }))!;
      order.set({ status: 'paid', transactionId: `wx${viaModels!.id}`, paidAt });
      await order.save({ transaction: t });
      user.quotaExpireAt = new Date(runningUntil.getTime() + 30 * 86_400_000);
      user.isMember = true;
      await db.models.QuotaLog.create(
        {
          userId: user.id,
          taskId: null,
          orderId: viaModels!.id,
          refundId: '',
          action: 'grant',
          amount: 100,
          balanceAfter: 103,
          reason: '购买会员 30 天',
          createdAt: NOW,
        },
        { transaction: t },
      );
      user.quotaRemaining = 103;
      await user.save({ transaction: t });
    });
    const ctx = {
      db,
      config: { plan: { priceFen: 2990, quota: 100, days: 30 } },
      now: () => NOW,
      logger: { info: () => {} },
    } as unknown as AppContext;
    expect(await grantOrder(ctx, viaSql!.id, `wx${viaModels!.id}`.replace(viaModels!.id, viaSql!.id), paidAt)).toBe('granted');
    const order = (id: string) => row('orders', 'id', id).then((r) => without(r, 'id', 'userId', 'transactionId'));
    expect(await order(viaSql!.id)).toEqual(await order(viaModels!.id));
    expect(without(await row('users', 'id', viaSql!.userId), 'id', 'phone', 'phoneLast4')).toEqual(
      without(await row('users', 'id', viaModels!.userId), 'id', 'phone', 'phoneLast4'),
    );
    const grant = (userId: string) => row('quota_logs', 'userId', userId).then((r) => without(r, 'id', 'userId', 'orderId'));
    expect(await grant(viaSql!.userId)).toEqual(await grant(viaModels!.userId));
  });

  it('a task creation: the tasks row and the deduct row', async () => {
    const userId = await newUser({ isMember: true, quotaRemaining: 10, quotaExpireAt: new Date(NOW.getTime() + 86_400_000) });
    const fields = {
      userId,
      type: 'basic_clean' as const,
      inputKey: `inputs/${userId}/a.jpg`,
      params: { scene: 'white' },
      cost: 1,
      clientRequestId: 'c-1',
      requestHash: 'ab'.repeat(32),
    };
    // the models (the code before)
    await db.models.Task.create({
      ...fields,
      id: 'tmodels'.padEnd(16, '0'),
      clientRequestId: 'c-0',
      status: 'processing',
      stage: 'queued',
      resultKeys: null,
      vendorTaskId: null,
      vendorOutputs: null,
      errorReason: null,
      leaseUntil: null,
      nextActionAt: null,
      submittedAt: null,
      finishedAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    });
    const view = await db.transaction(async (t) => {
      const user = await lockUser(db, userId, t);
      const task = await insertTask(db, { ...fields, id: 'tsql'.padEnd(16, '0'), createdAt: NOW }, t);
      await changeBalance(db, user, { action: 'deduct', amount: -1, taskId: task.id, reason: '创建任务 basic_clean' }, t, NOW);
      return task;
    });
    const task = (id: string) => row('tasks', 'id', id).then((r) => without(r, 'id', 'clientRequestId'));
    expect(await task('tsql'.padEnd(16, '0'))).toEqual(await task('tmodels'.padEnd(16, '0')));
    // what it answers is what the model reads back
    const read = (await db.models.Task.findByPk(view.id))!;
    expect(view).toEqual({
      id: read.id,
      type: read.type,
      status: read.status,
      stage: read.stage,
      inputKey: read.inputKey,
      params: read.params,
      resultKeys: read.resultKeys,
      errorReason: read.errorReason,
      vendorTaskId: read.vendorTaskId,
      resultsPurgedAt: read.resultsPurgedAt,
      createdAt: read.createdAt,
      updatedAt: read.updatedAt,
    });
    expect(await db.models.User.findByPk(userId).then((u) => u!.quotaRemaining)).toBe(9);
  });
});
