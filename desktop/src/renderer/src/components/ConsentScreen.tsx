/** At the first login (and when a text changes): the terms and the privacy policy, accepted before the app opens. */
import { useState } from 'react';
import type { ConsentView } from '../../../shared/contract';
import { acceptConsent, logout } from '../store/actions';
import { useBusy } from '../store/app-store';
import { LegalBody, useLegalText } from './LegalDialog';

export function ConsentScreen({ consent }: { consent: ConsentView }) {
  const [kind, setKind] = useState<'terms' | 'privacy'>('terms');
  const [checked, setChecked] = useState(false);
  const accepting = useBusy('acceptConsent');
  const doc = useLegalText(kind);
  return (
    <div className="consent" data-testid="consent-screen">
      <div className="consent__card card">
        <div className="brand-mark">AI照</div>
        <h2>请阅读并同意用户协议和隐私政策</h2>
        <p className="muted">为了向您提供商品图处理服务，请先阅读以下内容。同意后即可开始使用。</p>
        <div className="consent__tabs" role="tablist">
          {(['terms', 'privacy'] as const).map((k) => (
            <button
              key={k}
              type="button"
              role="tab"
              aria-selected={kind === k}
              className={`consent__tab${kind === k ? ' consent__tab--active' : ''}`}
              data-testid={`consent-tab-${k}`}
              onClick={() => setKind(k)}
            >
              《{consent[k].title}》
            </button>
          ))}
        </div>
        <div className="consent__text legal__scroll">
          <LegalBody doc={doc} />
        </div>
        <label className="consent__check">
          <input type="checkbox" data-testid="consent-check" checked={checked} onChange={(e) => setChecked(e.target.checked)} />
          我已阅读并同意《{consent.terms.title}》和《{consent.privacy.title}》
        </label>
        <div className="consent__actions">
          <button type="button" className="btn btn--ghost" onClick={() => void logout()}>
            不同意并退出登录
          </button>
          <button
            type="button"
            className="btn btn--primary"
            data-testid="consent-accept"
            disabled={!checked || accepting}
            onClick={() => void acceptConsent()}
          >
            同意并继续
          </button>
        </div>
      </div>
    </div>
  );
}
