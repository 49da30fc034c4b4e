/**
 * The membership purchase behind the QR dialog, against the sandbox server and its emulated WeChat Pay: one payable
 * order however often the dialog is reopened, the grant and a renewal, a payment made while the app is cut off from
 * the server (granted once, seen when the line is back), an expired code and a closed order (polling stops), and the
 * sandbox payer refused outside sandbox mode; a refund of the order seen by the app.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminLogin, startAdminServer } from '../../../server/test/admin/helpers.js';
import { call, login as apiLogin } from '../../../server/test/support/client.js';
import type { TestServer } from '../../../server/test/support/server.js';
import { createApiClient, type ApiClient } from '../../src/core/api-client.js';
import { PaymentFlow } from '../../src/core/payment.js';
import { buyInApp, loginWithSandboxCode, startDesktop, waitForState, type Desktop } from '../support/desktop.js';
import { startToggleProxy, type ToggleProxy } from '../support/toggle-proxy.js';
import { sleep, until } from '../support/wait.js';

const DAY = 86_400_000;

describe('buying the membership', () => {
  let server: TestServer;
  let adminPassword: string;
  const started: Desktop[] = [];
  const proxies: ToggleProxy[] = [];

  const start = async (url: string) => {
    const d = await startDesktop(url);
    started.push(d);
    return d;
  };
  const userOf = (d: Desktop) => d.service.getState().user!.id;
  const grants = (orderId: string) => server.db.models.QuotaLog.count({ where: { orderId, action: 'grant' } });

  beforeAll(async () => {
    ({ s: server, password: adminPassword } = await startAdminServer({ db: 'sqlite' }));
  });
  afterAll(async () => {
    for (const d of started) await d.service.close();
    for (const p of proxies) await p.close();
    await server?.destroy();
  });

  it('a refund of the order shows in the app: the balance after it and what it took back', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    const paid = await buyInApp(d);
    const orderId = paid.payment!.orderId!;
    const admin = await adminLogin(server.url, adminPassword);
    expect((await admin.post(`/orders/${orderId}/refunds`, { amountFen: 4950, reason: '用户申请退款' })).status).toBe(201);
    await until(async () => (await server.db.models.Order.findByPk(orderId))?.status === 'partially_refunded', 'the refund to settle');
    await d.service.refreshMembership();
    expect(d.service.getState().membership).toMatchObject({
      quotaRemaining: 50,
      lastRefund: { orderId, refundFen: 4950, quotaTaken: 50, expiryShortenedSeconds: 15 * 86_400 },
    });
  });

  it('shows one QR code per payable order, grants the plan once paid, and renews on top', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    const plan = d.service.getState().options!.plan;
    expect(plan).toEqual({ priceFen: 9900, quota: 100, days: 30 });

    await d.service.startPurchase();
    const waiting = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    expect(waiting.qrDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(waiting.qrDataUrl!.split(',')[1]!, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(waiting).toMatchObject({ amountFen: 9900, networkError: false, message: null, quotaAfter: null });
    expect(Date.parse(waiting.expiresAt!)).toBeGreaterThan(Date.now());
    const order = await server.db.models.Order.findByPk(waiting.orderId!);
    expect(order).toMatchObject({ userId: userOf(d), status: 'pending', amountFen: 9900 });

    // closing the dialog and opening it again shows the same order: never two payable codes
    d.service.closePurchase();
    expect(d.service.getState().payment).toBeNull();
    await d.service.startPurchase();
    const reopened = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    expect(reopened.orderId).toBe(waiting.orderId);
    expect(reopened.qrDataUrl).toBe(waiting.qrDataUrl);
    expect(await server.db.models.Order.count({ where: { userId: userOf(d), status: 'pending' } })).toBe(1);

    await d.service.simulatePayment();
    const paid = (await waitForState(d.service, (s) => s.payment?.status === 'paid')).payment!;
    expect(paid).toMatchObject({ orderId: waiting.orderId, quotaAfter: 100, networkError: false });
    const first = d.service.getState().membership!;
    expect(first).toMatchObject({ isMember: true, quotaRemaining: 100 });
    expect(Date.parse(first.quotaExpireAt!) - Date.now()).toBeGreaterThan(30 * DAY - 60_000);
    expect(Date.parse(first.quotaExpireAt!) - Date.now()).toBeLessThanOrEqual(30 * DAY);
    expect(await grants(waiting.orderId!)).toBe(1);

    // a paid order is not shown again: the next purchase is a new order, and a renewal adds to quota and time
    d.service.closePurchase();
    const renewed = await buyInApp(d);
    expect(renewed.payment!.orderId).not.toBe(waiting.orderId);
    expect(renewed.payment!.quotaAfter).toBe(200);
    const second = d.service.getState().membership!;
    expect(second).toMatchObject({ isMember: true, quotaRemaining: 200 });
    expect(Date.parse(second.quotaExpireAt!) - Date.parse(first.quotaExpireAt!)).toBe(30 * DAY);
    expect(await grants(renewed.payment!.orderId!)).toBe(1);
  });

  it('keeps waiting through a network loss and sees a payment made meanwhile once the line is back', async () => {
    const proxy = await startToggleProxy(server.url);
    proxies.push(proxy);
    const d = await start(proxy.url);
    await loginWithSandboxCode(d, server.url);

    // no line: the dialog says so instead of spinning
    proxy.setUp(false);
    await d.service.startPurchase();
    expect(d.service.getState().payment).toMatchObject({
      status: 'error',
      message: expect.stringContaining('无法连接服务器'),
      qrDataUrl: null,
    });
    proxy.setUp(true);

    await d.service.startPurchase();
    const { orderId } = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    proxy.setUp(false);
    await waitForState(d.service, (s) => s.payment?.networkError === true);
    expect(d.service.getState().payment).toMatchObject({ status: 'waiting', orderId });

    // the merchant pays on the phone while the computer is offline
    const pay = await call(server.url, 'POST', `/sandbox/wxpay/orders/${orderId}/pay`);
    expect(pay.body).toMatchObject({ delivered: true });
    await sleep(400); // several polls, all failing
    expect(d.service.getState().payment).toMatchObject({ status: 'waiting', networkError: true });

    proxy.setUp(true);
    const paid = (await waitForState(d.service, (s) => s.payment?.status === 'paid')).payment!;
    expect(paid).toMatchObject({ orderId, quotaAfter: 100, networkError: false });
    expect(d.service.getState().membership).toMatchObject({ isMember: true, quotaRemaining: 100 });
    expect(await grants(orderId!)).toBe(1);
    expect(await server.db.models.QuotaLog.count({ where: { userId: userOf(d), action: 'grant' } })).toBe(1);
  });

  it('stops polling when the code has expired or the order was closed', async () => {
    const who = await apiLogin(server.url);
    const real = createApiClient({ baseUrl: server.url, token: () => who.token });
    let orderCalls = 0;
    const api: ApiClient = { ...real, order: (id) => (orderCalls++, real.order(id)) };
    let clock = Date.now();
    const flow = new PaymentFlow(api, { changed: () => {}, paid: async () => null }, 40, () => clock);

    await flow.start();
    expect(flow.view).toMatchObject({ status: 'waiting', amountFen: 9900 });
    await until(() => orderCalls >= 3, 'a few polls');
    expect(flow.view!.status).toBe('waiting');

    clock = Date.parse(flow.view!.expiresAt!) + 1000;
    await until(() => flow.view!.status === 'expired', 'the code to expire');
    const calls = orderCalls;
    await sleep(300);
    expect(orderCalls).toBe(calls);
    expect(flow.view).toMatchObject({ status: 'expired', networkError: false });

    // the same order, closed by the operator: the dialog says so and stops
    clock = Date.now();
    await flow.start();
    const orderId = flow.view!.orderId!;
    const admin = await adminLogin(server.url, adminPassword);
    const closed = await admin.post(`/orders/${orderId}/close`, { reason: '测试关闭' });
    expect([closed.status, closed.body.order.status]).toEqual([200, 'closed']);
    await until(() => flow.view!.status === 'closed', 'the closed order');
    expect(flow.view).toMatchObject({ orderId, message: '订单已关闭' });
    const afterClose = orderCalls;
    await sleep(300);
    expect(orderCalls).toBe(afterClose);

    // a new purchase is a new order
    await flow.start();
    expect(flow.view).toMatchObject({ status: 'waiting' });
    expect(flow.view!.orderId).not.toBe(orderId);
    flow.close();
    expect(flow.view).toBeNull();
  });

  it('pays with the sandbox payer only when there is a waiting order, and only in sandbox mode', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    await expect(d.service.simulatePayment()).rejects.toMatchObject({ code: 'NO_ORDER' });

    // the same server, but its client config says it takes real payments
    const config = (await call(server.url, 'GET', '/client-config')).body;
    const production = createServer((req, res) => {
      res.writeHead(req.url === '/client-config' ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(req.url === '/client-config' ? { ...config, sandbox: false } : { error: { code: 'NOT_FOUND', message: '未找到' } }),
      );
    });
    await new Promise<void>((r) => production.listen(0, '127.0.0.1', r));
    try {
      const p = await start(`http://127.0.0.1:${(production.address() as AddressInfo).port}`);
      expect(p.service.getState().options?.sandbox).toBe(false);
      await expect(p.service.startPurchase()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      await expect(p.service.simulatePayment()).rejects.toMatchObject({ code: 'NOT_SANDBOX', message: '仅在体验模式下可用' });
    } finally {
      production.close();
    }
  });
});
