/**
 * Simultaneous first purchases of one merchant, on SQLite and MariaDB: one order, one prepay at WeChat, one 201 and the
 * same order with 200 for the others (API.md: "so two QR codes can never both be paid").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/client.js';
import { expectLedgerInvariant } from '../support/invariants.js';
import { startTestServer, type DbKind, MONEY_DBS, type TestServer } from '../support/server.js';

describe.each<DbKind>(MONEY_DBS)('simultaneous purchases on %s', (db) => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ db, jobs: false });
  });
  afterAll(async () => {
    await expectLedgerInvariant(s.db);
    await s.destroy();
  });

  it('10 simultaneous purchases of one merchant → one 201, nine 200 with the same order, one prepay', async () => {
    const user = await login(s.url);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(s.url, 'POST', '/membership/purchase', { token: user.token, body: { channel: 'wx' } })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const created = answers.find((a) => a.status === 201)!.body;
    for (const a of answers) expect(a.body).toEqual(created);
    expect(await s.db.models.Order.count({ where: { userId: user.userId } })).toBe(1);
    expect(s.sandbox!.wxpay.stats()).toMatchObject({ prepays: 1, byOrder: { [created.orderId]: { prepay: 1, query: 0, close: 0 } } });
  });

  it('5 merchants buying at the same time get 5 different orders', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => login(s.url)));
    const answers = await Promise.all(users.map((u) => call(s.url, 'POST', '/membership/purchase', { token: u.token, body: { channel: 'wx' } })));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(201));
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(5);
    expect(new Set(answers.map((a) => a.body.codeUrl)).size).toBe(5);
  });
});
