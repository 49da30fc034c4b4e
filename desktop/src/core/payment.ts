/**
 * The purchase flow behind the QR dialog: create (or reuse) the order of the chosen plan and channel (微信支付 Native
 * code or 支付宝 当面付 qr_code: the same QR, countdown and polling), show its code, poll the order
 * until it is paid, closed, failed or its code expires. Closing the dialog only stops polling: the server keeps the
 * order, a later purchase reuses it while it is payable, and a payment made meanwhile is granted by the server's
 * callback — so the merchant is never charged twice.
 */
import QRCode from 'qrcode';
import type { PaymentChannelId, PlanView } from '@aizhao/shared';
import type { PaymentView } from '../shared/contract.js';
import type { ApiClient } from './api-client.js';
import { DesktopError } from './errors.js';

export interface PaymentEvents {
  changed(): void;
  /** the order was paid: returns the new balance */
  paid(): Promise<number | null>;
}

const emptyView = (): PaymentView => ({
  status: 'creating',
  orderId: null,
  amountFen: 0,
  expiresAt: null,
  qrDataUrl: null,
  networkError: false,
  message: null,
  quotaAfter: null,
  channel: 'wx',
  channels: ['wx'],
  plans: [],
  planId: null,
  shortfall: null,
});

export interface PaymentSelection {
  channel: PaymentChannelId;
  channels: PaymentChannelId[];
  /** null: the suggestion (the pack covering `shortfall` for a member, else the 1-month membership) */
  planId: string | null;
  shortfall: number | null;
  isMember: boolean;
}

/**
 * The plan to offer first: for a member whose batch lacks `shortfall` 次, the cheapest pack that covers it (or, when
 * none does, the largest pack); otherwise the first membership length on sale.
 */
export function suggestPlan(plans: PlanView[], shortfall: number | null, isMember: boolean): PlanView | null {
  const packs = plans.filter((p) => p.kind === 'pack');
  if (isMember && shortfall && packs.length) {
    const covering = packs.filter((p) => p.quota >= shortfall).sort((a, b) => a.priceFen - b.priceFen);
    return covering[0] ?? [...packs].sort((a, b) => b.quota - a.quota)[0]!;
  }
  return plans.find((p) => p.kind === 'membership') ?? null;
}

export class PaymentFlow {
  view: PaymentView | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** bumps on every start/close, so answers for an older dialog are dropped */
  private generation = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly events: PaymentEvents,
    private readonly pollMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(sel: PaymentSelection = { channel: 'wx', channels: ['wx'], planId: null, shortfall: null, isMember: false }): Promise<void> {
    const gen = this.reset();
    const base = { channel: sel.channel, channels: sel.channels, shortfall: sel.shortfall };
    this.set({ ...emptyView(), ...base, plans: this.view?.plans ?? [] });
    try {
      // an older server has no plans: then it sells its one plan and the dialog shows no choice
      const plans = await this.api.plans().then(
        (r) => r.plans,
        () => [] as PlanView[],
      );
      const planId = sel.planId ?? suggestPlan(plans, sel.shortfall, sel.isMember)?.id ?? null;
      const order = await this.api.purchase(sel.channel, planId ?? undefined);
      const qrDataUrl = await QRCode.toDataURL(order.codeUrl, { margin: 1, width: 240, errorCorrectionLevel: 'M' });
      if (gen !== this.generation) return;
      this.set({
        ...emptyView(),
        ...base,
        plans,
        planId,
        status: 'waiting',
        orderId: order.orderId,
        amountFen: order.amountFen,
        expiresAt: order.expiresAt,
        qrDataUrl,
      });
      this.schedule(gen);
    } catch (e) {
      if (gen !== this.generation) return;
      this.set({
        ...emptyView(),
        ...base,
        plans: this.view?.plans ?? [],
        planId: sel.planId,
        status: 'error',
        message: e instanceof DesktopError ? e.message : '创建订单失败，请重试',
      });
    }
  }

  /** Sandbox: the emulated WeChat payer pays, then the order is checked at once. */
  async simulate(): Promise<void> {
    const orderId = this.view?.status === 'waiting' ? this.view.orderId : null;
    if (!orderId) throw new DesktopError('NO_ORDER', '没有待支付的订单');
    await this.api.sandboxPay(orderId, this.view!.channel);
    await this.poll(this.generation);
  }

  close(): void {
    this.reset();
    this.view = null;
    this.events.changed();
  }

  private reset(): number {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return ++this.generation;
  }

  private set(view: PaymentView): void {
    this.view = view;
    this.events.changed();
  }

  private schedule(gen: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(gen), this.pollMs);
  }

  private async poll(gen: number): Promise<void> {
    const view = this.view;
    if (gen !== this.generation || !view?.orderId || view.status !== 'waiting') return;
    try {
      const order = await this.api.order(view.orderId);
      if (gen !== this.generation) return;
      if (order.status === 'paid') {
        const paidGen = this.reset();
        const quotaAfter = await this.events.paid();
        if (paidGen !== this.generation) return; // the dialog was closed or restarted meanwhile
        this.set({ ...view, status: 'paid', networkError: false, quotaAfter });
        return;
      }
      if (order.status === 'closed' || order.status === 'failed') {
        this.reset();
        this.set({ ...view, status: order.status, networkError: false, message: order.status === 'closed' ? '订单已关闭' : '支付失败' });
        return;
      }
      if (view.expiresAt && this.now() >= Date.parse(view.expiresAt)) {
        this.reset();
        this.set({ ...view, status: 'expired', networkError: false });
        return;
      }
      if (view.networkError) this.set({ ...view, networkError: false });
    } catch (e) {
      if (gen !== this.generation) return;
      // keep waiting: the merchant may have paid; the next poll (or the server's callback) will see it
      if (e instanceof DesktopError && e.transient) this.set({ ...view, networkError: true });
    }
    this.schedule(gen);
  }
}
