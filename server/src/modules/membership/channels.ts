/**
 * The payment channels side by side (orders.channel): the prepay that gives the QR code, the query that applies
 * what the channel knows, and the close of an order nobody paid. WeChat Pay Native (`wx`) and Alipay 当面付
 * (`alipay`) share everything else: the order book, the grant, the refunds and the reconciler.
 */
import type { AppContext } from '../../context.js';
import type { Order } from '../../db/models.js';
import type { PaymentChannel } from '../../config.js';
import { AppError } from '../../lib/errors.js';
import { alipayClient, closeOrderAtAlipay, syncWithAlipay } from './alipay.js';
import { applyTransaction, closeOrderAtWechat } from './grant.js';

export const CHANNEL_LABELS: Record<PaymentChannel, string> = { wx: '微信支付', alipay: '支付宝' };

/** The channel a purchase asked for, when it is on; else UNSUPPORTED_CHANNEL saying which are. */
export function enabledChannel(ctx: AppContext, channel: string): PaymentChannel {
  const on = ctx.config.paymentChannels;
  if ((on as string[]).includes(channel)) return channel as PaymentChannel;
  const known = channel in CHANNEL_LABELS ? `${CHANNEL_LABELS[channel as PaymentChannel]}暂未开通` : '暂不支持该支付方式';
  throw new AppError('UNSUPPORTED_CHANNEL', `${known}，请使用${on.map((c) => CHANNEL_LABELS[c]).join('或')}`);
}

/** The QR code of a committed order (WeChat `code_url`, Alipay `qr_code`); throws VendorError. */
export async function prepayAtChannel(ctx: AppContext, order: Order): Promise<string> {
  const { wechat, publicBaseUrl } = ctx.config;
  const terms = { outTradeNo: order.id, amountFen: order.amountFen, timeExpire: order.expiresAt };
  if (order.channel === 'alipay') {
    const { qrCode } = await alipayClient(ctx).precreate({
      ...terms,
      subject: wechat.description,
      notifyUrl: `${publicBaseUrl}/membership/alipay-callback`,
    });
    return qrCode;
  }
  const { codeUrl } = await ctx.vendors.wechat.nativePrepay({
    ...terms,
    description: wechat.description,
    notifyUrl: `${publicBaseUrl}/membership/payment-callback`,
  });
  return codeUrl;
}

/** Asks the order's channel about it and applies the answer. Throws VendorError / PaymentMismatchError. */
export async function syncOrderAtChannel(ctx: AppContext, order: Order): Promise<void> {
  if (order.channel === 'alipay') return syncWithAlipay(ctx, order);
  const tx = await ctx.vendors.wechat.queryOrder(order.id);
  if (tx) await applyTransaction(ctx, order, tx);
}

/** Closes a pending order at its channel and here ('paid': it was paid, and is granted instead). */
export function closeOrderAtChannel(ctx: AppContext, order: Order): Promise<'closed' | 'paid'> {
  return order.channel === 'alipay' ? closeOrderAtAlipay(ctx, order) : closeOrderAtWechat(ctx, order);
}
