/**
 * Simultaneous first purchases of one merchant, on SQLite and MariaDB: one order, one prepay at WeChat, one 201 and the
 * same order with 200 for the others (docs/api.md: "so two QR codes can never both be paid"). The prepay call is made
 * after the order is committed, without the user's row lock: a slow prepay holds up neither the merchant's task
 * creations nor anyone else; a purchase arriving meanwhile waits for that prepay's code; a failed prepay ends the
 * order `failed`.
 */
import { describe, expect, it } from 'vitest';
import type { WechatPayClient } from '../../src/vendors/types.js';
import { call, login } from '../support/client.js';
import { ledgerCheckedServer } from '../support/invariants.js';
import { MONEY_DBS, type DbKind } from '../support/server.js';
import { basicBody, createTask, newMerchant, sleep } from '../tasks/helpers.js';

describe.each<DbKind>(MONEY_DBS)('simultaneous purchases on %s', (db) => {
  const srv = ledgerCheckedServer({ db, jobs: false });

  it('10 simultaneous purchases of one merchant → one 201, nine 200 with the same order, one prepay', async () => {
    const user = await login(srv.s.url);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(srv.s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const created = answers.find((a) => a.status === 201)!.body;
    for (const a of answers) expect(a.body).toEqual(created);
    expect(await srv.s.db.models.Order.count({ where: { userId: user.userId } })).toBe(1);
    expect(srv.s.sandbox!.wxpay.stats()).toMatchObject({ prepays: 1, byOrder: { [created.orderId]: { prepay: 1, query: 0, close: 0 } } });
  });

  it('5 merchants buying at the same time get 5 different orders', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => login(srv.s.url)));
    const answers = await Promise.all(
      users.map((u) => call(srv.s.url, 'POST', '/membership/purchase', { token: u.token, body: { channel: 'wx' } })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(201));
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(5);
    expect(new Set(answers.map((a) => a.body.codeUrl)).size).toBe(5);
  });

  /** Holds the server's prepay calls until `release()`; `reached` resolves when the first one is made. */
  function holdPrepays() {
    const wechat = srv.s.ctx.vendors.wechat;
    const real = wechat.nativePrepay.bind(wechat);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reach!: () => void;
    const reached = new Promise<void>((r) => (reach = r));
    wechat.nativePrepay = async (req: Parameters<WechatPayClient['nativePrepay']>[0]) => {
      reach();
      await gate;
      return real(req);
    };
    return { reached, release, restore: () => void (wechat.nativePrepay = real) };
  }

  it('while a prepay is slow, the merchant’s task creation completes and a second purchase waits for that code', async () => {
    const m = await newMerchant(srv.s.url);
    const prepaysBefore = srv.s.sandbox!.wxpay.stats().prepays;
    const held = holdPrepays();
    try {
      const first = call(srv.s.url, 'POST', '/membership/purchase', { token: m.token, body: { channel: 'wx' } });
      await held.reached;
      const second = call(srv.s.url, 'POST', '/membership/purchase', { token: m.token, body: { channel: 'wx' } });
      // the user row is not locked by the purchase: the task is created while the prepay is still held
      const task = createTask(srv.s.url, m.token, basicBody(m.inputKey));
      const winner = await Promise.race([task.then(() => 'task created'), sleep(10_000).then(() => 'still waiting')]);
      expect(winner).toBe('task created');
      expect((await task).status).toBe(201);
      held.release();
      const [a, b] = await Promise.all([first, second]);
      expect([a.status, b.status]).toEqual([201, 200]);
      expect(b.body).toEqual(a.body);
      expect(a.body.codeUrl).toMatch(/^weixin:\/\//);
    } finally {
      held.release();
      held.restore();
    }
    expect(srv.s.sandbox!.wxpay.stats().prepays).toBe(prepaysBefore + 1);
    expect(await srv.s.db.models.Order.count({ where: { userId: m.userId, status: 'pending' } })).toBe(1);
  });

  it('a failed prepay answers 502 and ends the order failed; the next purchase makes a new order', async () => {
    const user = await login(srv.s.url);
    const wechat = srv.s.ctx.vendors.wechat;
    const real = wechat.nativePrepay.bind(wechat);
    wechat.nativePrepay = () => Promise.reject(new Error('connection reset'));
    try {
      const r = await call(srv.s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } });
      expect(r.status).toBe(502);
      expect(r.body.error.code).toBe('PAYMENT_PROVIDER_ERROR');
    } finally {
      wechat.nativePrepay = real;
    }
    const orders = await srv.s.db.models.Order.findAll({ where: { userId: user.userId } });
    expect(orders.map((o) => [o.status, o.codeUrl, o.failReason])).toEqual([['failed', null, 'prepay failed']]);
    const again = await call(srv.s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } });
    expect(again.status).toBe(201);
    expect(again.body.orderId).not.toBe(orders[0]!.id);
  });
});
