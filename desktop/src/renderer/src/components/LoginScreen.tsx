/** The phone + SMS code login, with what the app does on the left. */
import { useRef, useState, type FormEvent } from 'react';
import { useNow } from '../hooks/useNow';
import { maskPhone } from '../logic/format';
import { digitsOnly, loginError, phoneError, resendSecondsLeft, sendCodeLabel, SMS_COOLDOWN_SECONDS } from '../logic/login';
import { api, errorMessage } from '../services/api';
import { AlertIcon, CheckIcon, WifiOffIcon } from './icons';

const FEATURES = [
  { title: '白底主图', text: '自动抠图换白底，直接用作商品主图' },
  { title: 'AI 模特 12 图', text: '一件衣服生成 12 张不同姿势的上身图' },
  { title: '批量处理', text: '拖入整个文件夹，结果自动保存到本机' },
];

export function LoginScreen({ offline }: { offline: boolean }) {
  const [phone, setPhone] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [sent, setSent] = useState<{ at: number; cooldown: number; phone: string; sandboxCode: string | null } | null>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const now = useNow(sent !== null);
  const secondsLeft = sent ? resendSecondsLeft(sent.at, now, sent.cooldown) : 0;

  async function sendCode() {
    const invalid = phoneError(phone);
    if (invalid) {
      setError(invalid);
      return;
    }
    setError(null);
    setSending(true);
    try {
      const { cooldownSeconds, sandboxCode } = await api.sendCode(phone);
      setSent({ at: Date.now(), cooldown: cooldownSeconds > 0 ? cooldownSeconds : SMS_COOLDOWN_SECONDS, phone, sandboxCode });
      if (sandboxCode) setCode(sandboxCode);
      codeInput.current?.focus();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSending(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const invalid = loginError(phone, code);
    if (invalid) {
      setError(invalid);
      return;
    }
    setError(null);
    setSubmitting(true);
    try {
      await api.login(phone, code);
    } catch (err) {
      setError(errorMessage(err));
      setSubmitting(false);
    }
  }

  return (
    <div className="login">
      <section className="login__brand">
        <div className="brand-mark brand-mark--large">AI照</div>
        <h1 className="login__headline">服装商品图，交给 AI 来拍</h1>
        <p className="login__lead">上传平铺或挂拍的衣服照片，几分钟得到白底主图和 AI 模特上身图。</p>
        <ul className="login__features">
          {FEATURES.map((f) => (
            <li key={f.title}>
              <span className="login__check">
                <CheckIcon size={14} />
              </span>
              <span>
                <strong>{f.title}</strong>
                <span className="muted"> · {f.text}</span>
              </span>
            </li>
          ))}
        </ul>
      </section>

      <section className="login__panel">
        <form className="login__form" onSubmit={(e) => void submit(e)} noValidate>
          <h2>手机号登录</h2>
          <p className="muted">未注册的手机号验证后将自动创建账号</p>

          {offline ? (
            <div className="inline-note inline-note--warning">
              <WifiOffIcon size={16} />
              无法连接服务器，正在重试…
            </div>
          ) : null}

          <label className="field">
            <span className="field__label">手机号</span>
            <input
              className="input"
              data-testid="login-phone"
              inputMode="numeric"
              autoComplete="tel"
              placeholder="请输入 11 位手机号"
              value={phone}
              autoFocus
              onChange={(e) => setPhone(digitsOnly(e.target.value, 11))}
            />
          </label>

          <label className="field">
            <span className="field__label">验证码</span>
            <span className="input-group">
              <input
                ref={codeInput}
                className="input"
                data-testid="login-code"
                inputMode="numeric"
                autoComplete="one-time-code"
                placeholder="6 位验证码"
                value={code}
                onChange={(e) => setCode(digitsOnly(e.target.value, 6))}
              />
              <button
                type="button"
                className="btn btn--secondary input-group__button"
                data-testid="send-code"
                disabled={sending || secondsLeft > 0}
                onClick={() => void sendCode()}
              >
                {sending ? '发送中…' : sendCodeLabel(secondsLeft)}
              </button>
            </span>
          </label>

          {sent && !error ? (
            <p className="hint" data-testid="code-sent">
              {sent.sandboxCode ? `体验模式不发真实短信，验证码 ${sent.sandboxCode} 已自动填好` : `验证码已发送至 ${maskPhone(sent.phone)}`}
            </p>
          ) : null}

          {error ? (
            <p className="form-error" role="alert" data-testid="login-error">
              <AlertIcon size={16} />
              {error}
            </p>
          ) : null}

          <button type="submit" className="btn btn--primary btn--block btn--large" data-testid="login-submit" disabled={submitting}>
            {submitting ? '正在登录…' : '登录'}
          </button>
        </form>
      </section>
    </div>
  );
}
