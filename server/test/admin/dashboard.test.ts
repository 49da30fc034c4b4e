/**
 * The dashboard on seeded rows (inserted with the models) and an injected clock, on SQLite and MariaDB.
 * "Today" and "this month" are Asia/Shanghai (BUSINESS_TIMEZONE): 00:30 local on the 15th is today, 23:30 local on
 * the 14th is not; 23:59 local on 31 October is last month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDashboardSchema, type OrderStatus, type TaskStatus, type TaskType } from '@aizhao/shared';
import { newId } from '../../src/lib/ids.js';
import { type DbKind, type TestServer } from '../support/server.js';
import { taskRow } from '../tasks/helpers.js';
import { adminLogin, startAdminServer, type AdminClient } from './helpers.js';

const NOW = Date.parse('2026-11-15T04:00:00Z'); // 12:00 in Shanghai
const MIN = 60_000;
const at = (iso: string) => new Date(iso);

describe.each<DbKind>(['sqlite', 'mysql'])('admin dashboard on %s', (db) => {
  let s: TestServer;
  let admin: AdminClient;

  beforeAll(async () => {
    let password: string;
    ({ s, password } = await startAdminServer({ db, jobs: false, now: () => new Date(NOW) }));
    admin = await adminLogin(s.url, password);
    const { User, Order, Task } = s.db.models;
    const future = new Date(NOW + 20 * 86_400_000);
    const user = async (phone: string, isMember: boolean, quotaExpireAt: Date | null) =>
      (await User.create({ id: newId(), phone, isMember, quotaRemaining: isMember ? 50 : 0, quotaExpireAt, createdAt: at('2026-09-01T00:00:00Z'), updatedAt: at('2026-09-01T00:00:00Z') })).id;
    const order = (userId: string, status: OrderStatus, amountFen: number, createdAt: Date, paidAt: Date | null = null) =>
      Order.create({
        id: newId(),
        userId,
        status,
        amountFen,
        channel: 'wx',
        codeUrl: 'weixin://wxpay/bizpayurl?pr=x',
        transactionId: paidAt ? `4200${newId()}` : null,
        expiresAt: new Date(createdAt.getTime() + 30 * MIN),
        paidAt,
        closedAt: status === 'closed' ? createdAt : null,
        lastQueriedAt: null,
        failReason: null,
        createdAt,
        updatedAt: createdAt,
      });
    const u1 = await user('13800000001', true, future);
    const u2 = await user('13800000002', true, future);
    const u3 = await user('13800000003', true, future);
    const u4 = await user('13800000004', true, at('2026-11-10T00:00:00Z')); // lapsed, not swept yet
    const u5 = await user('13800000005', false, null);
    await order(u1, 'paid', 7, at('2026-09-10T00:00:00Z'), at('2026-09-10T00:01:00Z')); // u1's first purchase, long ago
    await order(u1, 'paid', 9900, at('2026-11-15T01:00:00Z'), at('2026-11-15T01:01:00Z')); // renewal today
    await order(u2, 'paid', 100, at('2026-11-14T16:29:00Z'), at('2026-11-14T16:30:00Z')); // 00:30 on the 15th: today
    await order(u3, 'paid', 20, at('2026-11-14T15:29:00Z'), at('2026-11-14T15:30:00Z')); // 23:30 on the 14th: this month
    await order(u4, 'paid', 3, at('2026-10-31T15:58:00Z'), at('2026-10-31T15:59:00Z')); // 23:59 on 31 Oct: last month
    await order(u5, 'pending', 9900, new Date(NOW - 11 * MIN)); // stale
    await order(u5, 'pending', 9900, new Date(NOW - 5 * MIN));
    await order(u5, 'closed', 9900, at('2026-11-15T00:00:00Z'));

    const task = (type: TaskType, status: TaskStatus, createdAt: Date) =>
      Task.create(
        taskRow({
          userId: u1,
          type,
          status,
          stage: status === 'processing' ? 'running' : status,
          params: {},
          resultKeys: null,
          errorReason: status === 'failed' ? 'x' : null,
          finishedAt: status === 'processing' ? null : createdAt,
          createdAt,
          updatedAt: createdAt,
        }),
      );
    const today = new Date(NOW - 60 * MIN);
    for (const [type, status, n] of [
      ['basic_clean', 'done', 3],
      ['basic_clean', 'failed', 1],
      ['model_pose12', 'done', 1],
      ['model_pose12', 'failed', 2],
    ] as const) {
      for (let i = 0; i < n; i++) await task(type, status, today);
    }
    await task('basic_clean', 'processing', new Date(NOW - MIN));
    await task('model_pose12', 'processing', new Date(NOW - 2 * MIN));
    await task('model_pose12', 'processing', new Date(NOW - 11 * MIN)); // stuck (RUNNINGHUB_TIMEOUT 10 min)
    for (let i = 0; i < 5; i++) await task('basic_clean', 'failed', at('2026-11-14T15:00:00Z')); // yesterday
    await task('model_pose12', 'processing', at('2026-11-14T15:00:00Z')); // stuck since yesterday
  });
  afterAll(async () => {
    await s.destroy();
  });

  it('counts members, new members, revenue, today’s tasks, the failure rate, stuck tasks and stale orders', async () => {
    const r = await admin.get('/dashboard');
    expect(r.status).toBe(200);
    expect(adminDashboardSchema.parse(r.body)).toEqual({
      // orders written without a plan (as before plans existed), all WeChat: one row, its net the month's revenue
      revenueMonthBy: [expect.objectContaining({ planId: null, channel: 'wx', netFen: r.body.revenueMonthFen })],
      membersNow: 3,
      newMembersToday: 1,
      newMembersMonth: 2,
      revenueTodayFen: 10_000,
      revenueMonthFen: 10_020,
      refundsTodayFen: 0,
      refundsMonthFen: 0,
      tasksToday: {
        total: 10,
        processing: 3,
        done: 4,
        failed: 3,
        byType: {
          basic_clean: { total: 5, processing: 1, done: 3, failed: 1 },
          model_pose12: { total: 5, processing: 2, done: 1, failed: 2 },
        },
      },
      failureRateToday: 0.4286,
      stuckTasks: 2,
      stalePendingOrders: 1,
      ledgerMismatches: [],
      ledgerCheckedAt: null, // jobs off: no periodic check ran
      timezone: 'Asia/Shanghai',
      generatedAt: new Date(NOW).toISOString(),
    });
  });
});
