/**
 * Notices above the tabs: offline, membership (not member / expired / low balance), a recent refund and what it took
 * back, a login that will not last.
 */
import type { ReactNode } from 'react';
import type { AppState } from '../../../shared/contract';
import { membershipBanner, purchaseLabel, refundNotice, type BannerKind } from '../logic/membership';
import { checkForUpdates, installUpdate, startPurchase } from '../store/actions';
import { dismissRefundNotice, dismissSessionNotice, useBusy, useStore } from '../store/app-store';
import { AlertIcon, CloseIcon, CrownIcon, RefreshIcon, WifiOffIcon } from './icons';

type BannerTone = 'accent' | 'warning' | 'danger' | 'neutral';

function Banner({
  tone,
  icon,
  testId,
  children,
  action,
}: {
  tone: BannerTone;
  icon: ReactNode;
  testId: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className={`banner banner--${tone}`} data-testid={testId} role="status">
      <span className="banner__icon">{icon}</span>
      <span className="banner__text">{children}</span>
      {action}
    </div>
  );
}

const MEMBERSHIP_TONE: Partial<Record<BannerKind, BannerTone>> = { not_member: 'accent', expired: 'danger', low: 'warning' };

export function Banners({ app }: { app: AppState }) {
  const dismissed = useStore((s) => s.sessionNoticeDismissed);
  const refundDismissed = useStore((s) => s.refundNoticeDismissed);
  const refund = refundNotice(app.membership, Date.now(), refundDismissed);
  const buying = useBusy('purchase');
  const installing = useBusy('installUpdate');
  const banner = membershipBanner(app.membership);
  const tone = MEMBERSHIP_TONE[banner.kind];
  return (
    <div className="banners">
      {app.update.status === 'ready' ? (
        <Banner
          tone="accent"
          icon={<RefreshIcon />}
          testId="update-ready"
          action={
            <button type="button" className="btn btn--primary btn--small" data-testid="install-update" disabled={installing} onClick={() => void installUpdate()}>
              重启更新
            </button>
          }
        >
          新版本已就绪，重启更新（{app.update.version}）。未完成的图片会在重启后接着处理。
        </Banner>
      ) : null}
      {app.update.required && app.update.status !== 'ready' ? (
        <Banner
          tone="danger"
          icon={<AlertIcon />}
          testId="update-required"
          action={
            app.update.status === 'error' ? (
              <button type="button" className="btn btn--secondary btn--small" onClick={() => void checkForUpdates()}>
                重试
              </button>
            ) : undefined
          }
        >
          当前版本过低，需要更新后才能继续使用（最低 {app.update.minVersion ?? '新版本'}）：
          {app.update.status === 'downloading' ? `正在下载新版本 ${app.update.percent ?? 0}%…` : app.update.status === 'error' ? app.update.message : '正在查找新版本…'}
        </Banner>
      ) : null}
      {app.offline ? (
        <Banner tone="neutral" icon={<WifiOffIcon />} testId="offline-banner">
          无法连接服务器，正在重试…
        </Banner>
      ) : null}
      {tone && banner.message ? (
        <Banner
          tone={tone}
          icon={banner.kind === 'not_member' ? <CrownIcon /> : <AlertIcon />}
          testId={`membership-banner-${banner.kind}`}
          action={
            <button type="button" className="btn btn--primary btn--small" disabled={buying} onClick={() => void startPurchase()}>
              {purchaseLabel(app.membership)}
            </button>
          }
        >
          {banner.message}
        </Banner>
      ) : null}
      {refund && app.membership?.lastRefund ? (
        <Banner
          tone="neutral"
          icon={<AlertIcon />}
          testId="refund-notice"
          action={
            <button
              type="button"
              className="icon-button"
              aria-label="知道了"
              onClick={() => dismissRefundNotice(app.membership!.lastRefund!.at)}
            >
              <CloseIcon size={16} />
            </button>
          }
        >
          {refund}
        </Banner>
      ) : null}
      {!app.sessionPersisted && !dismissed ? (
        <Banner
          tone="neutral"
          icon={<AlertIcon />}
          testId="session-notice"
          action={
            <button type="button" className="icon-button" aria-label="知道了" onClick={dismissSessionNotice}>
              <CloseIcon size={16} />
            </button>
          }
        >
          本机无法安全保存登录状态，关闭应用后需要重新登录
        </Banner>
      ) : null}
    </div>
  );
}
