/** Messages of calls that failed (or a short confirmation), bottom right, gone after a few seconds. */
import { useEffect } from 'react';
import { dismissToast, useStore } from '../store/app-store';
import type { Toast } from '../store/toasts';
import { AlertIcon, CheckIcon, CloseIcon } from './icons';

const TOAST_MS = 6000;

export function Toasts() {
  const toasts = useStore((s) => s.toasts);
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} />
      ))}
    </div>
  );
}

function ToastItem({ toast }: { toast: Toast }) {
  useEffect(() => {
    const timer = setTimeout(() => dismissToast(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.id]);
  return (
    <div className={`toast toast--${toast.kind}`} data-testid="toast" role={toast.kind === 'error' ? 'alert' : 'status'}>
      <span className="toast__icon">{toast.kind === 'error' ? <AlertIcon size={18} /> : <CheckIcon size={18} />}</span>
      <span className="toast__text">{toast.message}</span>
      <button type="button" className="icon-button" aria-label="关闭" onClick={() => dismissToast(toast.id)}>
        <CloseIcon size={14} />
      </button>
    </div>
  );
}
