/**
 * The purchase dialog: 微信支付 or 支付宝 (the choice is remembered), the plans and packs on sale with what each adds,
 * the QR code with countdown while waiting, then paid / expired / failed. Shown while `payment` is set.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { ClientOptions, MembershipView, PaymentView } from '../../../shared/contract';
import { useNow } from '../hooks/useNow';
import { formatCountdown, formatDateTime, formatMoney } from '../logic/format';
import { planText, purchaseNote, purchaseTitle } from '../logic/membership';
import { CHANNEL_LABELS, planEffect, shortfallText } from '../logic/plans';
import { choosePayment, closePurchase, simulatePayment, startPurchase } from '../store/actions';
import { useBusy } from '../store/app-store';
import { Spinner } from './common';
import { AlertIcon, CheckIcon, CloseIcon, RefreshIcon, WifiOffIcon } from './icons';

const FAILURE: Record<'closed' | 'failed' | 'error', { title: string; text: string }> = {
  closed: { title: '订单已关闭', text: '请重新下单后再扫码支付' },
  failed: { title: '支付失败', text: '本次支付没有成功，请重试' },
  error: { title: '创建订单失败', text: '请稍后重试' },
};

interface Props {
  payment: PaymentView;
  membership: MembershipView | null;
  options: ClientOptions | null;
}

export function PurchaseDialog({ payment, membership, options }: Props) {
  const plan = membership?.plan ?? options?.plan ?? null;
  const closing = useBusy('closePurchase');
  // named when the dialog opens: a first purchase stays 开通 after it is paid (when the merchant has become a member)
  const [title] = useState(() => purchaseTitle(membership));

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void closePurchase();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="payment-title"
        data-testid="payment-dialog"
        data-status={payment.status}
      >
        <div className="modal__head">
          <div>
            <h2 id="payment-title" data-testid="payment-title">
              {title}
            </h2>
            {plan ? (
              <p className="muted">
                {formatMoney(plan.priceFen)} · {planText(plan)}
              </p>
            ) : null}
          </div>
          <button type="button" className="icon-button" aria-label="关闭" disabled={closing} onClick={() => void closePurchase()}>
            <CloseIcon />
          </button>
        </div>
        <div className="modal__body">
          {payment.status !== 'paid' ? <PaymentChoices payment={payment} membership={membership} /> : null}
          <PaymentBody payment={payment} membership={membership} sandbox={options?.sandbox ?? false} />
        </div>
      </div>
    </div>
  );
}

/** The channel tabs and the plans on sale; choosing another makes the order again (the server closes the old one). */
function PaymentChoices({ payment, membership }: { payment: PaymentView; membership: MembershipView | null }) {
  const now = useNow();
  const busy = useBusy('purchase') || payment.status === 'creating';
  const short = shortfallText(payment.shortfall);
  return (
    <div className="pay-choose">
      {payment.channels.length > 1 ? (
        <div className="pay-choose__channels" role="radiogroup" aria-label="支付方式">
          {payment.channels.map((c) => (
            <button
              key={c}
              type="button"
              role="radio"
              aria-checked={payment.channel === c}
              className={`pay-channel pay-channel--${c} ${payment.channel === c ? 'pay-channel--active' : ''}`}
              data-testid={`pay-channel-${c}`}
              disabled={busy}
              onClick={() => payment.channel !== c && void choosePayment({ channel: c })}
            >
              <span className={c === 'wx' ? 'wechat-dot' : 'alipay-dot'} />
              {CHANNEL_LABELS[c]}
            </button>
          ))}
        </div>
      ) : null}
      {short ? (
        <p className="inline-note inline-note--warning pay-choose__short" data-testid="payment-shortfall">
          {short}
          {membership?.isMember ? '，已为你选好能补足的加量包' : '，开通会员后即可处理'}
        </p>
      ) : null}
      {payment.plans.length > 1 ? (
        <div className="pay-choose__plans" role="radiogroup" aria-label="套餐">
          {payment.plans.map((p) => {
            const needsMember = p.kind === 'pack' && !membership?.isMember;
            return (
              <button
                key={p.id}
                type="button"
                role="radio"
                aria-checked={payment.planId === p.id}
                className={`pay-plan ${payment.planId === p.id ? 'pay-plan--active' : ''}`}
                data-testid={`pay-plan-${p.id}`}
                disabled={busy || needsMember}
                onClick={() => payment.planId !== p.id && void choosePayment({ planId: p.id })}
              >
                <span className="pay-plan__name">
                  {p.name}
                  {p.kind === 'pack' ? <span className="pay-plan__tag">加量包</span> : null}
                  {p.kind === 'pack' && payment.shortfall && p.quota >= payment.shortfall && membership?.isMember ? (
                    <span className="pay-plan__tag pay-plan__tag--hint">够用</span>
                  ) : null}
                </span>
                <span className="pay-plan__price">{formatMoney(p.priceFen)}</span>
                <span className="pay-plan__effect" data-testid={`pay-plan-effect-${p.id}`}>
                  {planEffect(p, membership, now)}
                </span>
              </button>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}

function PaymentBody({ payment, membership, sandbox }: { payment: PaymentView; membership: MembershipView | null; sandbox: boolean }) {
  switch (payment.status) {
    case 'creating':
      return (
        <div className="pay-state">
          <Spinner label="正在创建订单…" />
        </div>
      );
    case 'waiting':
      return <WaitingForPayment payment={payment} membership={membership} sandbox={sandbox} />;
    case 'paid':
      return (
        <div className="pay-state">
          <span className="pay-state__icon pay-state__icon--success">
            <CheckIcon size={30} />
          </span>
          <h3>支付成功</h3>
          <p>
            当前剩余{' '}
            <strong className="pay-state__quota" data-testid="payment-quota-after">
              {payment.quotaAfter ?? '—'}
            </strong>{' '}
            次
          </p>
          {membership?.quotaExpireAt ? <p className="muted">会员有效期至 {formatDateTime(membership.quotaExpireAt)}</p> : null}
          <button
            type="button"
            className="btn btn--primary btn--wide pay-state__done"
            data-testid="payment-done"
            onClick={() => void closePurchase()}
          >
            完成
          </button>
        </div>
      );
    case 'expired':
      return <Outcome icon={<RefreshIcon size={28} />} title="二维码已过期" text="请重新获取二维码后再扫码支付" action="重新获取" />;
    default:
      return (
        <Outcome
          icon={<AlertIcon size={28} />}
          title={FAILURE[payment.status].title}
          text={(payment.status === 'error' ? payment.message : null) ?? FAILURE[payment.status].text}
          action="重试"
          danger
        />
      );
  }
}

function WaitingForPayment({
  payment,
  membership,
  sandbox,
}: {
  payment: PaymentView;
  membership: MembershipView | null;
  sandbox: boolean;
}) {
  const now = useNow();
  const simulating = useBusy('simulatePayment');
  const chosen = payment.plans.find((p) => p.id === payment.planId) ?? null;
  return (
    <div className="pay-wait">
      <div className="pay-wait__qr">
        {payment.qrDataUrl ? (
          <img
            src={payment.qrDataUrl}
            alt={`${CHANNEL_LABELS[payment.channel]}二维码`}
            data-testid="payment-qr"
            data-channel={payment.channel}
          />
        ) : (
          <Spinner />
        )}
      </div>
      <div className="pay-wait__info">
        <div className="pay-wait__amount" data-testid="payment-amount">
          {formatMoney(payment.amountFen)}
        </div>
        {chosen ? (
          <p className="pay-wait__plan">{chosen.name}</p>
        ) : membership ? (
          <p className="pay-wait__plan">{planText(membership.plan)}</p>
        ) : null}
        {chosen ? (
          <p className="muted">{planEffect(chosen, membership, now)}</p>
        ) : membership ? (
          <p className="muted">{purchaseNote(membership)}</p>
        ) : null}
        <p className="pay-wait__hint" data-testid="payment-hint">
          <span className={payment.channel === 'alipay' ? 'alipay-dot' : 'wechat-dot'} />
          {payment.channel === 'alipay' ? '请使用支付宝扫一扫支付' : '请使用微信扫一扫支付'}
        </p>
        <p className="muted" data-testid="payment-countdown">
          二维码 {formatCountdown(payment.expiresAt, now)} 后过期
        </p>
        {payment.networkError ? (
          <p className="inline-note inline-note--warning" data-testid="payment-network">
            <WifiOffIcon size={16} />
            网络中断，正在重试…
          </p>
        ) : null}
        {sandbox ? (
          <button
            type="button"
            className="btn btn--secondary"
            data-testid="simulate-pay"
            disabled={simulating}
            onClick={() => void simulatePayment()}
          >
            模拟支付
          </button>
        ) : null}
      </div>
      <div className="pay-wait__foot">
        <button type="button" className="btn btn--ghost" onClick={() => void closePurchase()}>
          取消
        </button>
      </div>
    </div>
  );
}

function Outcome({
  icon,
  title,
  text,
  action,
  danger,
}: {
  icon: ReactNode;
  title: string;
  text: string;
  action: string;
  danger?: boolean;
}) {
  const buying = useBusy('purchase');
  return (
    <div className="pay-state">
      <span className={`pay-state__icon ${danger ? 'pay-state__icon--danger' : 'pay-state__icon--muted'}`}>{icon}</span>
      <h3>{title}</h3>
      <p className="muted" data-testid="payment-message">
        {text}
      </p>
      <div className="pay-state__actions">
        <button type="button" className="btn btn--ghost" onClick={() => void closePurchase()}>
          取消
        </button>
        <button
          type="button"
          className="btn btn--primary"
          data-testid="payment-retry"
          disabled={buying}
          onClick={() => void startPurchase()}
        >
          {action}
        </button>
      </div>
    </div>
  );
}
