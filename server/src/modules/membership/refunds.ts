/**
 * Refunds of paid orders: the one code path that applies what WeChat Pay reports about a refund,
 * whoever sees it first — the admin's click (WeChat's answer to 申请退款), the REFUND.* notification, the reconciler's
 * query of a refund still processing, or the order query answering trade_state REFUND.
 *
 * Every change runs in one transaction that locks the order row first, then the refund row, then the user (never a
 * read before the lock that decides). A refund that succeeds takes back, exactly once (refunds.appliedAt, and the
 * ledger's unique (orderId, action, refundId)), the unused share of what the order granted: the order's quota ×
 * refunded share, capped at the balance (never below 0), and its days × share off the expiry. The shares are taken
 * cumulatively (what the order's refunds so far owe minus what earlier ones took), so partial refunds that add up to
 * the whole take back exactly the order's quota and days. ABNORMAL / CLOSED refunds take nothing.
 *
 * How we learn of a refund made outside our admin (in the WeChat merchant platform), and the limits of it:
 * - its REFUND.* notification, sent to the refund URL configured in the merchant platform (交易中心-退款管理-退款配置,
 *   which must be our PUBLIC_BASE_URL/membership/payment-callback) and retried by WeChat for about 24 h: it carries
 *   out_refund_no, refund_id and the amounts, and is applied here like ours (a new `platform` row);
 * - the order query answering trade_state REFUND ("转入退款"): it says that the order was paid and that a refund
 *   happened, not which or how much; an order with no refund we know of is then marked `refunding` until the
 *   notification comes;
 * - the refund query needs the out_refund_no, which WeChat made up for a platform refund, so it cannot find one;
 *   WeChat v3 has no "refunds of an order" query for direct merchants. The complete record would be the daily refund
 *   bill (GET /v3/bill/tradebill?bill_type=REFUND, T+1), which this code does not read.
 *
 * Alipay orders (orders.channel `alipay`) refund through the same rows and the same takeBack: alipay.trade.refund with
 * our refund id as out_request_no (the same number again is the same refund), its REFUND_SUCCESS read from
 * alipay.trade.fastpay.refund.query (the refund's own answer carries only the trade's cumulative refund_fee); a refund
 * made in the Alipay merchant portal arrives as a notification with out_biz_no / refund_fee (alipay.ts). Alipay has
 * no refund id: refunds.wxRefundId holds `trade_no:out_request_no`.
 */
import { Op, type CreationAttributes, type Transaction } from 'sequelize';
import { PAID_ORDER_STATUSES, type OrderStatus, type RefundNotice } from '@aizhao/shared';
import type { AppContext } from '../../context.js';
import type { Order, Refund, RefundStatus } from '../../db/models.js';
import { AppError, VendorError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import type { AlipayRefund, WxRefund, WxRefundNotice } from '../../vendors/types.js';
import { parseAlipayTime, yuanToFen } from '../../vendors/alipay/wire.js';
import { parseWechatTime } from '../../vendors/wechatpay/time.js';
import { applyLapse, changeBalance, lockUser, saveUser } from '../quota/ledger.js';

export class RefundMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefundMismatchError';
  }
}

const PAID: readonly OrderStatus[] = PAID_ORDER_STATUSES;
export const isPaidOrder = (o: Pick<Order, 'status'>): boolean => PAID.includes(o.status);

/** Refunds WeChat has not finished with: they count against what is left and block a new refund of the order. */
const UNSETTLED: RefundStatus[] = ['REQUESTED', 'PROCESSING', 'ABNORMAL'];
/** Refunds that hold money: everything but a refused request and a closed refund. */
const HOLDS_MONEY: RefundStatus[] = ['REQUESTED', 'PROCESSING', 'ABNORMAL', 'SUCCESS'];
const FINAL: RefundStatus[] = ['SUCCESS', 'CLOSED'];

/**
 * WeChat: "同一笔订单多次退款的请求需相隔1分钟" (申请退款 API notes, pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_5_9.shtml).
 * We keep the same spacing between two refunds of one order, which also makes a repeated click one refund.
 */
export const REFUND_SPACING_MS = 60_000;
const DAY_SECONDS = 86_400;

/** The amount the order's refunds hold (all but refused requests and closed refunds), in fen. */
const heldFen = (refunds: Refund[]): number =>
  refunds.filter((r) => HOLDS_MONEY.includes(r.status)).reduce((sum, r) => sum + r.amountFen, 0);

type RefundFields = CreationAttributes<Refund>;

/**
 * A refund's first row: its id is new (or `r.id`) and is also its out_refund_no unless WeChat made that up (a refund
 * made in the merchant platform); how it ends and what it takes back are not known yet.
 */
export function newRefundRow(
  order: Pick<Order, 'id' | 'userId'>,
  r: Pick<RefundFields, 'amountFen' | 'status' | 'source'> &
    Partial<Pick<RefundFields, 'id' | 'outRefundNo' | 'wxRefundId' | 'reason' | 'requestedBy'>>,
  now: Date,
): RefundFields {
  const id = r.id ?? newId();
  return {
    orderId: order.id,
    userId: order.userId,
    outRefundNo: id,
    wxRefundId: null,
    reason: null,
    requestedBy: null,
    ...r,
    id,
    failReason: null,
    successAt: null,
    appliedAt: null,
    quotaTaken: null,
    expirySecondsTaken: null,
    lastQueriedAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** What WeChat reported about one refund (from an answer, a query or a notification). */
export interface RefundReport {
  outTradeNo: string;
  outRefundNo: string;
  wxRefundId: string;
  status: WxRefund['status'];
  amountFen: number;
  totalFen: number;
  successTime?: string;
  /** when it succeeded, epoch ms (Alipay's gmt_refund_pay / gmt_refund; WeChat reports successTime) */
  successAtMs?: number;
}

/** Alipay has no refund id: a refund is its trade_no and out_request_no (kept in refunds.wxRefundId, unique). */
export const alipayRefundId = (tradeNo: string | undefined, outRequestNo: string): string =>
  `${tradeNo ?? ''}:${outRequestNo}`.slice(0, 64);

/** An Alipay refund query's answer (REFUND_SUCCESS). */
export const reportOfAlipayRefund = (r: AlipayRefund): RefundReport => {
  const at = parseAlipayTime(r.gmt_refund_pay);
  return {
    outTradeNo: r.out_trade_no,
    outRefundNo: r.out_request_no,
    wxRefundId: alipayRefundId(r.trade_no, r.out_request_no),
    status: 'SUCCESS',
    amountFen: yuanToFen(r.refund_amount) ?? -1,
    totalFen: yuanToFen(r.total_amount) ?? -1,
    ...(at !== null ? { successAtMs: at } : {}),
  };
};

export const reportOfRefund = (r: WxRefund): RefundReport => ({
  outTradeNo: r.out_trade_no,
  outRefundNo: r.out_refund_no,
  wxRefundId: r.refund_id,
  status: r.status,
  amountFen: r.amount.refund,
  totalFen: r.amount.total,
  ...(r.success_time ? { successTime: r.success_time } : {}),
});

export const reportOfNotice = (n: WxRefundNotice): RefundReport => ({
  outTradeNo: n.out_trade_no,
  outRefundNo: n.out_refund_no,
  wxRefundId: n.refund_id,
  status: n.refund_status,
  amountFen: n.amount.refund,
  totalFen: n.amount.total,
  ...(n.success_time ? { successTime: n.success_time } : {}),
});

async function lockOrder(ctx: AppContext, orderId: string, t: Transaction): Promise<Order> {
  const order = await ctx.db.models.Order.findByPk(orderId, { transaction: t, lock: t.LOCK.UPDATE });
  if (!order) throw new AppError('NOT_FOUND', '订单不存在');
  return order;
}

const refundsOfOrder = (ctx: AppContext, orderId: string, t: Transaction): Promise<Refund[]> =>
  ctx.db.models.Refund.findAll({ where: { orderId }, order: [['createdAt', 'ASC']], transaction: t, lock: t.LOCK.UPDATE });

/** The order's state from its refunds (the order row must be locked and its refundedFen current). */
function orderStatusFor(order: Order, refunds: Refund[]): OrderStatus {
  if (refunds.some((r) => UNSETTLED.includes(r.status))) return 'refunding';
  if (order.refundedFen >= order.amountFen) return 'refunded';
  if (order.refundedFen > 0) return 'partially_refunded';
  return 'paid';
}

async function saveOrderStatus(order: Order, refunds: Refund[], t: Transaction, now: Date): Promise<void> {
  const status = orderStatusFor(order, refunds);
  if (status === order.status) return;
  order.status = status;
  order.updatedAt = now;
  await order.save({ transaction: t });
}

const share = (whole: number, partFen: number, totalFen: number): number => Math.round((whole * partFen) / totalFen);

/**
 * Takes back what a succeeded refund owes (the user is locked here, after the order). Returns what it took.
 * The expiry moves earlier by the refund's share of the order's days; a membership that thereby ends now lapses.
 */
async function takeBack(
  ctx: AppContext,
  order: Order,
  refund: Refund,
  t: Transaction,
  now: Date,
): Promise<{ quota: number; seconds: number }> {
  const quota = order.quota ?? ctx.config.plan.quota;
  const days = order.days ?? ctx.config.plan.days;
  const before = order.refundedFen;
  const after = before + refund.amountFen;
  const quotaDue = share(quota, after, order.amountFen) - share(quota, before, order.amountFen);
  const secondsDue = share(days * DAY_SECONDS, after, order.amountFen) - share(days * DAY_SECONDS, before, order.amountFen);

  const user = await lockUser(ctx.db, order.userId, t);
  await applyLapse(ctx.db, user, t, now);
  const quotaTaken = Math.max(0, Math.min(quotaDue, user.quotaRemaining));
  const running = user.quotaExpireAt !== null && user.quotaExpireAt.getTime() > now.getTime();
  const seconds = running ? secondsDue : 0;
  if (running) user.quotaExpireAt = new Date(user.quotaExpireAt!.getTime() - seconds * 1000);
  const entry = await changeBalance(
    ctx.db,
    user,
    {
      action: 'order_refund',
      amount: -quotaTaken,
      orderId: order.id,
      refundId: refund.id,
      reason: `订单退款 ¥${(refund.amountFen / 100).toFixed(2)}`,
    },
    t,
    now,
  );
  if (!entry) throw new Error(`refund ${refund.id} recorded twice`); // unreachable: appliedAt under the order lock guards it
  await saveUser(ctx.db, user, t);
  await applyLapse(ctx.db, user, t, now);
  return { quota: quotaTaken, seconds };
}

export type RefundOutcome = 'applied' | 'updated' | 'unchanged';

/**
 * Applies one report about a refund of `orderId`: creates the row of a refund we did not start (the merchant
 * platform), moves its status forward (never back from SUCCESS / CLOSED), takes back quota and days once when it
 * succeeded, and sets the order's state. Throws RefundMismatchError when the report is not about this order.
 */
export async function applyRefundReport(ctx: AppContext, orderId: string, report: RefundReport): Promise<RefundOutcome> {
  const now = ctx.now();
  const outcome = await ctx.db.transaction(async (t) => {
    const order = await lockOrder(ctx, orderId, t);
    if (report.outTradeNo !== order.id) throw new RefundMismatchError('out_trade_no mismatch');
    if (report.totalFen !== order.amountFen) throw new RefundMismatchError('amount.total mismatch');
    if (!isPaidOrder(order)) throw new RefundMismatchError(`order ${order.id} is ${order.status}, not paid`);
    const refunds = await refundsOfOrder(ctx, order.id, t);
    let refund = refunds.find((r) => r.outRefundNo === report.outRefundNo);
    if (refund && refund.amountFen !== report.amountFen) throw new RefundMismatchError('amount.refund mismatch');
    if (!refund) {
      if (report.amountFen <= 0 || heldFen(refunds) + report.amountFen > order.amountFen)
        throw new RefundMismatchError('refund exceeds the order');
      refund = await ctx.db.models.Refund.create(
        newRefundRow(
          order,
          {
            outRefundNo: report.outRefundNo,
            wxRefundId: report.wxRefundId,
            amountFen: report.amountFen,
            status: 'PROCESSING',
            source: 'platform',
          },
          now,
        ),
        { transaction: t },
      );
      refunds.push(refund);
      ctx.logger.info({ orderId, outRefundNo: report.outRefundNo }, 'refund made outside our admin found');
    }
    if (FINAL.includes(refund.status) || refund.status === report.status) {
      if (refund.wxRefundId === null) {
        refund.wxRefundId = report.wxRefundId;
        await refund.save({ transaction: t });
      }
      await saveOrderStatus(order, refunds, t, now);
      return 'unchanged' as const;
    }
    refund.status = report.status;
    refund.wxRefundId = report.wxRefundId;
    refund.updatedAt = now;
    if (report.status === 'ABNORMAL') refund.failReason = '退款异常：退款到银行卡失败（卡作废或冻结），需在微信支付商户平台处理';
    if (report.status === 'CLOSED') refund.failReason = '退款已关闭';
    let applied = false;
    if (report.status === 'SUCCESS') {
      const at = report.successAtMs ?? (report.successTime ? parseWechatTime(report.successTime) : null);
      refund.successAt = new Date(Math.min(at ?? now.getTime(), now.getTime()));
      refund.failReason = null;
      const taken = await takeBack(ctx, order, refund, t, now);
      refund.quotaTaken = taken.quota;
      refund.expirySecondsTaken = taken.seconds;
      refund.appliedAt = now;
      order.refundedFen += refund.amountFen;
      applied = true;
    }
    await refund.save({ transaction: t });
    await saveOrderStatus(order, refunds, t, now);
    if (applied) await order.save({ transaction: t });
    return applied ? ('applied' as const) : ('updated' as const);
  });
  ctx.logger.info({ orderId, outRefundNo: report.outRefundNo, status: report.status, outcome }, 'refund report applied');
  return outcome;
}

/** A REFUND.* notification: the order is found by out_trade_no; an order we still think unpaid is queried first. */
export async function applyRefundNotice(
  ctx: AppContext,
  notice: WxRefundNotice,
  grantLostPayment: (order: Order) => Promise<void>,
): Promise<RefundOutcome> {
  if (notice.mchid !== ctx.vendors.wechat.mchid) throw new RefundMismatchError('mchid mismatch');
  const order = await ctx.db.models.Order.findByPk(notice.out_trade_no.slice(0, 32));
  if (!order) throw new RefundMismatchError('unknown order');
  // a refund means it was paid: a payment whose notification was lost is granted first (from the order query)
  if (!isPaidOrder(order)) await grantLostPayment(order);
  return applyRefundReport(ctx, order.id, reportOfNotice(notice));
}

/**
 * The order query answered trade_state REFUND (after the payment was granted): refunds we started are left to their
 * own answers, notifications and queries; an order with no refund we know of is marked `refunding` (see the header).
 */
export async function noteRefundedAtWechat(ctx: AppContext, orderId: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (t) => {
    const order = await lockOrder(ctx, orderId, t);
    if (order.status !== 'paid') return;
    const refunds = await refundsOfOrder(ctx, orderId, t);
    if (refunds.some((r) => HOLDS_MONEY.includes(r.status))) return;
    order.status = 'refunding';
    order.updatedAt = now;
    await order.save({ transaction: t });
    ctx.logger.warn({ orderId }, 'WeChat reports a refund of this order that we do not know: waiting for its notification');
  });
}

export interface RefundRequestInput {
  orderId: string;
  amountFen: number;
  reason: string;
  requestedBy: string;
  /** written in the same transaction as the refund row (the admin's audit log) */
  audit?: (refund: Refund, t: Transaction) => Promise<unknown>;
}

/** WeChat's and Alipay's refusals, in the operator's words. */
function refusalMessage(err: VendorError): string {
  if (err.vendor === 'alipay') {
    if (err.details.code === 'ACQ.SELLER_BALANCE_NOT_ENOUGH') return '支付宝账户余额不足，无法退款，请充值后重试';
    return `支付宝拒绝了这笔退款：${err.message.replace(/^alipay: alipay\.trade\.refund: /, '')}`.slice(0, 255);
  }
  if (err.details.code === 'NOT_ENOUGH' || err.details.code === 'NOTENOUGH') return '商户号余额不足，微信支付无法退款，请充值后重试';
  const said = err.message.replace(/^wechatpay: refund: HTTP \d+ /, '');
  return `微信支付拒绝了这笔退款：${said}`.slice(0, 255);
}

/** A 4xx answer other than 429 means WeChat did not accept the request: no refund exists. */
const isRefusal = (err: unknown): err is VendorError =>
  err instanceof VendorError &&
  err.details.status !== undefined &&
  err.details.status >= 400 &&
  err.details.status < 500 &&
  err.details.status !== 429;

/**
 * Starts a refund of a paid order (the admin's click). One transaction checks and records it (order locked: a
 * concurrent click waits, then sees this refund and is refused), then WeChat is asked outside it, with our refund id
 * as out_refund_no, and its answer is applied. Refused by WeChat: the refund is REJECTED and the click answers 409.
 * No answer at all: the refund stays REQUESTED; the reconciler asks again with the same out_refund_no.
 */
export async function requestRefund(ctx: AppContext, input: RefundRequestInput): Promise<Refund> {
  const now = ctx.now();
  const { Refund } = ctx.db.models;
  const refund = await ctx.db.transaction(async (t) => {
    const order = await lockOrder(ctx, input.orderId, t);
    if (!isPaidOrder(order))
      throw new AppError('ORDER_NOT_PAID', `订单${order.status === 'pending' ? '尚未支付' : '未支付成功'}，不能退款`);
    const refunds = await refundsOfOrder(ctx, order.id, t);
    if (refunds.some((r) => UNSETTLED.includes(r.status))) throw new AppError('REFUND_IN_PROGRESS');
    const remaining = order.amountFen - heldFen(refunds);
    if (input.amountFen > remaining) {
      throw new AppError('REFUND_EXCEEDS_REMAINING', `退款金额超过订单可退金额（最多可退 ¥${(remaining / 100).toFixed(2)}）`, [
        { path: 'amountFen', message: `at most ${remaining}` },
      ]);
    }
    const last = refunds.filter((r) => r.status !== 'REJECTED').at(-1);
    if (last && now.getTime() - last.createdAt.getTime() < REFUND_SPACING_MS) {
      throw new AppError('RATE_LIMITED', '同一订单的两次退款需间隔 1 分钟');
    }
    const created = await Refund.create(
      newRefundRow(
        order,
        { amountFen: input.amountFen, status: 'REQUESTED', source: 'admin', reason: input.reason, requestedBy: input.requestedBy },
        now,
      ),
      { transaction: t },
    );
    await saveOrderStatus(order, [...refunds, created], t, now);
    await input.audit?.(created, t);
    return created;
  });
  await submitRefund(ctx, refund);
  return (await Refund.findByPk(refund.id)) ?? refund;
}

/**
 * An Alipay refund (alipay.trade.refund with our refund id as out_request_no; the same number again is the same
 * refund), then its query (alipay.trade.fastpay.refund.query), whose REFUND_SUCCESS is applied: the refund's own answer
 * gives the trade's cumulative refund_fee, not this refund's. No answer: the reconciler asks again.
 */
async function submitAlipayRefund(ctx: AppContext, order: Order, refund: Refund): Promise<void> {
  const alipay = ctx.vendors.alipay;
  if (!alipay) throw new AppError('UNSUPPORTED_CHANNEL', '支付宝支付未开通，无法退款');
  const sent = await sendToVendor(ctx, refund, () =>
    alipay.refund({
      outTradeNo: order.id,
      outRequestNo: refund.outRefundNo,
      refundFen: refund.amountFen,
      reason: refund.reason ?? '',
    }),
  );
  if (!sent) return;
  const found = await alipay.queryRefund(order.id, refund.outRefundNo).catch((err: unknown) => {
    ctx.logger.warn({ err, refundId: refund.id }, 'refund query failed; the reconciler will ask again');
    return null;
  });
  if (found) await applyRefundReport(ctx, order.id, reportOfAlipayRefund(found));
}

/** Sends (or sends again: same out_refund_no, same refund) a refund to WeChat or Alipay and applies the answer. */
async function submitRefund(ctx: AppContext, refund: Refund): Promise<void> {
  const order = await ctx.db.models.Order.findByPk(refund.orderId);
  if (!order) throw new Error(`order ${refund.orderId} vanished`);
  if (order.channel === 'alipay') return submitAlipayRefund(ctx, order, refund);
  const sent = await sendToVendor(ctx, refund, () =>
    ctx.vendors.wechat.createRefund({
      outTradeNo: order.id,
      outRefundNo: refund.outRefundNo,
      reason: refund.reason ?? '',
      notifyUrl: `${ctx.config.publicBaseUrl}/membership/payment-callback`,
      refundFen: refund.amountFen,
      totalFen: order.amountFen,
    }),
  );
  if (sent) await applyRefundReport(ctx, order.id, reportOfRefund(sent.answer));
}

/**
 * Sends a refund request: the vendor's answer; null when none came (logged: the reconciler asks again); a refusal
 * rejects the refund and throws REFUND_REJECTED with the vendor's message.
 */
async function sendToVendor<T>(ctx: AppContext, refund: Refund, send: () => Promise<T>): Promise<{ answer: T } | null> {
  try {
    return { answer: await send() };
  } catch (err) {
    if (!isRefusal(err)) {
      ctx.logger.warn({ err, refundId: refund.id }, 'refund request not answered; the reconciler will ask again');
      return null;
    }
    await rejectRefund(ctx, refund.id, refusalMessage(err));
    throw new AppError('REFUND_REJECTED', refusalMessage(err), undefined, { cause: err });
  }
}

async function rejectRefund(ctx: AppContext, refundId: string, reason: string): Promise<void> {
  const now = ctx.now();
  // the refund's order never changes: read it before the transaction, whose first read is the order's lock
  const row = await ctx.db.models.Refund.findByPk(refundId, { attributes: ['orderId'] });
  if (!row) return;
  await ctx.db.transaction(async (t) => {
    const order = await lockOrder(ctx, row.orderId, t);
    const refunds = await refundsOfOrder(ctx, order.id, t);
    const refund = refunds.find((r) => r.id === refundId)!;
    if (refund.status !== 'REQUESTED') return;
    refund.status = 'REJECTED';
    refund.failReason = reason;
    refund.updatedAt = now;
    await refund.save({ transaction: t });
    await saveOrderStatus(order, refunds, t, now);
  });
  ctx.logger.warn({ refundId, reason }, 'refund refused by WeChat Pay');
}

/** How often one unsettled refund is asked about (WeChat: query a minute after, then less often). */
export const REFUND_QUERY_EVERY_MS = 60_000;

/**
 * The reconciler's part: refunds WeChat has not settled (REQUESTED without an answer, PROCESSING, ABNORMAL), older
 * than a minute, each at most once a minute across instances (claimed with a conditional UPDATE of lastQueriedAt).
 * A REQUESTED refund that WeChat does not know is sent again with the same out_refund_no.
 */
export async function reconcileRefunds(ctx: AppContext): Promise<void> {
  const now = ctx.now();
  const { Refund } = ctx.db.models;
  const cutoff = new Date(now.getTime() - REFUND_QUERY_EVERY_MS);
  const due = await Refund.findAll({
    where: {
      status: { [Op.in]: UNSETTLED },
      createdAt: { [Op.lte]: cutoff },
      [Op.or]: [{ lastQueriedAt: null }, { lastQueriedAt: { [Op.lte]: cutoff } }],
    },
    order: [['createdAt', 'ASC']],
    limit: 50,
  });
  for (const refund of due) {
    const [claimed] = await Refund.update(
      { lastQueriedAt: now },
      { where: { id: refund.id, status: refund.status, [Op.or]: [{ lastQueriedAt: null }, { lastQueriedAt: { [Op.lte]: cutoff } }] } },
    );
    if (claimed !== 1) continue;
    try {
      if (refund.source !== 'platform' && (await ctx.db.models.Order.findByPk(refund.orderId))?.channel === 'alipay') {
        // Alipay: a refund it does not report as REFUND_SUCCESS is sent again with the same out_request_no
        const found = await ctx.vendors.alipay?.queryRefund(refund.orderId, refund.outRefundNo);
        if (found) await applyRefundReport(ctx, refund.orderId, reportOfAlipayRefund(found));
        else await submitRefund(ctx, refund);
        continue;
      }
      const found = await ctx.vendors.wechat.queryRefund(refund.outRefundNo);
      if (found) await applyRefundReport(ctx, refund.orderId, reportOfRefund(found));
      else if (refund.status === 'REQUESTED') await submitRefund(ctx, refund);
      else ctx.logger.error({ refundId: refund.id }, 'WeChat Pay no longer knows this refund');
    } catch (err) {
      ctx.logger.warn({ err, refundId: refund.id }, 'refund reconciliation failed; will retry');
    }
  }
}

/** The merchant's latest applied refund, for the membership status (the desktop shows its effect on the balance). */
export async function lastRefundNotice(ctx: AppContext, userId: string): Promise<RefundNotice | null> {
  const r = await ctx.db.models.Refund.findOne({
    where: { userId, status: 'SUCCESS', appliedAt: { [Op.ne]: null } },
    order: [['appliedAt', 'DESC']],
  });
  if (!r || !r.appliedAt) return null;
  return {
    orderId: r.orderId,
    refundFen: r.amountFen,
    quotaTaken: r.quotaTaken ?? 0,
    expiryShortenedSeconds: r.expirySecondsTaken ?? 0,
    at: r.appliedAt.toISOString(),
  };
}
