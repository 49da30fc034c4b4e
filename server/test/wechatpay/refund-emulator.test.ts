/**
 * The WeChat Pay refund API of our client against the emulator, which refuses what WeChat refuses: refunding an
 * unpaid or unknown order, more than is left (across partial refunds), another amount under the same out_refund_no;
 * the same out_refund_no twice is one refund; refunds settle and are notified (REFUND.*, original_type refund,
 * decrypted fields per the docs), verified by the same verifier as payment notifications.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VendorError } from '../../src/lib/errors.js';
import { newTradeNo, startEmulator, startReceiver, waitFor, type EmulatorHarness } from './harness.js';

describe('WeChat Pay refunds: client ↔ emulator', () => {
  let h: EmulatorHarness;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    h = await startEmulator();
    receiver = await startReceiver(h.secrets);
  });
  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  const paidOrder = async (totalFen = 9900): Promise<string> => {
    const no = newTradeNo();
    await h
      .client()
      .nativePrepay({
        outTradeNo: no,
        description: 'AI照会员',
        amountFen: totalFen,
        timeExpire: new Date(Date.now() + 600_000),
        notifyUrl: receiver.notifyUrl,
      });
    await h.emulator.pay(no, { deliver: false });
    return no;
  };
  const refund = (outTradeNo: string, outRefundNo: string, refundFen: number, totalFen = 9900) =>
    h.client().createRefund({ outTradeNo, outRefundNo, reason: '测试退款', notifyUrl: receiver.notifyUrl, refundFen, totalFen });
  const refusal = async (p: Promise<unknown>): Promise<VendorError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(VendorError);
    return err as VendorError;
  };

  it('accepts a partial refund as PROCESSING, settles it SUCCESS and notifies REFUND.SUCCESS (signed, encrypted)', async () => {
    const no = await paidOrder();
    const r = await refund(no, `R${no}`, 4950);
    expect(r).toMatchObject({ out_refund_no: `R${no}`, out_trade_no: no, status: 'PROCESSING', amount: { refund: 4950, total: 9900 } });
    expect(r.refund_id).toMatch(/^50\d{27}$/);
    expect(r.transaction_id).toBe(h.emulator.getOrder(no)!.transaction_id);
    await waitFor(() => receiver.received.some((n) => n.result?.kind === 'refund' && n.result.refund.out_refund_no === `R${no}`));
    const n = receiver.received.find((x) => x.result?.kind === 'refund' && x.result.refund.out_refund_no === `R${no}`)!;
    expect(n.status).toBe(204);
    expect(n.result).toMatchObject({
      kind: 'refund',
      eventType: 'REFUND.SUCCESS',
      refund: {
        mchid: h.secrets.mchid,
        out_trade_no: no,
        refund_id: r.refund_id,
        refund_status: 'SUCCESS',
        amount: { total: 9900, refund: 4950, payer_total: 9900, payer_refund: 4950 },
      },
    });
    expect(JSON.parse(n.rawBody).resource.original_type).toBe('refund');
    expect((await h.client().queryRefund(`R${no}`))!).toMatchObject({ status: 'SUCCESS', success_time: expect.any(String) });
    expect(h.emulator.getOrder(no)!.trade_state).toBe('REFUND');
  });

  it('the same out_refund_no twice is one refund; another amount under it is refused', async () => {
    const no = await paidOrder();
    const a = await refund(no, `S${no}`, 100);
    const b = await refund(no, `S${no}`, 100);
    expect(b.refund_id).toBe(a.refund_id);
    expect(h.emulator.refundsOf(no)).toHaveLength(1);
    const err = await refusal(refund(no, `S${no}`, 200));
    expect(err.details).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  it('refuses more than what is left, across partial refunds', async () => {
    const no = await paidOrder();
    await refund(no, `A${no}`, 9000);
    const err = await refusal(refund(no, `B${no}`, 901));
    expect(err.details).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect(err.message).toContain('申请退款金额超过订单可退金额');
    await expect(refund(no, `C${no}`, 900)).resolves.toMatchObject({ status: 'PROCESSING' });
  });

  it('refuses an unpaid order, an unknown order, a wrong total and a NOT_ENOUGH balance', async () => {
    const unpaid = newTradeNo();
    await h
      .client()
      .nativePrepay({
        outTradeNo: unpaid,
        description: 'x',
        amountFen: 9900,
        timeExpire: new Date(Date.now() + 600_000),
        notifyUrl: receiver.notifyUrl,
      });
    expect((await refusal(refund(unpaid, `U${unpaid}`, 100))).details).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    expect((await refusal(refund(newTradeNo(), 'RNOORDER1', 100))).details).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    const no = await paidOrder();
    expect((await refusal(refund(no, `T${no}`, 100, 9800))).details).toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    h.emulator.setRefundBehaviour({ notEnough: true });
    try {
      expect((await refusal(refund(no, `N${no}`, 100))).details).toMatchObject({ status: 403, code: 'NOT_ENOUGH' });
    } finally {
      h.emulator.setRefundBehaviour({ notEnough: false });
    }
    expect(h.emulator.refundsOf(no)).toEqual([]);
    expect(await h.client().queryRefund('RNEVERMADE1')).toBeNull();
  });

  it('ABNORMAL and CLOSED refunds are notified with their own event types; a closed refund gives its amount back', async () => {
    const no = await paidOrder();
    h.emulator.setRefundBehaviour({ outcome: 'PROCESSING' });
    try {
      await refund(no, `X${no}`, 9900);
    } finally {
      h.emulator.setRefundBehaviour({ outcome: 'SUCCESS' });
    }
    expect((await refusal(refund(no, `Y${no}`, 1))).details.code).toBe('INVALID_REQUEST');
    await h.emulator.settleRefund(`X${no}`, 'ABNORMAL');
    await h.emulator.settleRefund(`X${no}`, 'CLOSED');
    const events = receiver.received
      .filter((n) => n.result?.kind === 'refund' && n.result.refund.out_refund_no === `X${no}`)
      .map((n) => n.result!.eventType);
    expect(events).toEqual(['REFUND.ABNORMAL', 'REFUND.CLOSED']);
    await expect(refund(no, `Z${no}`, 9900)).resolves.toMatchObject({ status: 'PROCESSING' });
  });

  it('refuses unsigned and wrongly signed refund requests like the other endpoints', async () => {
    const res = await fetch(`${h.baseUrl}/v3/refund/domestic/refunds`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'SIGN_ERROR' });
  });
});
