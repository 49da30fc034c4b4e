/** The top bar: the brand, the merchant's membership at a glance, buy/renew and logout. */
import type { AppState } from '../../../shared/contract';
import { formatDateTime, maskPhone } from '../logic/format';
import { MEMBERSHIP_STATUS_LABELS, membershipStatus, purchaseLabel, type MembershipStatus } from '../logic/membership';
import { logout, startPurchase } from '../store/actions';
import { useBusy } from '../store/app-store';
import { Badge } from './common';

const STATUS_TONE: Record<MembershipStatus, 'success' | 'neutral' | 'danger'> = {
  member: 'success',
  not_member: 'neutral',
  expired: 'danger',
};

export function Header({ app }: { app: AppState }) {
  const m = app.membership;
  const status = m ? membershipStatus(m) : null;
  const buying = useBusy('purchase');
  const leaving = useBusy('logout');
  return (
    <header className="header" data-testid="membership-bar">
      <div className="brand-mark">AI照</div>
      <div className="header__stats">
        <div className="stat">
          <span className="stat__label">会员状态</span>
          <span className="stat__value">{status ? <Badge tone={STATUS_TONE[status]}>{MEMBERSHIP_STATUS_LABELS[status]}</Badge> : '—'}</span>
        </div>
        <div className="stat">
          <span className="stat__label">剩余次数</span>
          <span className="stat__value">
            <strong className="stat__number" data-testid="quota-remaining">
              {m ? m.quotaRemaining : '—'}
            </strong>
            <span className="stat__unit">次</span>
          </span>
        </div>
        <div className="stat">
          <span className="stat__label">到期时间</span>
          <span className="stat__value" data-testid="quota-expire">
            {formatDateTime(m?.quotaExpireAt)}
          </span>
        </div>
      </div>
      <div className="header__actions">
        <button
          type="button"
          className={status === 'member' ? 'btn btn--secondary' : 'btn btn--primary'}
          data-testid="buy-button"
          disabled={buying || !m}
          onClick={() => void startPurchase()}
        >
          {purchaseLabel(m)}
        </button>
        <span className="header__divider" />
        <span className="header__phone" data-testid="user-phone">
          {app.user ? maskPhone(app.user.phone) : ''}
        </span>
        <button type="button" className="btn btn--ghost" data-testid="logout" disabled={leaving} onClick={() => void logout()}>
          退出登录
        </button>
      </div>
    </header>
  );
}
