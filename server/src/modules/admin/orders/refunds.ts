/**
 * Admin refunds: POST /admin/api/orders/:id/refunds starts a refund of a paid order at WeChat Pay (refunds.ts does
 * the money), with the audit row written in the same transaction as the refund row.
 */
import type { AdminRefund } from '@aizhao/shared';
import type { AppContext } from '../../../context.js';
import { requestRefund } from '../../membership/refunds.js';
import { writeAudit, type Actor } from '../audit/service.js';
import { phonesOf, toAdminOrder, toAdminRefund } from '../views.js';

export async function refundsOfOrder(ctx: AppContext, orderId: string): Promise<AdminRefund[]> {
  const rows = await ctx.db.models.Refund.findAll({
    where: { orderId },
    order: [
      ['createdAt', 'ASC'],
      ['id', 'ASC'],
    ],
  });
  return rows.map(toAdminRefund);
}

export async function refundOrder(ctx: AppContext, actor: Actor, orderId: string, body: { amountFen: number; reason: string }) {
  const refund = await requestRefund(ctx, {
    orderId,
    amountFen: body.amountFen,
    reason: body.reason,
    requestedBy: actor.username,
    audit: (r, t) =>
      writeAudit(
        ctx,
        actor,
        {
          action: 'order.refund',
          target: { type: 'order', id: orderId },
          reason: body.reason,
          details: { refundId: r.id, amountFen: r.amountFen },
        },
        t,
      ),
  });
  const order = (await ctx.db.models.Order.findByPk(orderId))!;
  return { order: toAdminOrder(order, await phonesOf(ctx.db.models, [order.userId])), refund: toAdminRefund(refund) };
}
