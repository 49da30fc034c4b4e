/**
 * Choosing how to pay and what to buy, against the sandbox server: 微信支付 first, 支付宝 chosen and remembered for
 * the next purchase, the Alipay code paid by the sandbox buyer and granted; the plans on sale
 * shown; a batch that lacks 140 次 suggests the cheapest pack that covers it; a channel the operator turned off is
 * neither offered nor accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminLogin, startAdminServer, type AdminClient } from '../../../server/test/admin/helpers.js';
import { startTestServer, type TestServer } from '../../../server/test/support/server.js';
import { loginWithSandboxCode, startDesktop, waitForState, type Desktop } from '../support/desktop.js';

describe('the purchase dialog’s choices', () => {
  let server: TestServer;
  let admin: AdminClient;
  const started: Desktop[] = [];
  const start = async (url: string) => {
    const d = await startDesktop(url);
    started.push(d);
    return d;
  };

  beforeAll(async () => {
    let password: string;
    ({ s: server, password } = await startAdminServer({ db: 'sqlite' }));
    admin = await adminLogin(server.url, password);
  });
  afterAll(async () => {
    for (const d of started) await d.service.close();
    await server?.destroy();
  });

  it('offers both channels, remembers 支付宝, and the Alipay code is paid and granted', async () => {
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    await d.service.startPurchase();
    let p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    expect(p).toMatchObject({ channel: 'wx', channels: ['wx', 'alipay'], planId: 'membership-1m' });
    expect(p.plans.map((x) => x.id)).toEqual(['membership-1m']);
    const wxOrder = p.orderId!;

    await d.service.choosePayment({ channel: 'alipay' });
    p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting' && s.payment.channel === 'alipay')).payment!;
    expect(p.orderId).not.toBe(wxOrder);
    expect((await server.db.models.Order.findByPk(p.orderId!))?.channel).toBe('alipay');
    expect((await server.db.models.Order.findByPk(wxOrder))?.status).toBe('closed');

    d.service.closePurchase();
    await d.service.startPurchase();
    p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    expect(p.channel).toBe('alipay'); // remembered
    await d.service.simulatePayment();
    const paid = await waitForState(d.service, (s) => s.payment?.status === 'paid');
    expect(paid.payment!.quotaAfter).toBe(100);
    d.service.closePurchase();
  });

  it('a batch 140 次 short: the cheapest pack that covers it is chosen for a member; what is on sale is listed', async () => {
    await admin.patch('/plans/pack-1', { enabled: true, priceFen: 4900 });
    await admin.post('/plans', { kind: 'pack', name: '加量包 200 次', priceFen: 8900, quota: 200, enabled: true, sortOrder: 11 });
    await admin.post('/plans', { kind: 'pack', name: '加量包 500 次', priceFen: 19900, quota: 500, enabled: true, sortOrder: 12 });
    const d = await start(server.url);
    await loginWithSandboxCode(d, server.url);
    // not a member: the membership is suggested (packs need one)
    await d.service.startPurchase(140);
    let p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    expect(p).toMatchObject({ planId: 'membership-1m', shortfall: 140, amountFen: 9900 });
    await d.service.simulatePayment();
    await waitForState(d.service, (s) => s.payment?.status === 'paid');
    d.service.closePurchase();

    await d.service.startPurchase(140);
    p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
    const pack200 = p.plans.find((x) => x.name === '加量包 200 次')!;
    expect(p).toMatchObject({ planId: pack200.id, amountFen: 8900, shortfall: 140 });
    expect(p.plans.map((x) => x.kind)).toEqual(['membership', 'pack', 'pack', 'pack']);
    await d.service.choosePayment({ planId: 'pack-1' });
    p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting' && s.payment.planId === 'pack-1')).payment!;
    expect(p).toMatchObject({ amountFen: 4900, shortfall: 140 });
    d.service.closePurchase();
  });

  it('a channel the operator turned off is not offered, and choosing it is refused', async () => {
    const wxOnly = await startTestServer({ db: 'sqlite', env: { PAYMENT_CHANNEL: 'wx' } });
    try {
      const d = await start(wxOnly.url);
      await loginWithSandboxCode(d, wxOnly.url);
      await d.service.startPurchase();
      const p = (await waitForState(d.service, (s) => s.payment?.status === 'waiting')).payment!;
      expect(p.channels).toEqual(['wx']);
      await expect(d.service.choosePayment({ channel: 'alipay' })).rejects.toMatchObject({ code: 'UNSUPPORTED_CHANNEL' });
      d.service.closePurchase();
    } finally {
      await wxOnly.destroy();
    }
  });
});
