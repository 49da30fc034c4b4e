/** The WeChat Pay dialog: QR code with countdown while waiting, then paid / expired / failed. Shown while `payment` is set. */
import { useEffect, useState, type ReactNode } from 'react';
import type { ClientOptions, MembershipView, PaymentView } from '../../../shared/contract';
import { useNow } from '../hooks/useNow';
import { formatCountdown, formatDateTime, formatMoney } from '../logic/format';
import { planText, purchaseTitle, purchaseNote } from '../logic/membership';
import { closePurchase, simulatePayment, startPurchase } from '../store/actions';
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
          <PaymentBody payment={payment} membership={membership} sandbox={options?.sandbox ?? false} />
        </div>
      </div>
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
  return (
    <div className="pay-wait">
      <div className="pay-wait__qr">
        {payment.qrDataUrl ? <img src={payment.qrDataUrl} alt="微信支付二维码" data-testid="payment-qr" /> : <Spinner />}
      </div>
      <div className="pay-wait__info">
        <div className="pay-wait__amount" data-testid="payment-amount">
          {formatMoney(payment.amountFen)}
        </div>
        {membership ? <p className="pay-wait__plan">{planText(membership.plan)}</p> : null}
        {membership ? <p className="muted">{purchaseNote(membership)}</p> : null}
        <p className="pay-wait__hint">
          <span className="wechat-dot" />
          请使用微信扫一扫支付
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
