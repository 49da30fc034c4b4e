/**
 * The grant locks before it reads (issue 8, point 5): the order row, then the user row. Many notifications, order
 * queries and task creations of one merchant at the same time — on MariaDB with innodb_snapshot_isolation ON too,
 * where a locking read of a row changed since the transaction's snapshot fails with 1020 — answer every callback
 * 204, grant once, charge every task once, and keep the ledger invariant. And, made to happen for certain: the user
 * row changes while the grant waits for its lock — the grant, holding no snapshot yet, runs once (no 1020 retry).
 */
import { describe, expect, it } from 'vitest';
import { changeBalance, lockUser } from '../../src/modules/quota/ledger.js';
import { call } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { aheadClock } from '../support/clock.js';
import { type DbKind, MONEY_DBS } from '../support/server.js';
import { basicBody, createTask, newMerchant } from '../tasks/helpers.js';
import { deliver, expectGrantedOnce, purchase, signedNotification, successTransaction, usePaymentServer } from './helpers.js';

const NOTIFICATIONS = 30;
const READS = 15;
const TASKS = 15;

describe.each<DbKind>(MONEY_DBS)('a renewal racing notifications, queries and task creations on %s', (db) => {
  /** the server's clock runs with real time (the emulator signs with it), ahead when a test says */
  const clock = aheadClock();
  const t = usePaymentServer(db, { now: clock.now });

  it(`${NOTIFICATIONS} notifications + ${READS} order reads + ${TASKS} task creations → all 204 / 200 / 201, one grant`, async () => {
    const m = await newMerchant(t.url); // a member with 100 and an uploaded photo
    const renewal = await purchase(t.url, m.token);
    await t.s.sandbox!.wxpay.pay(renewal.orderId, { deliver: false });
    clock.setAhead(4000); // past the order's query grace (3 t.s): every read may ask WeChat, throttled per second
    const [notified, reads, tasks] = await Promise.all([
      call(t.url, 'POST', `/sandbox/wxpay/orders/${renewal.orderId}/notify`, { body: { times: NOTIFICATIONS, parallel: true } }),
      Promise.all(Array.from({ length: READS }, () => call(t.url, 'GET', `/membership/orders/${renewal.orderId}`, { token: m.token }))),
      Promise.all(
        Array.from({ length: TASKS }, (_, i) => createTask(t.url, m.token, basicBody(m.inputKey, { clientRequestId: `race-${i}` }))),
      ),
    ]);
    expect(notified.body.statuses).toEqual(Array(NOTIFICATIONS).fill(204));
    expect(reads.map((r) => r.status)).toEqual(Array(READS).fill(200));
    expect(tasks.map((r) => r.status)).toEqual(Array(TASKS).fill(201));
    await expectGrantedOnce(t.s, m.userId, renewal.orderId);
    const me = await call(t.url, 'GET', '/membership/status', { token: m.token });
    expect(me.body.quotaRemaining).toBe(200 - TASKS);
    expect(await t.s.db.models.QuotaLog.count({ where: { userId: m.userId, action: 'deduct' } })).toBe(TASKS);
    await expectLedgerInvariant(t.s.db);
  });

  it.runIf(db !== 'sqlite')(
    'the user row changes while the grant waits for its lock: the grant runs once and sees the change',
    async () => {
      clock.setAhead(0);
      const m = await newMerchant(t.url);
      const renewal = await purchase(t.url, m.token);
      const { sequelize, models } = t.s.db;
      // another transaction (an operator's adjustment) holds the user's row lock …
      const holder = await sequelize.transaction();
      const held = await lockUser(t.s.db, m.userId, holder);
      let attempts = 0;
      const realTransaction = sequelize.transaction.bind(sequelize);
      sequelize.transaction = ((...args: Parameters<typeof sequelize.transaction>) => {
        attempts++;
        return realTransaction(...args);
      }) as typeof sequelize.transaction;
      // … and changes it and commits just when the grant asks for that lock: the grant's first statement, which locks
      // the order and its user together
      const asked = new Promise<void>((resolve) => {
        sequelize.addHook('beforeQuery', 'grant-race', (options) => {
          const o = options as { transaction?: unknown; replacements?: { id?: unknown } };
          if (o.transaction && o.transaction !== holder && o.replacements?.id === renewal.orderId) resolve();
        });
      });
      try {
        const answer = deliver(t.url, signedNotification(t.id, successTransaction(t.id, renewal)));
        await asked;
        await changeBalance(t.s.db, held, { action: 'adjust', amount: -1, reason: 'test' }, holder);
        await holder.commit();
        expect((await answer).status).toBe(204);
      } finally {
        sequelize.removeHook('beforeQuery', 'grant-race');
        sequelize.transaction = realTransaction;
      }
      expect(attempts).toBe(1);
      await expectGrantedOnce(t.s, m.userId, renewal.orderId);
      expect((await models.User.findByPk(m.userId))?.quotaRemaining).toBe(199);
      await expectLedgerInvariant(t.s.db);
    },
  );
});
